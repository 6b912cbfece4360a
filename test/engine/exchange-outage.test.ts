import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { SessionHealth } from '../../src/exchange/types.js';
import { AFTER_OUTAGE_GRACE_MS, ExchangeOutageNotices, type OutageNotice } from '../../src/engine/exchange-outage.js';

const HEALTHY: SessionHealth = { restartingSince: null, failedRebuilds: 0, lastRebuildError: null, failedCalls: 0, failingSince: null, lastCallError: null };

/** The fold over a session health the test sets, ticked every second as the operator notifier does. */
function rig(stillWrong?: (key: string) => boolean | undefined) {
  const clock = new VirtualClock(Date.UTC(2026, 10, 29, 1, 57, 10));
  let health: SessionHealth = { ...HEALTHY };
  const sent: OutageNotice[] = [];
  const fold = new ExchangeOutageNotices({
    exchangeId: 'binanceusdm', clock, logger: silentLogger(), health: () => health, send: (n) => void sent.push(n), ...(stillWrong ? { stillWrong } : {}),
  });
  const ac = new AbortController();
  void (async () => {
    while (await clock.sleep(1000, ac.signal)) fold.tick();
  })();
  const failing = (): void => {
    const t = clock.now();
    health = { ...health, failedCalls: health.failedCalls + 1, failingSince: health.failingSince ?? t, lastCallError: 'NetworkError (connect ECONNREFUSED 127.0.0.1:18654)' };
  };
  const restarting = (): void => {
    health = { ...health, restartingSince: health.restartingSince ?? clock.now(), failedRebuilds: health.failedRebuilds + 1, lastRebuildError: 'ExchangeNotAvailable (HTTP 503)' };
  };
  const back = (): void => void (health = { ...HEALTHY });
  const texts = (): string[] => sent.map((n) => n.text);
  return { clock, fold, sent, texts, failing, restarting, back, stop: () => ac.abort() };
}

const streamDown = (name: string): OutageNotice => ({ text: `stream ${name} down for 11s (connect ECONNREFUSED)`, level: 'error', key: `stream:${name}`, condition: 'down' });
const streamUp = (name: string): OutageNotice => ({ text: `stream ${name} recovered`, level: 'info', key: `stream:${name}`, condition: 'recovered' });
const stale = (attr: string): OutageNotice => ({ text: `${attr} is stale (older than 15s); task x marked down`, level: 'warn', key: `freshness:${attr}` });
const fresh = (attr: string): OutageNotice => ({ text: `${attr} is fresh again; task x recovered`, level: 'info', key: `freshness:${attr}` });
const modulesDown: OutageNotice = { text: '1 modules down: update_tickers', level: 'error', key: 'system_status:modules-down' };

