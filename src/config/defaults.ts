import type { ExchangeConfig } from './types.js';

/** The normalised `exchange:` section when the config has none: the simulator with every default. */
export const DEFAULT_EXCHANGE_CONFIG: Readonly<ExchangeConfig> = Object.freeze({
  id: 'sim',
  options: {},
  urls: null,
  apiKey: null,
  secret: null,
  password: null,
  credentials: {},
  sim: {},
  rateBudget: Object.freeze({ capacity: null, windowMs: 1000, enabled: true }),
  timeoutMs: 10_000,
  stream: 'auto',
  marketDataThread: 'worker',
});

/** A normalised `exchange:` config: the defaults with `overrides` on top (tests, benchmarks, code). */
export function exchangeConfig(overrides: Partial<ExchangeConfig> = {}): ExchangeConfig {
  return { ...DEFAULT_EXCHANGE_CONFIG, rateBudget: { ...DEFAULT_EXCHANGE_CONFIG.rateBudget }, ...overrides };
}
