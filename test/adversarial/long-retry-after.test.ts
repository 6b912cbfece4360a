/**
 * A 429 whose Retry-After asks for days (a broken header, a proxy's) against misso sim-server,
 * through an unmodified ccxt binanceusdm: the pause is capped (5 minutes) and told to the
 * operator with its end; orders still go out; a scheduled restart does not rebuild the session
 * meanwhile (the rebuild would wait behind the same pause, with the orders behind its gate); and
 * a stop does not wait the pause out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import type { Updater } from '../../src/engine/updater.js';
import type { RateBudget } from '../../src/exchange/budget.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { simServerUpdater, STREAM_SYMBOL } from '../support/streaming-rig.js';
import { CollectingNotifier } from '../support/virtual-updater.js';
import { until } from '../support/wait.js';

let server: SimServer | undefined;
let updater: Updater | undefined;
afterEach(async () => {
  await updater?.stop();
  await server?.close();
  updater = server = undefined;
});

describe('a 429 asking for a pause of days', () => {
  it('is capped and told; orders still go out; no session rebuild; a stop does not wait for it', async () => {
    server = await startSimServer({ port: 0, seed: 41, clock: new SystemClock() });
    const notifier = new CollectingNotifier();
    updater = await simServerUpdater(server, {
      exchange: { stream: 'off', timeout_ms: 1500 },
      tasks: { t_update_tickers: { freq: 1, timeout_secs: 1 }, t_update_balance: { freq: 1, timeout_secs: 1 }, t_execute_orders: {}, t_update_open_orders: { freq: 1, timeout_secs: 1 }, t_restart_exchange: { freq: 5 } },
      notifier,
    });
    const session = updater.session;
    const budget = (session as unknown as { budget: RateBudget }).budget;
    let rebuilt = false;
    const watch = setInterval(() => (rebuilt ||= session.restarting), 20);
    // One market read meets a 429 asking for 999999 s (11.5 days).
    server.faults.set('429:calls=1:retry=999999:path=24hr');
    await until(() => budget.stats().penalties.rate_limit > 0, 10_000, 'the 429');
    const pausedFor = budget.stats().pausedUntil - Date.now();
    expect(pausedFor).toBeGreaterThan(290_000);
    expect(pausedFor).toBeLessThanOrEqual(300_000);
    await until(() => notifier.texts().some((t) => t.startsWith('exchange rate limit:')), 5_000, 'the pause told');
    const told = notifier.texts().find((t) => t.startsWith('exchange rate limit:'))!;
    expect(told).toMatch(/^exchange rate limit: status, account and market calls paused for (29\d|300)s \(until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\) \(it asked for 999999s; misso waits at most this long\); orders and cancels still go out$/);
    // An order still goes out while the reads wait.
    const last = server.venue.ticker(STREAM_SYMBOL).last;
    const order = updater.pendingOrders.push({ symbol: STREAM_SYMBOL, side: 'buy', amount: Number(updater.exchange.amountToPrecision(STREAM_SYMBOL, 20 / last)), price: Number(updater.exchange.priceToPrecision(STREAM_SYMBOL, last * 0.9)) });
    await until(() => order.status === 'open', 10_000, 'the order placed');
    // The reads time out over and over, and the scheduled restart comes every 5 s (its first
    // after the pause began: one already under way would wait behind it, see the README): no rebuild,
    // which would wait behind the pause, the orders behind its gate.
    await until(() => Object.values(updater!.taskStatuses()).some((t) => t.consecutiveFailures >= 6), 30_000, 'tasks failing behind the pause');
    clearInterval(watch);
    expect(rebuilt).toBe(false);
    // The stop does not wait 5 minutes for the reads the pause holds.
    const stopAt = Date.now();
    await updater.stop();
    expect(Date.now() - stopAt).toBeLessThan(8_000);
    expect(updater.phase).toBe('stopped');
  }, 60_000);
});
