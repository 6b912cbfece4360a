import type { Exchange } from 'ccxt';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { StoppedError } from '../../src/core/errors.js';
import type { Updater } from '../../src/engine/updater.js';
import { ExchangeNotAvailable } from '../../src/exchange/ccxt-lib.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

// updater.startRetryError: the last error the start retried on, kept after a stop that ended the
// start, so `misso run` can say why it never reached running.
let current: Updater | null = null;
afterEach(async () => {
  await current?.stop();
  current = null;
});

const CONFIG = { class_attributes: { watch_list: ['BTC/USD:USD'] }, tasks: { t_update_tickers: { freq: 5 } } };
const PAGE = '<!DOCTYPE html><html><head><title>503 Service Temporarily Unavailable</title></head><body><h1>503</h1>nginx</body></html>';

describe('updater.startRetryError', () => {
  it('is the last error the start retried on, an HTML page told by its title, and stays after the stop', async () => {
    let tries = 0;
    const { updater, clock } = await virtualUpdater(CONFIG, {
      exchangeFactory: (): Promise<Exchange> => Promise.reject(new ExchangeNotAvailable(`sim GET http://127.0.0.1:9/markets 503 try ${++tries} ${PAGE}`)),
    });
    current = updater;
    expect(updater.startRetryError).toBeNull();
    const start = updater.start().then(
      () => null,
      (err: unknown) => err,
    );
    await advanceWithIo(clock, () => tries >= 3, 60_000, 50);
    await updater.stop();
    expect(await start).toBeInstanceOf(StoppedError);
    expect(updater.phase).toBe('stopped');
    expect(updater.startRetryError).toBe(`sim GET http://127.0.0.1:9/markets 503 try ${tries} (HTML page: 503 Service Temporarily Unavailable)`);
    expect(updater.startRetryErrorKind).toBe('retryable');
  });

  it("holds the init update's retried reads too: a stop during it leaves the start undone, and says why", async () => {
    const built = await virtualUpdater(
      {
        ...CONFIG,
        tasks: {
          ...CONFIG.tasks,
          t_init_update: {
            subtasks: { s0: { type: 'async', modul: 'Misso.services.async_helper', method: 'get_last_prices_from_watch_list', input_args: ['self.aftx', 'self.watch_list'], target_attr: 'last_price' } },
          },
        },
      },
      {
        exchangeFactory: () => {
          const sim = createSimExchange({ seed: 7 }, { clock: built.clock });
          sim.setKnobs({ faults: [{ kind: 'exchange_not_available', probability: 1, methods: ['fetchTickers'] }] });
          return Promise.resolve(sim);
        },
      },
    );
    const u = (current = built.updater);
    const start = u.start().then(
      () => null,
      (err: unknown) => err,
    );
    await advanceWithIo(built.clock, () => u.startRetryError !== null, 60_000, 50);
    // The init update is part of the start: the phase says so until start() resolves.
    expect(u.phase).toBe('starting');
    await u.stop();
    expect(await start).toBeInstanceOf(StoppedError);
    expect(u.startRetryError).toMatch(/fetchTickers|not available/i);
  });

  it('forgets a retried read that worked: a stop during the slow init update after it names no error', async () => {
    const logged: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(line) });
    const built = await virtualUpdater(
      {
        ...CONFIG,
        tasks: {
          ...CONFIG.tasks,
          t_init_update: {
            subtasks: {
              s0: { type: 'async', modul: 'Misso.services.async_helper', method: 'get_last_prices_from_watch_list', input_args: ['self.aftx', 'self.watch_list'], target_attr: 'last_price' },
              s1: { type: 'async', modul: 'Misso.services.async_helper', method: 'get_total_balance', input_args: ['self.aftx'], target_attr: 'total' },
            },
          },
        },
      },
      {
        logger,
        exchangeFactory: () => {
          const sim = createSimExchange({ seed: 7 }, { clock: built.clock });
          // Every answer takes 3 s (within the 10 s timeout); the first fetchTickers fails, its retry works.
          sim.setKnobs({ latency_ms: 3000, faults: [{ kind: 'exchange_not_available', calls: [1, 1], methods: ['fetchTickers'] }] });
          return Promise.resolve(sim);
        },
      },
    );
    const u = (current = built.updater);
    let done = false;
    const start = u.start().then(
      () => null,
      (err: unknown) => err,
    ).finally(() => (done = true));
    let retried = false;
    await advanceWithIo(built.clock, () => (retried ||= u.startRetryError !== null) && logged.some((l) => l.includes('start: exchange calls work again')), 120_000, 50);
    // The balance read after it is still on its way: the start is not done.
    expect(done).toBe(false);
    await u.stop();
    expect(await start).toBeInstanceOf(StoppedError);
    expect(u.startRetryError).toBeNull();
    expect(u.startRetryErrorKind).toBeNull();
  });

  it('is null for a start the exchange answered at once', async () => {
    const built = await virtualUpdater(CONFIG, { exchangeFactory: () => Promise.resolve(createSimExchange({ seed: 7 }, { clock: built.clock })) });
    current = built.updater;
    await startVirtual(built.updater, built.clock);
    expect(built.updater.phase).toBe('running');
    expect(built.updater.startRetryError).toBeNull();
  });
});
