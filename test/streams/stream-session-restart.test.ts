/**
 * A session restart while streaming (in-process sim): the old instance is closed and a new one
 * built; every stream moves to the new instance, is fresh again, and nothing is left open or
 * pushing on the old one.
 */
import type { Exchange } from 'ccxt';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Updater } from '../../src/engine/updater.js';
import { NetworkError } from '../../src/exchange/ccxt-lib.js';
import { SimExchange } from '../../src/sim/sim-exchange.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

describe('streams across a session restart', () => {
  let updater: Updater | undefined;
  afterEach(async () => {
    await updater?.stop();
    updater = undefined;
  });

  it('every stream is fresh again on the new instance and the old one keeps no connection', async () => {
    const built = await virtualUpdater({
      exchange: { id: 'sim', seed: 5 },
      class_attributes: { watch_list: ['BTC/USD:USD'], last_price: {}, open_orders: {}, balance: {} },
      tasks: { t_update_tickers: { freq: 5 }, t_update_open_orders: { freq: 30 }, t_update_balance: { freq: 30 } },
    });
    updater = built.updater;
    const { clock } = built;
    const u = built.updater;
    const instance = (): Exchange => (u.session as unknown as { instance: Exchange }).instance;
    await startVirtual(u, clock);
    await advanceWithIo(clock, () => u.streamStats().length > 0 && u.streamStats().every((s) => s.fresh), 60_000);
    const names = u.streamStats().map((s) => s.name).sort();
    expect(names.length).toBeGreaterThanOrEqual(3);
    const old = instance();
    const before = new Map(u.streamStats().map((s) => [s.name, s.messages]));

    let restarted = false;
    void u.restartExchange('test').then(() => (restarted = true));
    await advanceWithIo(clock, () => restarted, 60_000);
    expect(instance()).not.toBe(old);
    await advanceWithIo(clock, () => u.streamStats().every((s) => s.fresh && s.phase === 'up'), 60_000);
    await clock.advance(10_000);

    for (const s of u.streamStats()) {
      expect(s.fresh, s.name).toBe(true);
      // Recovered in a reconnect or two, not a storm of them.
      expect(s.reconnects, s.name).toBeLessThanOrEqual(3);
    }
    expect(u.streamStats().find((s) => s.name === 'tickers')!.messages).toBeGreaterThan(before.get('tickers')!);
    expect(Object.keys(old.clients ?? {})).toEqual([]);
    expect(Object.keys(instance().clients ?? {}).length).toBeGreaterThan(0);
  });

  it('a stream backing off from the old session\'s failures tries the new session at once, not after its backoff', async () => {
    const proto = SimExchange.prototype as unknown as { watchTickers: (...args: unknown[]) => Promise<unknown> };
    const original = proto.watchTickers;
    let failing = true;
    proto.watchTickers = function (this: unknown, ...args: unknown[]) {
      return failing ? Promise.reject(new NetworkError('socket closed')) : original.apply(this, args);
    };
    try {
      const built = await virtualUpdater({
        exchange: { id: 'sim', seed: 6 },
        class_attributes: { watch_list: ['BTC/USD:USD'], last_price: {} },
        tasks: { t_update_tickers: { freq: 5 } },
      });
      updater = built.updater;
      const { clock } = built;
      const u = built.updater;
      const tickers = () => u.streamStats().find((s) => s.name === 'tickers')!;
      await startVirtual(u, clock);
      // Failing from the start: 0.5, 1, 2, 4, 8, 16 s between tries.
      await advanceWithIo(clock, () => tickers().reconnects >= 6, 120_000);
      const triesBefore = tickers().reconnects;
      failing = false;
      let restarted = false;
      void u.restartExchange('test').then(() => (restarted = true));
      await advanceWithIo(clock, () => restarted, 60_000);
      const restartedAt = clock.now();
      await advanceWithIo(clock, () => tickers().fresh, 60_000);
      // Well inside the 16 s wait it was sleeping out.
      expect(clock.now() - restartedAt).toBeLessThan(2_000);
      expect(tickers().reconnects).toBe(triesBefore + 1);
    } finally {
      proto.watchTickers = original;
    }
  });
});