describe('an exchange outage told as one headline', () => {
  it('folds the notices it explains, on the way down and up, into one "unreachable" and one "reachable again"', async () => {
    const r = rig();
    // The calls start failing: what follows is held while readiness has not called it an outage.
    r.failing();
    await r.clock.advance(1000);
    r.fold.offer(modulesDown);
    for (let i = 0; i < 5; i++) r.failing();
    await r.clock.advance(4000);
    r.fold.offer(streamDown('tickers'));
    r.fold.offer(streamDown('candles'));
    expect(r.sent).toEqual([]);
    await r.clock.advance(6000);
    // Failing for 10 s with 5+ calls: the readiness signal, told once.
    expect(r.texts()).toEqual(['exchange binanceusdm unreachable since 01:57:10 UTC (NetworkError (connect ECONNREFUSED 127.0.0.1:18654)); its streams, stale data and modules down are not told one by one until it is back']);
    expect(r.sent[0]).toMatchObject({ key: 'exchange:reachability', condition: 'unreachable', level: 'error' });
    r.restarting();
    for (const a of ['last_price', 'total_capital', 'free_capital', 'positions']) r.fold.offer(stale(a));
    for (const s of ['orders', 'trades', 'balance', 'positions']) r.fold.offer(streamDown(s));
    await r.clock.advance(20_000);
    // Back: the session rebuilt, calls answered. One "reachable again" once that held.
    r.back();
    await r.clock.advance(6000);
    // Back after 31 s, seen at the next second's judgement.
    expect(r.texts().slice(1)).toEqual([expect.stringMatching(/^exchange binanceusdm reachable again after 3[12]s$/)]);
    for (const s of ['tickers', 'candles', 'orders', 'trades', 'balance', 'positions']) r.fold.offer(streamUp(s));
    for (const a of ['last_price', 'total_capital', 'free_capital', 'positions']) r.fold.offer(fresh(a));
    r.fold.offer({ text: 'all 11 modules up again', level: 'info', key: 'system_status:modules-down' });
    await r.clock.advance(AFTER_OUTAGE_GRACE_MS + 2000);
    // Every stream and attribute recovered within its limits: nothing more, two notices in all.
    expect(r.sent).toHaveLength(2);
    r.stop();
  });

  it('tells what is still wrong after the grace, and its recovery later, as today', async () => {
    const r = rig();
    r.restarting();
    r.fold.offer(streamDown('orders'));
    r.fold.offer(stale('positions'));
    await r.clock.advance(31_000);
    expect(r.texts()).toEqual([expect.stringMatching(/^exchange binanceusdm unreachable since 01:57:10 UTC \(ExchangeNotAvailable \(HTTP 503\)\)/)]);
    r.back();
    await r.clock.advance(6000);
    r.fold.offer(fresh('positions'));
    await r.clock.advance(AFTER_OUTAGE_GRACE_MS);
    // The orders stream did not recover after the exchange came back: told now; positions did.
    expect(r.texts().slice(1)).toEqual([
      expect.stringMatching(/^exchange binanceusdm reachable again after 3[12]s$/),
      `stream orders down for 11s (connect ECONNREFUSED) (still so ${AFTER_OUTAGE_GRACE_MS / 1000}s after exchange binanceusdm was reachable again)`,
    ]);
    r.fold.offer(streamUp('orders'));
    expect(r.texts().at(-1)).toBe('stream orders recovered');
    r.stop();
  });

  it('a stream connected again whose recovery is still held (a flap\'s longer hold) is not told "down" at the grace, nor "recovered" later', async () => {
    const up = new Set<string>();
    const r = rig((key) => (key.startsWith('stream:') ? !up.has(key) : undefined));
    r.restarting();
    r.fold.offer(streamDown('balance'));
    r.fold.offer(streamDown('orders'));
    await r.clock.advance(31_000);
    r.back();
    // Both reconnect at once; neither offers its recovery within the grace (held for 2 min).
    up.add('stream:balance');
    up.add('stream:orders');
    await r.clock.advance(6000 + AFTER_OUTAGE_GRACE_MS);
    expect(r.texts().slice(1)).toEqual([expect.stringMatching(/^exchange binanceusdm reachable again after 3[12]s$/)]);
    // The held recovery comes: nothing to tell, the operator never heard of the problem.
    r.fold.offer(streamUp('balance'));
    expect(r.sent).toHaveLength(2);
    // The other drops again within its hold: its problem stands after all, and is told.
    up.delete('stream:orders');
    await r.clock.advance(2000);
    expect(r.texts().slice(2)).toEqual([expect.stringMatching(/^stream orders down for 11s/)]);
    r.fold.offer(streamUp('orders'));
    expect(r.texts().at(-1)).toBe('stream orders recovered');
    r.stop();
  });

  it('keeps telling what the outage does not explain, and the recovery of a problem told before it', async () => {
    const r = rig();
    // A stream told down before the exchange had any trouble (its websocket refused).
    r.fold.offer(streamDown('orders'));
    r.restarting();
    await r.clock.advance(31_000);
    expect(r.sent).toHaveLength(2);
    r.fold.offer({ text: 'order c-1 buy 0.01 BTC/USDT:USDT failed: ExchangeNotAvailable', level: 'warn' });
    r.fold.offer({ text: 'update_balance stopped: the exchange refused the credentials', level: 'error', key: 'update_balance:auth' });
    r.fold.offer(streamUp('orders'));
    expect(r.texts().slice(2)).toEqual(['order c-1 buy 0.01 BTC/USDT:USDT failed: ExchangeNotAvailable', 'update_balance stopped: the exchange refused the credentials', 'stream orders recovered']);
    r.stop();
  });

  it('a blip that readiness never calls an outage: the held notices go out when the exchange answers again', async () => {
    const r = rig();
    r.failing();
    r.fold.offer(stale('last_price'));
    r.fold.offer(streamDown('tickers'));
    await r.clock.advance(3000);
    expect(r.sent).toEqual([]);
    r.back();
    await r.clock.advance(1000);
    expect(r.texts()).toEqual(['last_price is stale (older than 15s); task x marked down', 'stream tickers down for 11s (connect ECONNREFUSED)']);
    // Nothing is held while the exchange answers.
    r.fold.offer(fresh('last_price'));
    expect(r.texts().at(-1)).toBe('last_price is fresh again; task x recovered');
    r.stop();
  });
});

describe('an outage ends on readiness’s own rule (review 26 of the diff, #2)', () => {
  it('an endpoint still failing now and then after the exchange is back does not keep other problems folded for good', async () => {
    const r = rig();
    for (let i = 0; i < 6; i++) {
      r.failing();
      await r.clock.advance(2_000);
    }
    expect(r.fold.open).toBe(true);
    // Back, but one call in four fails (an answered call between resets the count): ready.
    r.back();
    for (let s = 0; s < 60; s++) {
      if (s % 4 === 0) r.failing();
      else r.back();
      if (s === 30) r.fold.offer(stale('free_capital'));
      await r.clock.advance(1_000);
    }
    expect(r.fold.open).toBe(false);
    expect(r.texts().filter((t) => t.startsWith('exchange binanceusdm reachable again'))).toHaveLength(1);
    // Offered after the outage ended: told as it is, not folded.
    expect(r.texts()).toContain('free_capital is stale (older than 15s); task x marked down');
    r.stop();
  });
});
