/**
 * The positions stream applies every position of a socket read, not only the first message's.
 * ccxt.pro's `watchPositions` answers a waiting call with the positions of one message; Binance
 * sends an `ACCOUNT_UPDATE` per order execution, so fills on several symbols arrive back to back
 * and the rest of the read lands only in ccxt's own cache, which the stream reads after each
 * answer (see PositionSweep).
 */
import type { Position } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { startSimServer } from '../../src/sim/http/binance-server.js';
import { PositionSweep } from '../../src/streams/position-sweep.js';
import { simServerUpdater, stoppedAfterEach } from '../support/streaming-rig.js';
import { notFresh, until } from '../support/wait.js';

describe('PositionSweep', () => {
  /** ccxt's cache as Binance keeps it: one per account type, positions updated in place (a new `info` per message). */
  function cachedExchange(): { positions: Record<string, Position[]>; push(symbol: string, contracts: number): void } {
    const cache: Position[] = [];
    return {
      positions: { future: cache },
      push(symbol, contracts) {
        const fresh = { symbol, side: 'long', contracts, entryPrice: 100, info: { s: symbol, pa: String(contracts) } } as unknown as Position;
        const have = cache.find((p) => p.symbol === symbol && p.side === 'long');
        if (have) Object.assign(have, fresh);
        else cache.push(fresh);
      },
    };
  }

  it("hands over every position a message set since it last looked, not only the answer's", () => {
    const ex = cachedExchange();
    const sweep = new PositionSweep();
    ex.push('BTC/USD:USD', 1);
    ex.push('ETH/USD:USD', 2);
    // ccxt answered with the first message's position alone.
    const first = sweep.collect(ex, [ex.positions['future']![0]!]);
    expect(first.map((p) => [p.symbol, p.contracts])).toEqual([['BTC/USD:USD', 1], ['ETH/USD:USD', 2]]);
    // The next read: ETH twice (two fills), BTC untouched. The answer carried ETH's first message.
    ex.push('ETH/USD:USD', 3);
    ex.push('ETH/USD:USD', 4);
    const second = sweep.collect(ex, []);
    expect(second.map((p) => [p.symbol, p.contracts])).toEqual([['ETH/USD:USD', 4]]);
    // Copies: ccxt changing its cache later does not change what was handed over.
    ex.push('ETH/USD:USD', 5);
    expect(second[0]!.contracts).toBe(4);
    // A message that repeats the same figures is still a message (a new `info`): handed over.
    ex.push('ETH/USD:USD', 5);
    expect(sweep.collect(ex, []).map((p) => p.contracts)).toEqual([5]);
    expect(sweep.collect(ex, [])).toEqual([]);
  });

  it('passes the answer through for an exchange without the cache (the simulator)', () => {
    const answer = [{ symbol: 'BTC/USD:USD', contracts: 1 } as Position];
    expect(new PositionSweep().collect({}, answer)).toBe(answer);
    expect(new PositionSweep().collect({ positions: undefined }, answer)).toBe(answer);
  });
});