describe('what a session restart logs of the streams', () => {
  let updater: Updater | undefined;
  afterEach(async () => {
    await updater?.stop();
    updater = undefined;
  });

  interface Line { level: number; msg: string; stream?: string; err?: unknown }
  const WARN = 40;

  /**
   * A streaming updater on the sim (tickers, open orders, balance) whose log lines are kept,
   * started on virtual time with every stream fresh; `streamLines(from)` are the streams' lines
   * logged since line `from`.
   */
  async function streamingRig(seed: number) {
    const lines: Line[] = [];
    const built = await virtualUpdater(
      {
        exchange: { id: 'sim', seed },
        class_attributes: { watch_list: ['BTC/USD:USD'], last_price: {}, open_orders: {}, balance: {} },
        tasks: { t_update_tickers: { freq: 5 }, t_update_open_orders: { freq: 30 }, t_update_balance: { freq: 30 } },
      },
      { logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) }) },
    );
    updater = built.updater;
    const u = built.updater;
    const streamLines = (from: number): Line[] => lines.slice(from).filter((l) => l.stream !== undefined);
    await startVirtual(u, built.clock);
    await advanceWithIo(built.clock, () => u.streamStats().length > 0 && u.streamStats().every((s) => s.fresh), 60_000);
    return { built, lines, streamLines };
  }

  it('a restart misso started reconnects every stream with info lines, no warning; a real drop still warns', async () => {
    const { built, lines, streamLines } = await streamingRig(7);
    const { clock } = built;
    const u = built.updater;
    const instance = (): Exchange => (u.session as unknown as { instance: Exchange }).instance;
    const names = u.streamStats().map((s) => s.name).sort();
    expect(names.length).toBeGreaterThanOrEqual(3);

    const beforeRestart = lines.length;
    let restarted = false;
    void u.restartExchange('t_restart_exchange').then(() => (restarted = true));
    await advanceWithIo(clock, () => restarted, 60_000);
    await advanceWithIo(clock, () => u.streamStats().every((s) => s.fresh && s.phase === 'up'), 60_000);
    await clock.advance(60_000);
    const duringRestart = streamLines(beforeRestart);
    expect(duringRestart.filter((l) => l.level >= WARN)).toEqual([]);
    // Each stream says at info that it reconnects because of the rebuild.
    const told = duringRestart.filter((l) => l.msg.includes('exchange session was rebuilt'));
    expect([...new Set(told.map((l) => l.stream))].sort()).toEqual(names);
    // Nor is the operator told of a failure.
    expect(built.notifier.texts().filter((t) => t.startsWith('stream '))).toEqual([]);

    // A connection dropped from outside is the stream's failure: a warning, as before.
    const beforeDrop = lines.length;
    for (const client of Object.values(instance().clients ?? {})) (client as { reset(e: unknown): void }).reset(new NetworkError('connection reset by peer'));
    await advanceWithIo(clock, () => streamLines(beforeDrop).some((l) => l.level >= WARN), 30_000);
    const warned = streamLines(beforeDrop).filter((l) => l.level >= WARN);
    expect(warned[0]).toMatchObject({ msg: 'stream failed; REST keeps the state fresh while it reconnects' });
    expect(String(warned[0]!.err)).toContain('connection reset by peer');
  });

  it('a rebuild that keeps failing while the exchange is down is the streams\' outage: a failure warned, and the outage notified once, not one info line', async () => {
    const proto = SimExchange.prototype as unknown as { loadMarkets: (...args: unknown[]) => Promise<unknown> };
    const own = Object.prototype.hasOwnProperty.call(proto, 'loadMarkets');
    const original = proto.loadMarkets;
    let down = false;
    // The rebuild's market reload fails while the exchange is down; the old instance is retired meanwhile.
    proto.loadMarkets = function (this: unknown, ...args: unknown[]) {
      return down && args[0] === true ? Promise.reject(new NetworkError('exchange down: connect ECONNREFUSED')) : original.apply(this, args);
    };
    try {
      const { built, lines, streamLines } = await streamingRig(8);
      const { clock } = built;
      const u = built.updater;

      const beforeRestart = lines.length;
      down = true;
      let restarted = false;
      void u.restartExchange('t_restart_exchange').then(() => (restarted = true), () => (restarted = true));
      await advanceWithIo(clock, () => lines.slice(beforeRestart).some((l) => l.msg.startsWith('restart: rebuilding the exchange failed')), 60_000);
      // The outage goes on: every stream fails on the retired instance, warned as a failure.
      const names = u.streamStats().map((s) => s.name).sort();
      await advanceWithIo(clock, () => names.every((n) => streamLines(beforeRestart).some((l) => l.stream === n && l.level >= WARN)), 120_000);
      await clock.advance(120_000);
      expect(restarted).toBe(false);
      const warned = streamLines(beforeRestart).filter((l) => l.level >= WARN);
      expect(warned[0]).toMatchObject({ msg: 'stream failed; REST keeps the state fresh while it reconnects' });
      expect([...new Set(warned.map((l) => l.stream))].sort()).toEqual(names);
      // The outage, as the last rebuild attempt met it (not the retired instance's state).
      expect(String(warned[0]!.err)).toBe('sim unreachable: the exchange session is being rebuilt, and its last attempt failed (exchange down: connect ECONNREFUSED)');
      // A retired instance is connected to nothing: no stream comes up on it between its retries
      // (an in-process one said 'stream reconnected' after each gap fill and counted as up).
      expect(streamLines(beforeRestart).filter((l) => l.msg === 'stream reconnected')).toEqual([]);
      expect(u.streamStats().filter((s) => s.phase === 'up' || s.fresh)).toEqual([]);
      // The operator is told the exchange is unreachable, once, not left with info lines; the
      // streams' failures it explains are folded into that headline, not told one by one.
      const texts = (): string[] => built.notifier.texts();
      expect(texts().filter((t) => t.startsWith('exchange sim unreachable since '))).toHaveLength(1);
      expect(texts().filter((t) => t.startsWith('stream '))).toEqual([]);

      // The exchange back: the rebuild succeeds and the streams come back up. One notice says so;
      // the streams, back within their limits, are not told of.
      down = false;
      await advanceWithIo(clock, () => restarted, 120_000);
      await advanceWithIo(clock, () => u.streamStats().every((s) => s.fresh && s.phase === 'up'), 60_000);
      await clock.advance(70_000);
      expect(texts().filter((t) => t.startsWith('exchange sim reachable again after '))).toHaveLength(1);
      expect(texts().filter((t) => t.startsWith('stream '))).toEqual([]);
    } finally {
      if (own) proto.loadMarkets = original;
      else delete (proto as { loadMarkets?: unknown }).loadMarkets;
    }
  });
});
