import { afterEach, describe, expect, it } from 'vitest';
import type { Exchange } from 'ccxt';
import { ExchangeNotAvailable } from '../../src/exchange/ccxt-lib.js';
import type { Updater } from '../../src/engine/updater.js';
import { createSimExchange, type SimExchange } from '../../src/sim/sim-exchange.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

/**
 * The exchange goes down for good while misso runs: every call fails (503), so the tasks fail,
 * the session is rebuilt, and every rebuild fails too (the session stays restarting).
 */
async function exchangeDown() {
  let sim: SimExchange | null = null;
  let down = false;
  let builds = 0;
  const built = await virtualUpdater(
    {
      class_attributes: { watch_list: ['BTC/USD:USD'], last_price: {}, open_orders: {} },
      shared_attributes: { pending_orders: { modul: 'queue', function: 'Queue' } },
      // REST passes are the subject: a healthy stream would keep what they feed fresh.
      exchange: { id: 'sim', stream: 'off' },
      tasks: {
        t_update_tickers: { name: 'update_tickers', freq: 5 },
        t_execute_orders: { name: 'execute_orders', freq: 5 },
        t_update_open_orders: { name: 'update_open_orders', freq: 5 },
      },
    },
    {
      exchangeFactory: async (): Promise<Exchange> => {
        builds++;
        if (down) throw new ExchangeNotAvailable('sim 503 Service Unavailable');
        return (sim ??= createSimExchange({ seed: 7 }, { clock: built.clock }));
      },
    },
  );
  const { updater, clock, notifier } = built;
  current = updater;
  await startVirtual(updater, clock);
  await clock.advance(6_000);
  const fail = (): void => {
    down = true;
    sim!.setKnobs({ faults: [{ kind: 'exchange_not_available', probability: 1 }] });
  };
  const recover = (): void => {
    down = false;
    sim!.setKnobs({ faults: [] });
  };
  return { updater, clock, notifier, fail, recover, builds: () => builds };
}

let current: Updater | null = null;
afterEach(async () => {
  await current?.stop();
  current = null;
});

describe('the exchange down for good', () => {
  it("the engine's own order bookkeeping does not make open_orders fresh again, nor its task recovered", async () => {
    const { updater: u, clock, notifier, fail, recover } = await exchangeDown();
    const price = Math.round(u.state.get<Record<string, number>>('last_price')['BTC/USD:USD']! * 0.8);
    fail();
    await advanceWithIo(clock, () => u.session.restarting && u.state.isStale('open_orders'), 120_000, 500);
    await clock.advance(2_000);
    expect(notifier.texts().filter((t) => t.startsWith('open_orders is stale'))).toHaveLength(1);
    // An order pushed, then cancelled before it was sent (the executor waits at the closed gate).
    const order = u.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01, price });
    await u.orders.cancel(order);
    expect(order.status).toBe('canceled');
    await clock.advance(3_000);
    expect(u.session.restarting).toBe(true);
    // Nothing the exchange confirmed: open_orders is still stale, its task still down.
    expect(notifier.texts().filter((t) => t.startsWith('open_orders is fresh again'))).toEqual([]);
    expect(u.state.isStale('open_orders')).toBe(true);
    const status = u.snapshotStatus();
    expect(status.attributes['open_orders']).toMatchObject({ stale: true, source: 'update_open_orders' });
    expect(status.tasks['update_open_orders']).toMatchObject({ ok: false, lastError: 'stale: open_orders' });
    expect(u.state.get<Record<string, boolean>>('system_status')['update_open_orders']).toBe(false);

    // The exchange back: the task's pass confirms open_orders, and that is told once.
    recover();
    await advanceWithIo(clock, () => !u.session.restarting && !u.state.isStale('open_orders'), 120_000, 500);
    await clock.advance(2_000);
    expect(notifier.texts().filter((t) => t.startsWith('open_orders is fresh again'))).toEqual(['open_orders is fresh again; task update_open_orders recovered']);
    expect(u.snapshotStatus().tasks['update_open_orders']).toMatchObject({ ok: true, lastError: null });
  });
});
