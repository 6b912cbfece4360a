import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VirtualClock } from '../../src/core/clock.js';
import type { Updater } from '../../src/engine/updater.js';
import { advanceWithIo, startVirtual, virtualUpdater, type CollectingNotifier } from '../support/virtual-updater.js';

/**
 * The seed's own config, unchanged, on the simulated exchange and virtual time: what the issue's
 * "done means" asks of `misso run examples/seed-config.yaml`.
 */
describe('the seed config on the simulator', () => {
  let updater: Updater;
  let clock: VirtualClock;
  let notifier: CollectingNotifier;

  beforeAll(async () => {
    ({ updater, clock, notifier } = await virtualUpdater(null, { file: 'examples/seed-config.yaml' }));
    await startVirtual(updater, clock);
    await clock.advance(65_000);
  });

  afterAll(async () => {
    await updater.stop();
  });

  it('builds a watch list without the restricted symbols, from markets passing the volume filter', async () => {
    const watchList = updater.state.get<string[]>('watch_list');
    const restricted = updater.state.get<string[]>('wl_restricted');
    expect(watchList.length).toBeGreaterThan(3);
    for (const symbol of restricted) expect(watchList).not.toContain(symbol);
    const markets = updater.exchange.markets ?? {};
    for (const symbol of watchList) {
      expect(Number(markets[symbol]!.info['volumeUsd24h'])).toBeGreaterThanOrEqual(2_000_000);
      expect(symbol).toMatch(/\/USD:USD$/);
    }
  });

  it('finds [high, low] ranges around the last price', () => {
    const ranges = updater.state.get<Record<string, [number, number]>>('wl_ranges');
    const prices = updater.state.get<Record<string, number>>('last_price');
    const symbols = Object.keys(ranges);
    expect(symbols.length).toBeGreaterThan(0);
    // The init took its ranges at the init's prices; prices have moved only a little since.
    for (const symbol of symbols) {
      const [high, low] = ranges[symbol]!;
      expect(high).toBeGreaterThan(low);
      expect(high).toBeGreaterThan(prices[symbol]! * 0.99);
      expect(low).toBeLessThan(prices[symbol]! * 1.01);
    }
  });

  it('has a fresh last price for every watch-list symbol', () => {
    const watchList = updater.state.get<string[]>('watch_list');
    for (const symbol of watchList) {
      expect(updater.state.get<Record<string, number>>('last_price')[symbol]).toBeGreaterThan(0);
      expect(updater.state.isKeyFresh('last_price', symbol)).toBe(true);
    }
  });

  it('holds 1000 one-minute candles per symbol, rows of [t, o, h, l, c, v]', () => {
    const ohlcs = updater.state.get<Record<string, number[][]>>('ohlcs');
    for (const symbol of updater.state.get<string[]>('watch_list')) {
      const rows = ohlcs[symbol]!;
      expect(rows).toHaveLength(1000);
      expect(rows[1]![0]! - rows[0]![0]!).toBe(60_000);
      for (const row of rows.slice(-3)) {
        expect(row).toHaveLength(6);
        expect(row[2]).toBeGreaterThanOrEqual(Math.max(row[1]!, row[4]!));
        expect(row[3]).toBeLessThanOrEqual(Math.min(row[1]!, row[4]!));
      }
    }
  });

  it('reads the capital and keeps every periodic task ok', () => {
    expect(updater.state.get<number>('total_capital')).toBeGreaterThan(0);
    const snap = updater.snapshot();
    for (const [name, task] of Object.entries(snap.tasks)) {
      expect({ name, ok: task.ok, lastError: task.lastError }).toEqual({ name, ok: true, lastError: null });
    }
    expect(snap.tasks['update_tickers']!.runs).toBeGreaterThanOrEqual(6);
  });

  it('restarts the exchange session every freq and keeps working after it', async () => {
    const before = updater.snapshotStatus().exchange.restarts;
    await advanceWithIo(clock, () => updater.snapshotStatus().exchange.restarts > before && !updater.session.restarting, 300_000, 1000);
    expect(updater.snapshotStatus().exchange.restarts).toBe(before + 1);
    const runs = updater.snapshot().tasks['update_tickers']!.runs;
    await clock.advance(20_000);
    expect(updater.snapshot().tasks['update_tickers']!.runs).toBeGreaterThan(runs);
    expect(updater.state.get('restart_exchange')).toBe(false);
  });

  it('sends the status summary to the operator and reports no module down', () => {
    const summaries = notifier.messages.filter((m) => m.key?.includes(':summary'));
    expect(summaries.length).toBeGreaterThanOrEqual(2);
    expect(summaries[0]!.text).toMatch(/^Total Capital: 10000 \| Free Capital: 10000/);
    expect(notifier.texts().filter((t) => /modules down/.test(t))).toEqual([]);
  });

  it('writes a JSON snapshot with candles as arrays and without live objects', () => {
    const snap = JSON.parse(JSON.stringify(updater.snapshot())) as { state: Record<string, unknown> };
    expect(snap.state['aftx']).toBeUndefined();
    expect(snap.state['pending_orders']).toBeUndefined();
    const first = Object.values(snap.state['ohlcs'] as Record<string, unknown[]>)[0]!;
    expect(Array.isArray(first[0])).toBe(true);
  });
});