describe('positions stream against sim-server (ccxt.pro binanceusdm)', () => {
  const rig = stoppedAfterEach();

  it('fills on three symbols whose ACCOUNT_UPDATEs arrive in one read all reach positions, by stream', async () => {
    const srv = (rig.server = await startSimServer({ port: 0, seed: 44, wsPushMs: 100 }));
    const symbols = srv.venue.listMarkets().filter((m) => m.type === 'swap').slice(0, 3).map((m) => m.symbol);
    const u = (rig.updater = await simServerUpdater(srv, {
      watchList: symbols,
      tasks: { t_execute_orders: {}, t_update_open_orders: { freq: 120 }, t_get_open_positions: { freq: 120 } },
    }));
    await until(() => u.streamStats().length > 0 && u.streamStats().every((s) => s.fresh), 15_000, () => `streams fresh: ${notFresh(u)}`);
    const restReads = (): number => Object.entries(srv.counters.snapshot().requests).filter(([k]) => k.includes('positionRisk')).reduce((n, [, c]) => n + c, 0);
    const readsBefore = restReads();
    const pushesBefore = srv.ws.counters.messagesSent;
    for (const s of symbols) {
      srv.venue.placeOrder({ symbol: s, side: 'buy', type: 'market', amount: Number(u.exchange.amountToPrecision(s, 50 / srv.venue.ticker(s).last)) });
      // The venue publishes a microtask later: each order is a batch of its own, with an
      // ACCOUNT_UPDATE of its own, all written within this one turn (so read together).
      for (let i = 0; i < 5; i++) await Promise.resolve();
    }
    // Three order updates and three account updates, at least, went out.
    expect(srv.ws.counters.messagesSent - pushesBefore).toBeGreaterThanOrEqual(6);
    const venue = new Map(srv.venue.positions(symbols).map((p) => [p.symbol, p.contracts]));
    expect([...venue.keys()].sort()).toEqual([...symbols].sort());
    const held = (): Record<string, { contracts: number }> => u.state.get<Record<string, { contracts: number }> | null>('positions') ?? {};
    const behind = (): string[] => symbols.filter((s) => held()[s]?.contracts !== venue.get(s));
    await until(() => behind().length === 0, 3_000, () => `every position in state (behind: ${behind().join(', ')})`);
    expect(u.state.meta('positions')?.source).toBe('ws');
    expect(restReads()).toBe(readsBefore);
  });

  it("a REST positions read failing as the stream opens (ccxt's own snapshot, before) does not leave the stream hung: the next fill still comes by stream", async () => {
    const srv = (rig.server = await startSimServer({ port: 0, seed: 45, wsPushMs: 100 }));
    const symbol = srv.venue.listMarkets().find((m) => m.type === 'swap')!.symbol;
    const u = (rig.updater = await simServerUpdater(srv, {
      watchList: [symbol],
      tasks: { t_execute_orders: {}, t_update_open_orders: { freq: 120 }, t_get_open_positions: { freq: 120 } },
    }));
    await until(() => u.streamStats().length > 0 && u.streamStats().every((s) => s.fresh), 15_000, () => `streams fresh: ${notFresh(u)}`);
    // A new session whose first positions reads fail: the stream's gap fill fails and is retried;
    // before, ccxt's own snapshot failed too and its watch call waited for it forever.
    srv.faults.set('5xx:path=positionRisk');
    const positionsStream = (): ReturnType<typeof u.streamStats>[number] => u.streamStats().find((s) => s.name === 'positions')!;
    const reconnects = positionsStream().reconnects;
    await u.restartExchange('test');
    await until(() => positionsStream().reconnects > reconnects || positionsStream().lastError !== null, 10_000, 'the positions stream reconnecting into the fault');
    await new Promise((r) => setTimeout(r, 1_500));
    srv.faults.set('none');
    await until(() => positionsStream().fresh, 15_000, 'the positions stream fresh again');
    const readsBefore = Object.entries(srv.counters.snapshot().requests).filter(([k]) => k.includes('positionRisk')).reduce((n, [, c]) => n + c, 0);
    srv.venue.placeOrder({ symbol, side: 'buy', type: 'market', amount: Number(u.exchange.amountToPrecision(symbol, 50 / srv.venue.ticker(symbol).last)) });
    const venue = srv.venue.positions([symbol])[0]!.contracts;
    const held = (): number | undefined => u.state.get<Record<string, { contracts: number }> | null>('positions')?.[symbol]?.contracts;
    await until(() => held() === venue, 5_000, () => `the fill's position by stream (state ${String(held())}, venue ${venue})`);
    expect(u.state.meta('positions')?.source).toBe('ws');
    const reads = Object.entries(srv.counters.snapshot().requests).filter(([k]) => k.includes('positionRisk')).reduce((n, [, c]) => n + c, 0);
    expect(reads).toBe(readsBefore);
  }, 45_000);
});
