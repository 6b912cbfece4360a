/**
 * `pointAtSimServer` from `misso/sim`: a plain ccxt user's `ccxt.pro.binanceusdm`, built with
 * nothing but the server's credentials, makes a REST call and a watch call against
 * misso sim-server once pointed at it.
 */
import ccxt, { NotSupported, type binanceusdm } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SIM_API_KEY, DEFAULT_SIM_SECRET, pointAtSimServer, startSimServer, type SimServer } from '../../src/sim/index.js';
import { rewriteOrigins } from '../../src/exchange/urls.js';
import { thrown } from '../support/thrown.js';

const SYMBOL = 'BTC/USD:USD';
let server: SimServer;
const opened: binanceusdm[] = [];

beforeAll(async () => {
  server = await startSimServer({ port: 0, seed: 19, wsPushMs: 100 });
});

afterAll(async () => {
  for (const ex of opened) await ex.close();
  await server.close();
});

/** A ccxt.pro binanceusdm as a plain ccxt user builds it: credentials only. */
function plainClient(): binanceusdm {
  const ex = new ccxt.pro.binanceusdm({ apiKey: DEFAULT_SIM_API_KEY, secret: DEFAULT_SIM_SECRET }) as unknown as binanceusdm;
  opened.push(ex);
  return ex;
}

/** Every string under `value`, however deep. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

describe('pointAtSimServer', () => {
  it('refuses arguments in the wrong order or of the wrong kind with a TypeError saying what to give', async () => {
    const usage = /pointAtSimServer\(exchange, url\): .*new ccxt\.pro\.binanceusdm/;
    // A JavaScript caller who passed the url alone, or the two swapped.
    await expect(pointAtSimServer(server.url as never, undefined as never)).rejects.toThrow(usage);
    await expect(pointAtSimServer(server.url as never, plainClient() as never)).rejects.toThrow(usage);
    await expect(pointAtSimServer(null as never, server.url)).rejects.toThrow(usage);
    await expect(pointAtSimServer(plainClient(), 8555 as never)).rejects.toThrow(/url must be the sim-server's http\(s\) origin, such as http:\/\/127\.0\.0\.1:8555, got 8555/);
    await expect(pointAtSimServer(plainClient(), 'localhost:8555')).rejects.toThrow(/got "localhost:8555"/);
  });

  it('moves every API URL, the nested websocket map included, to the server and keeps the paths', async () => {
    const ex = plainClient();
    const before = strings(ex.urls.api);
    expect(before.some((u) => u.startsWith('wss://'))).toBe(true);
    expect(await pointAtSimServer(ex, server.url)).toBe(ex);
    const after = strings(ex.urls.api);
    const host = new URL(server.url).host;
    expect(after).toHaveLength(before.length);
    for (const [i, u] of after.entries()) {
      expect(u, before[i]).toMatch(new RegExp(`^(http|ws)://${host.replace(/\./g, '\\.')}(/|$)`));
      expect(new URL(u).pathname, before[i]).toBe(new URL(before[i]!).pathname);
    }
    expect(ex.urls.api['ws' as keyof typeof ex.urls.api]).toMatchObject({ future: `ws://${host}/ws` });
  });

  it('lets an unmodified ccxt client make a REST call and a watch call against the server', async () => {
    const ex = await pointAtSimServer(plainClient(), server.url);
    const balance = await ex.fetchBalance();
    expect(balance['USD']?.total).toBe(server.venue.balance().total);
    const ticker = await ex.watchTicker(SYMBOL);
    expect(ticker.symbol).toBe(SYMBOL);
    expect(ticker.last).toBeGreaterThan(0);
    expect(server.counters.snapshot().unhandled).toBe(0);
  });

  it('does what a plain client lacks: with its URLs moved alone, the same calls fail', async () => {
    const moved = (): binanceusdm => {
      const ex = plainClient();
      ex.urls = { ...ex.urls, api: rewriteOrigins(ex.urls.api, server.url) as typeof ex.urls.api };
      return ex;
    };
    // loadMarkets asks for Binance's wallet currencies when credentials are set.
    expect((await thrown(() => moved().fetchBalance())).message).toContain('/sapi/v1/capital/config/getall');
    const noCurrencies = moved();
    noCurrencies.options['fetchCurrencies'] = false;
    expect(await thrown(() => noCurrencies.watchTicker(SYMBOL))).toBeInstanceOf(NotSupported);
  });

  it('refuses a url that is not an http(s) origin', async () => {
    await expect(pointAtSimServer(plainClient(), '127.0.0.1:8555')).rejects.toThrow(/http\(s\) origin/);
  });
});
