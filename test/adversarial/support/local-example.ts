import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import type { MissoConfigInput } from '../../../src/config/schema.js';

const ROOT = resolve(import.meta.dirname, '../../..');

/** The repository's root directory. */
export const REPO_ROOT = ROOT;

/** The credentials `examples/binanceusdm-local.yaml` reads, as the sim server's defaults. */
export const SIM_ENV = { MISSO_SIM_API_KEY: 'misso-sim-key', MISSO_SIM_SECRET: 'misso-sim-secret' } as const;

/**
 * `examples/binanceusdm-local.yaml` as a config object, pointed at a sim server on `url`, with
 * its journal at `journalPath` and a request timeout of `timeoutMs` (so hung requests cost the
 * test little time). A local server takes more than Binance's 20 weight a second, so the budget
 * is raised to `capacity` to keep tests short. Everything else is the example as shipped.
 */
export function localExample(url: string, journalPath: string, timeoutMs: number, capacity = 400): MissoConfigInput {
  const config = parse(readFileSync(join(ROOT, 'examples/binanceusdm-local.yaml'), 'utf8')) as {
    exchange: { urls: { api: string }; timeout_ms: number; rate_budget?: { capacity: number } };
    storage: { path: string };
  };
  config.exchange.urls.api = url;
  config.exchange.timeout_ms = timeoutMs;
  config.exchange.rate_budget = { capacity };
  config.storage.path = journalPath;
  return config as unknown as MissoConfigInput;
}

/** Writes {@link localExample} as a YAML file at `path`, for runs of the CLI. */
export function writeLocalExample(path: string, url: string, journalPath: string, timeoutMs: number): void {
  writeFileSync(path, stringify(localExample(url, journalPath, timeoutMs)));
}
