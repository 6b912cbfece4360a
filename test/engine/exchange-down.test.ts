import { afterEach, describe, expect, it } from 'vitest';
import type { Exchange } from 'ccxt';
import { ExchangeNotAvailable } from '../../src/exchange/ccxt-lib.js';
import type { Updater } from '../../src/engine/updater.js';
import { startStatusServer, type StatusServer } from '../../src/http/status-server.js';
import { type SimExchange } from '../../src/sim/sim-exchange.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

/**
 * The exchange goes down for good while misso runs: every call fails (503), so the tasks fail,
 * the session is rebuilt, and every rebuild fails too (the session stays restarting).
 */
async function exchangeDown() {
  let sim: SimExchange | null = null;
  let down = false;
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
  return { updater, clock, notifier, fail, recover };
}

let current: Updater | null = null;
let server: StatusServer | null = null;
afterEach(async () => {
  await server?.close();
  await current?.stop();
  current = server = null;
});

describe('the exchange down for good', () => {
  it("the engine's own order bookkeeping does not make open_orders fresh again, nor its task recovered", async () => {
    const { updater: u, clock, notifier, fail, recover } = await exchangeDown();
    const price = Math.round(u.state.get<Record<string, number>>('last_price')['BTC/USD:USD']! * 0.8);
    fail();
    await advanceWithIo(clock, () => u.session.restarting && u.state.isStale('open_orders'), 120_000, 500);
    await clock.advance(2_000);
    // One headline for the outage; the stale attribute it explains is folded into it, not told.
    expect(notifier.texts().filter((t) => t.startsWith('exchange sim unreachable since '))).toHaveLength(1);
    expect(notifier.texts().filter((t) => t.startsWith('open_orders is stale'))).toEqual([]);
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

    // The exchange back: told once; the task's pass confirms open_orders, whose staleness the
    // operator never heard of, so its return is not told either.
    recover();
    await advanceWithIo(clock, () => !u.session.restarting && !u.state.isStale('open_orders'), 120_000, 500);
    await clock.advance(70_000);
    expect(notifier.texts().filter((t) => t.startsWith('exchange sim reachable again after '))).toHaveLength(1);
    expect(notifier.texts().filter((t) => /^open_orders is (fresh again|stale)/.test(t))).toEqual([]);
    expect(u.snapshotStatus().tasks['update_open_orders']).toMatchObject({ ok: true, lastError: null });
  });
});

describe('the exchange readiness flag', () => {
  it('goes false while the calls fail and the session restarts for good, and /readyz says why', async () => {
    const { updater: u, clock, fail, recover } = await exchangeDown();
    server = await startStatusServer({ source: u.statusSource(), clock, processMetrics: false });
    const readyz = async (): Promise<{ status: number; reasons: string[] }> => {
      const res = await fetch(`${server!.url}/readyz`);
      return { status: res.status, reasons: ((await res.json()) as { reasons: string[] }).reasons };
    };
    const exchangeGauge = async (): Promise<string | undefined> => /misso_readiness\{flag="exchange"\} (\d)/.exec(await (await fetch(`${server!.url}/metrics`)).text())?.[1];
    expect(u.snapshotStatus().readiness.exchange).toBe(true);
    expect(await exchangeGauge()).toBe('1');
    const failedAt = clock.now();
    fail();
    // Five network failures in a row, with no answer between them: not ready at once, not only
    // once a restart has outlasted its grace.
    await advanceWithIo(clock, () => !u.snapshotStatus().readiness.exchange, 30_000, 100);
    const early = u.snapshotStatus();
    expect(early.readinessReasons?.exchange).toMatch(/^the last \d+ exchange calls failed since 2023-11-14T22:\d\d:\d\dZ \(last: ExchangeNotAvailable\)$/);
    expect(clock.now() - failedAt).toBeLessThan(30_000);
    // The session restarts, and every rebuild fails: still not ready, now naming the restart.
    await advanceWithIo(clock, () => u.session.restarting, 60_000, 100);
    const restartAt = clock.now();
    await advanceWithIo(clock, () => u.session.health().failedRebuilds >= 3 && clock.now() - restartAt >= 35_000, 180_000, 500);
    const snap = u.snapshotStatus();
    expect(snap.exchange.restarting).toBe(true);
    expect(snap.readiness.exchange).toBe(false);
    expect(snap.ready).toBe(false);
    expect(snap.readinessReasons?.exchange).toMatch(
      /^session restarting since 2023-11-14T22:\d\d:\d\dZ \(for \d+ s; \d+ rebuild attempts failed, last: ExchangeNotAvailable\); the last \d+ exchange calls failed since /,
    );
    const answer = await readyz();
    expect(answer.status).toBe(503);
    expect(answer.reasons[0]).toBe(`readiness flag exchange is false: ${snap.readinessReasons!.exchange!}`);
    expect(answer.reasons).not.toContain('the engine reports not ready');
    expect(await exchangeGauge()).toBe('0');

    // Back: the rebuild works, the flag holds again and says nothing more.
    recover();
    await advanceWithIo(clock, () => !u.session.restarting, 120_000, 500);
    const back = u.snapshotStatus();
    expect(back.readiness.exchange).toBe(true);
    expect(back.readinessReasons).toBeUndefined();
    expect(await exchangeGauge()).toBe('1');
  });

  it('holds through a routine restart shorter than the grace', async () => {
    const { updater: u, clock } = await exchangeDown();
    let sawRestarting = false;
    let flagDuringRestart = true;
    const done = u.restartExchange('test');
    while (u.session.restarting || !sawRestarting) {
      if (u.session.restarting) {
        sawRestarting = true;
        flagDuringRestart &&= u.snapshotStatus().readiness.exchange;
      }
      await clock.advance(50);
      await new Promise((r) => setTimeout(r, 1));
      if (!u.session.restarting && sawRestarting) break;
    }
    await done;
    expect(sawRestarting).toBe(true);
    expect(flagDuringRestart).toBe(true);
    expect(u.snapshotStatus().readiness.exchange).toBe(true);
  });
});
