/**
 * An `exchangeFactory` that throws something other than an exchange's error, or gives something
 * that is not an exchange, fails the start at once with a StartupError that names the factory:
 * retrying code that is wrong never mends it, and calling it "exchange unreachable" would send
 * the operator to look at the network.
 */
import type { Exchange } from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { StartupError } from '../../src/core/errors.js';
import type { Updater } from '../../src/engine/updater.js';
import { ExchangeNotAvailable } from '../../src/exchange/ccxt-lib.js';
import { advanceWithIo, virtualUpdater } from '../support/virtual-updater.js';

let current: Updater | null = null;
afterEach(async () => {
  await current?.stop();
  current = null;
});

const CONFIG = { class_attributes: { watch_list: ['BTC/USD:USD'] }, tasks: { t_update_tickers: { freq: 5 } } };

async function startWith(factory: () => Promise<unknown>): Promise<{ error: unknown; calls: number }> {
  let calls = 0;
  const { updater } = await virtualUpdater(CONFIG, {
    exchangeFactory: (() => {
      calls++;
      return factory();
    }) as () => Promise<Exchange>,
  });
  current = updater;
  const error = await updater.start().then(
    () => null,
    (err: unknown) => err,
  );
  return { error, calls };
}

describe('an exchangeFactory that is wrong', () => {
  it.each([
    ['throws a TypeError', () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'apiKey')")), /exchangeFactory option failed: TypeError: Cannot read properties of undefined \(reading 'apiKey'\); fix the factory/],
    ['throws a RangeError', () => Promise.reject(new RangeError('bad size')), /exchangeFactory option failed: RangeError: bad size/],
    ['gives a plain object', () => Promise.resolve({}), /exchangeFactory option gave a plain object, not a ccxt exchange/],
    ['gives nothing', () => Promise.resolve(undefined), /exchangeFactory option gave undefined, not a ccxt exchange/],
  ])('fails the start at once when it %s', async (_what, factory, message) => {
    const { error, calls } = await startWith(factory);
    expect(error).toBeInstanceOf(StartupError);
    expect((error as Error).message).toMatch(message);
    expect(calls).toBe(1);
    expect(current!.phase).not.toBe('running');
  });

  it("still retries an exchange's own error from it (a factory that loads something over the network)", async () => {
    let calls = 0;
    const { updater, clock } = await virtualUpdater(CONFIG, {
      exchangeFactory: (): Promise<Exchange> => Promise.reject(new ExchangeNotAvailable(`try ${++calls}`)),
    });
    current = updater;
    const start = updater.start().then(
      () => null,
      (err: unknown) => err,
    );
    await advanceWithIo(clock, () => calls >= 3, 60_000, 50);
    expect(updater.startRetryErrorKind).toBe('retryable');
    await updater.stop();
    expect(await start).not.toBeInstanceOf(StartupError);
  });
});
