import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { withMissoSerializers } from '../../src/core/logger.js';
import { Redactor } from '../../src/core/redact.js';
import { loggerFor } from '../../src/engine/updater-options.js';
import type { MissoConfig } from '../../src/config/types.js';

const SECRET = 'sEcReT-9f8e7d6c5b4a';
const PAGE = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title><style>body{}</style></head><body><h1>502</h1><p>cloudflare</p></body></html>';

/** A caller's own pino logger, writing JSON lines into an array. */
function callersLogger(): { logger: pino.Logger; lines: () => Record<string, unknown>[]; raw: () => string } {
  const out: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void out.push(line) });
  return { logger, lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>), raw: () => out.join('') };
}

describe('a logger the caller passes', () => {
  it('gets misso lines with HTML pages cut, secrets and signatures scrubbed from errors, and the secret paths redacted', () => {
    const { logger, lines, raw } = callersLogger();
    const log = withMissoSerializers(logger, new Redactor([SECRET]));
    const err = new Error(`binanceusdm GET https://fapi.example/fapi/v1/order?symbol=BTCUSDT&timestamp=1&signature=abc123def 502 ${PAGE}`);
    log.warn({ err, detail: `key ${SECRET} refused: ${PAGE}`, apiKey: 'k-value', exchange: { secret: 'nested-value' } }, 'a call failed');
    const [line] = lines();
    const e = line!['err'] as Record<string, unknown>;
    expect(e['message']).toContain('502 Bad Gateway');
    expect(e['message']).toContain('/fapi/v1/order?[redacted]');
    expect(line!['detail']).toBe('key [redacted] refused: (HTML page: 502 Bad Gateway)');
    expect(line!['apiKey']).toBe('[redacted]');
    expect((line!['exchange'] as Record<string, unknown>)['secret']).toBe('[redacted]');
    const text = raw();
    for (const leaked of ['<html', '<title', SECRET, 'abc123def', 'k-value', 'nested-value']) expect(text).not.toContain(leaked);
    // The caller's logger itself is untouched: its own lines keep what they log.
    logger.info({ apiKey: 'mine' }, 'own line');
    expect(lines().at(-1)!['apiKey']).toBe('mine');
  });

  it("keeps the caller's own redact rules and log formatter in force on misso's lines, beside misso's paths", () => {
    const out: string[] = [];
    const logger = pino(
      { level: 'debug', redact: ['*.passphrase', 'session'], formatters: { log: (o) => ({ ...o, callers: true }) } },
      { write: (line: string) => void out.push(line) },
    );
    const log = withMissoSerializers(logger, new Redactor([SECRET])).child({ task: 't' });
    log.warn({ exchange: { passphrase: 'pp-value', secret: 'nested-value' }, session: 'sess-value', apiKey: 'k-value' }, 'misso line');
    const line = JSON.parse(out[0]!) as Record<string, unknown>;
    expect(line['exchange']).toEqual({ passphrase: '[Redacted]', secret: '[redacted]' });
    expect(line['session']).toBe('[Redacted]');
    expect(line['apiKey']).toBe('[redacted]');
    expect(line['callers']).toBe(true);
    for (const leaked of ['pp-value', 'sess-value', 'nested-value', 'k-value']) expect(out.join('')).not.toContain(leaked);
  });

  it('does not change the object misso logs while it censors the line', () => {
    const { logger } = callersLogger();
    const fields = { apiKey: 'k-value', exchange: { secret: 'nested-value' } };
    withMissoSerializers(logger, Redactor.none()).info(fields, 'line');
    expect(fields).toEqual({ apiKey: 'k-value', exchange: { secret: 'nested-value' } });
  });

  it('lets no signature or secret through from deep inside an error', () => {
    const { logger, raw, lines } = callersLogger();
    const url = `https://fapi.example/fapi/v1/order?symbol=BTCUSDT&timestamp=1&signature=deadbeef99 key=${SECRET}`;
    const err = Object.assign(new Error('request failed'), { request: { a: { b: { c: { d: { url }, e: [{ f: url }] } } } } });
    withMissoSerializers(logger, new Redactor([SECRET])).error({ err }, 'deep');
    expect(raw()).not.toContain('deadbeef99');
    expect(raw()).not.toContain(SECRET);
    expect(JSON.stringify(lines()[0]!['err'])).toContain('order?[redacted]');
  });

  it('is what the Updater logs through, given as a logger or as a function of the config', () => {
    // loggerFor reads the config only to build its own logger, or to call the caller's function.
    const config = { logging: { level: 'info', file: null } } as unknown as MissoConfig;
    for (const asFunction of [false, true]) {
      const { logger, raw } = callersLogger();
      const log = loggerFor(config, asFunction ? () => logger : logger, new Redactor([SECRET]));
      log.error({ err: new Error(`refused ${SECRET} ${PAGE}`) }, 'start failed');
      expect(raw()).toContain('502 Bad Gateway');
      expect(raw()).not.toContain(SECRET);
      expect(raw()).not.toContain('<body');
    }
  });
});
