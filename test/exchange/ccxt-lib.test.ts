import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ccxt from 'ccxt';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BadResponse,
  ccxtErrorClass,
  ccxtExchangeBase,
  ccxtExchangeIds,
  ccxtProIds,
  ExchangeError,
  InvalidOrder,
  loadCcxtCore,
  loadedExchangeClass,
  loadExchangeClass,
  NetworkError,
  OrderNotFound,
} from '../../src/exchange/ccxt-lib.js';

const dir = mkdtempSync(join(tmpdir(), 'misso-ccxt-lib-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ccxt, a class at a time', () => {
  it("lists exactly ccxt's ids, REST and ccxt.pro (a ccxt release laid out otherwise shows here)", () => {
    expect([...(ccxtExchangeIds() ?? [])].sort()).toEqual([...ccxt.exchanges].sort());
    const pro = (ccxt.pro as unknown as { exchanges: string[] }).exchanges;
    expect([...(ccxtProIds() ?? [])].sort()).toEqual([...pro].sort());
  });

  it("loads the very classes the whole package exports, so instanceof holds for a strategy's own ccxt", async () => {
    // (Other tests of this process may have loaded it already: the unit project shares modules.)
    const rest = await loadExchangeClass('bitflyer', false);
    expect(rest).toBe(ccxt.bitflyer);
    expect(loadedExchangeClass('bitflyer', false)).toBe(rest);
    expect(await loadExchangeClass('binanceusdm', true)).toBe(ccxt.pro.binanceusdm);
    expect((await loadCcxtCore()).Exchange).toBe(ccxt.Exchange);
    // Loaded synchronously (the simulator extends it as its module is evaluated): the same class.
    expect(ccxtExchangeBase()).toBe(ccxt.Exchange);
  });

  it("stands in for ccxt's error classes: new builds the real class, instanceof takes ccxt's and another copy's", async () => {
    await loadCcxtCore();
    const built = new BadResponse('x');
    expect(built).toBeInstanceOf(ccxt.BadResponse);
    expect(built.constructor).toBe(ccxt.BadResponse);
    expect(new OrderNotFound('x')).toBeInstanceOf(ccxt.ExchangeError);
    expect(new ccxt.OrderNotFound('x')).toBeInstanceOf(OrderNotFound);
    expect(new ccxt.OrderNotFound('x')).toBeInstanceOf(ExchangeError);
    expect(new ccxt.OrderNotFound('x')).not.toBeInstanceOf(NetworkError);
    expect(new ccxt.RequestTimeout('x')).toBeInstanceOf(NetworkError);
    // ccxt's CommonJS build: other classes of the same names, told by their names.
    const cjs = createRequire(import.meta.url)('ccxt') as typeof ccxt;
    expect(cjs.InvalidOrder).not.toBe(ccxt.InvalidOrder);
    expect(new cjs.InvalidOrder('x')).toBeInstanceOf(InvalidOrder);
    expect(new cjs.InvalidOrder('x')).toBeInstanceOf(ExchangeError);
    expect(new cjs.InvalidOrder('x')).not.toBeInstanceOf(OrderNotFound);
    // Not ccxt's: a class of the same name outside its tree, and things that are not errors.
    class NetworkErrorOfMine extends Error {}
    Object.defineProperty(NetworkErrorOfMine, 'name', { value: 'NetworkError' });
    expect(new NetworkErrorOfMine('x')).not.toBeInstanceOf(NetworkError);
    for (const value of [null, undefined, 'NetworkError', 3, {}, new Error('x'), Object.create(null)]) expect(value instanceof NetworkError).toBe(false);
  });

  it('answers undefined for an id ccxt does not have, whatever it looks like', async () => {
    for (const id of ['nope', '../ccxt', 'base/errors', 'Exchange', '']) {
      expect(await loadExchangeClass(id, false)).toBeUndefined();
      expect(await loadExchangeClass(id, true)).toBeUndefined();
    }
  });

  it("names ccxt's error classes and nothing else", async () => {
    await loadCcxtCore();
    expect(ccxtErrorClass('RateLimitExceeded')).toBe(ccxt.RateLimitExceeded);
    expect(ccxtErrorClass('NetworkError')).toBe(ccxt.NetworkError);
    expect(ccxtErrorClass('Exchange')).toBeUndefined();
    expect(ccxtErrorClass('toString')).toBeUndefined();
    expect(ccxtErrorClass('TypeError')).toBeUndefined();
  });

  it("a binanceusdm process loads binanceusdm's modules, never the whole package or another venue's", () => {
    const record = join(dir, 'modules.txt');
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--import', join(import.meta.dirname, 'fixtures/record-modules.mjs'), join(import.meta.dirname, 'fixtures/load-binanceusdm.ts')],
      { encoding: 'utf8', env: { ...process.env, MISSO_RECORD_MODULES: record }, timeout: 60_000 },
    );
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('binanceusdm streams\n');
    const ccxtFiles = readFileSync(record, 'utf8')
      .split('\n')
      .filter((url) => url.includes('/node_modules/ccxt/'))
      .map((url) => url.slice(url.indexOf('/node_modules/ccxt/') + '/node_modules/ccxt/'.length));
    expect(ccxtFiles).toContain('js/src/binanceusdm.js');
    expect(ccxtFiles).toContain('js/src/pro/binanceusdm.js');
    expect(ccxtFiles).toContain('js/src/base/errors.js');
    expect(ccxtFiles).not.toContain('js/ccxt.js');
    expect(ccxtFiles.filter((f) => /^js\/src\/(pro\/)?(bybit|okx|kraken)\.js$/.test(f))).toEqual([]);
    // binanceusdm's chain only: binance, binanceusdm, and their ccxt.pro classes.
    const venues = ccxtFiles.filter((f) => /^js\/src\/(pro\/)?[a-z0-9]+\.js$/.test(f));
    expect(venues.sort()).toEqual(['js/src/binance.js', 'js/src/binanceusdm.js', 'js/src/pro/binance.js', 'js/src/pro/binanceusdm.js']);
  }, 60_000);
});
