import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { OrderJournal } from '../../src/orders/journal.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import type { OrderRef, SimOrder } from '../../src/sim/venue-types.js';
import { runStrategyProcess, type StrategyRun } from '../support/strategy-process.js';

/**
 * Issue 11's proof: 600 mixed operations (300 placements, 180 cancels of which 60 race their
 * own placement, 120 amends by cancel-then-replace) by a strategy process (the real Updater)
 * against a separate `misso sim-server` with lost answers, timeouts, 5xx and a 2 s visibility
 * delay, the process killed by SIGKILL three times.
 */
const TOTAL = 600;
const FAULTS = 'lost:0.15:path=order,hang:0.05:path=order,5xx:0.08:path=order,visibility:2000';

const dir = mkdtempSync(join(tmpdir(), 'misso-mixed-'));
const servers: SimServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

type Run = StrategyRun<{ open: string[]; isOpen: string[]; lookedAt: number | null }>;

function runStrategy(url: string, journal: string, killAfterMs: number | null): Promise<Run> {
  return runStrategyProcess(join(import.meta.dirname, 'fixtures/mixed-strategy.ts'), [url, journal, String(TOTAL)], killAfterMs);
}

describe('cancels and amends exactly once against misso sim-server', () => {
  it(`${TOTAL} placements, cancels and amends under faults and 3 SIGKILLs: exchange and journal agree`, async () => {
    const server = await startSimServer({ port: 0, seed: 31, faults: FAULTS, clock: new SystemClock() });
    servers.push(server);
    // Every cancel the venue receives for an order that is already canceled is a double cancel.
    const venue = server.venue;
    const cancelOrder = venue.cancelOrder.bind(venue);
    let doubleCancels = 0;
    let cancelsReceived = 0;
    venue.cancelOrder = (ref: OrderRef) => {
      cancelsReceived++;
      try {
        if (venue.orderIgnoringDelay(ref).status === 'canceled') doubleCancels++;
      } catch {
        // Unknown order: the cancel below refuses it.
      }
      return cancelOrder(ref);
    };
    const journalPath = join(dir, 'mixed.db');
    let kills = 0;
    for (const ms of [1500, 3000, 2200]) {
      const run = await runStrategy(server.url, journalPath, ms);
      expect(run.output).not.toMatch(/Error|op failed/);
      if (run.killed && !run.done) kills += 1;
    }
    expect(kills).toBe(3);
    const last = await runStrategy(server.url, journalPath, null);
    expect(last.output).not.toMatch(/Error|op failed/);
    expect(last.done).not.toBeNull();

    server.faults.set('none');
    venue.visibilityDelayMs = 0;
    const onExchange = venue.listOrders();
    const truth = new Map(onExchange.map((o) => [o.clientOrderId, o]));
    // The venue goes on filling resting orders after the strategy's last look (a 10 s price step
    // can end between it and this read): the journal must agree with the exchange either now or
    // as it was at that look, and only an order the venue filled after the look may differ.
    const lookedAt = last.done!.lookedAt;
    expect(lookedAt).not.toBeNull();
    // From the same read as `truth`: another read would walk the venue again and could add fills.
    const lateFilled = new Map<string, number>();
    for (const o of onExchange) {
      const late = o.fills.filter((f) => f.timestamp > lookedAt!).reduce((sum, f) => sum + f.amount, 0);
      if (late > 0) lateFilled.set(o.id, late);
    }
    const asOfLook = (t: SimOrder): { status: string; filled: number } =>
      lateFilled.has(t.id) ? { status: 'open', filled: t.filled - lateFilled.get(t.id)! } : t;
    const agrees = (o: { status: string; filled: number }, t: { status: string; filled: number }): boolean =>
      o.status === t.status && Math.abs(o.filled - t.filled) <= 1e-9;
    const journal = OrderJournal.open({ path: journalPath, clock: new SystemClock() });
    try {
      const intents = journal.all().filter((o) => o.seq > 0);
      // Every exchange order is a journal intent, and every intent the exchange does not have
      // was dropped before it reached it.
      const journalIds = new Set(intents.map((o) => o.clientOrderId));
      expect(onExchange.filter((o) => !journalIds.has(o.clientOrderId)).map((o) => o.clientOrderId)).toEqual([]);
      const missing = intents.filter((o) => !truth.has(o.clientOrderId));
      expect(missing.filter((o) => o.status !== 'canceled' && o.status !== 'failed').map((o) => `${o.clientOrderId}:${o.status}`)).toEqual([]);
      // Status, id and fills agree for every order the exchange has.
      const mismatches = intents
        .filter((o) => truth.has(o.clientOrderId))
        .map((o) => ({ o, t: truth.get(o.clientOrderId)! }))
        .filter(({ o, t }) => o.id !== t.id || o.price !== t.price || !(agrees(o, t) || agrees(o, asOfLook(t))));
      expect(
        mismatches.map(({ o, t }) => `${o.clientOrderId}: ${o.status}/${o.filled}/${o.price} vs ${t.status}/${t.filled}/${t.price} ` +
          JSON.stringify([journal.events(o.clientOrderId).map((e) => [e.kind, e.detail]), journal.actions.forOrder(o.clientOrderId)])),
      ).toEqual([]);
      // No order was cancelled twice.
      expect(doubleCancels).toBe(0);
      // Replacements: at most one per original, and none for an original that filled.
      const replacements = intents.filter((o) => o.replaces !== null);
      const originals = replacements.map((o) => o.replaces!);
      expect(new Set(originals).size).toBe(originals.length);
      for (const cid of originals) expect(truth.get(cid)?.status).toBe('canceled');
      const amends = journal.actions.all().filter((a) => a.kind === 'amend');
      const refusedFilled = amends.filter((a) => a.status === 'failed' && /filled/.test(a.reason ?? ''));
      for (const a of refusedFilled) expect(originals).not.toContain(a.clientOrderId);
      // Every cancel and amend the journal holds is finished.
      expect(journal.actions.all().filter((a) => a.status === 'pending' || a.status === 'sent')).toEqual([]);
      // open_orders and is_open_orders equal the exchange's open orders.
      const openOnExchange = onExchange.filter((o) => asOfLook(o).status === 'open').map((o) => o.clientOrderId).sort();
      expect(last.done!.open).toEqual(openOnExchange);
      expect(last.done!.isOpen).toEqual(openOnExchange);
      const cancels = journal.actions.all().filter((a) => a.kind === 'cancel');
      console.info(
        `mixed: ${intents.length} intents (${replacements.length} replacements), ${onExchange.length} exchange orders, ` +
          `${cancels.length} cancel actions, ${amends.length} amend actions (${refusedFilled.length} refused: filled), ` +
          `${cancelsReceived} cancels received, double cancels ${doubleCancels}, ${lateFilled.size} filled after the last look, ` +
          `faults lost ${server.counters.faultCount('lost')} hang ${server.counters.faultCount('hang')} 5xx ${server.counters.faultCount('5xx')}`,
      );
      expect(cancels.length).toBeGreaterThanOrEqual(150);
      expect(amends.length).toBeGreaterThanOrEqual(90);
      expect(replacements.length).toBeGreaterThan(20);
    } finally {
      journal.close();
    }
    expect(server.counters.faultCount('lost')).toBeGreaterThan(30);
    expect(server.counters.faultCount('hang')).toBeGreaterThan(5);
    expect(server.counters.faultCount('5xx')).toBeGreaterThan(10);
  }, 180_000);
});
