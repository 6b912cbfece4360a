/**
 * The in-process SimExchange's public trades: `fetchTrades`, `watchTrades` and
 * `watchTradesForSymbols` read the venue's tape in ccxt's unified trade shape, in virtual time,
 * the account's own market order among the prints.
 */
import type { Trade } from 'ccxt';
import { BadRequest } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { thrown } from '../support/thrown.js';
import type { VirtualClock } from '../../src/core/clock.js';
import { STEP_MS } from '../../src/sim/price-path.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';

import { settleVirtual, virtualSim } from './fixtures-virtual.js';
const START = 1_700_000_000_000;
const BTC = 'BTC/USD:USD';
const ETH = 'ETH/USD:USD';
const SOL = 'SOL/USD:USD';

const make = (): { clock: VirtualClock; ex: SimExchange } => virtualSim(START + 500);
const settle = settleVirtual;

describe('SimExchange public trades', () => {
  it('says it has them', () => {
    const { ex } = make();
    for (const m of ['fetchTrades', 'watchTrades', 'watchTradesForSymbols']) expect(ex.has[m]).toBe(true);
  });

  it('fetchTrades: the tape in ccxt’s shape, latest by default, since and limit paging forward', async () => {
    const { clock, ex } = make();
    await clock.advance(30 * 60_000);
    const latest = await ex.fetchTrades(BTC);
    expect(latest).toHaveLength(500);
    expect(latest.at(-1)!.price).toBe((await ex.fetchTicker(BTC)).last);
    for (const t of latest) {
      expect(t.symbol).toBe(BTC);
      expect(t.cost).toBeCloseTo(t.price! * t.amount!, 6);
      expect(['buy', 'sell']).toContain(t.side);
      expect(t.datetime).toBe(new Date(t.timestamp!).toISOString());
    }
    const since = clock.now() - 20 * 60_000;
    const first = await ex.fetchTrades(ETH, since, 100);
    const next = await ex.fetchTrades(ETH, first.at(-1)!.timestamp! + 1, 100);
    expect(first).toHaveLength(100);
    expect(first[0]!.timestamp).toBeGreaterThanOrEqual(since);
    expect(Number(next[0]!.id)).toBeGreaterThan(Number(first.at(-1)!.id));
    const all = ex.getVenue().tape.trades(ETH, { since, limit: 1000 }).map((t) => String(t.id));
    const paged = [...first, ...next].map((t) => t.id);
    expect(all.slice(0, paged.length)).toEqual(paged);
    // A limit under 1 is refused, as the sim-server (Binance's -1100) refuses it, not an empty page.
    for (const bad of [0, -1, 2.5]) expect(await thrown(() => ex.fetchTrades(ETH, undefined, bad))).toBeInstanceOf(BadRequest);
  });

  it('watchTrades: nothing old, then the next step’s prints, the account’s market order among them', async () => {
    const { clock, ex } = make();
    await clock.advance(5 * 60_000);
    const before = (await ex.fetchTrades(ETH, undefined, 1))[0]!;
    const order = await ex.createOrder(ETH, 'market', 'buy', 0.25);
    const seen: Trade[] = [];
    for (let i = 0; i < 5 && !seen.some((t) => t.timestamp === order.timestamp && t.amount === 0.25); i++) {
      seen.push(...(await settle(clock, ex.watchTrades(ETH))));
    }
    expect(seen.every((t) => Number(t.id) > Number(before.id) && t.symbol === ETH)).toBe(true);
    const own = seen.find((t) => t.timestamp === order.timestamp && t.amount === 0.25)!;
    expect(own.side).toBe('buy');
    expect(own.price).toBe(order.average);
    // What was pushed is what REST serves.
    const served = await ex.fetchTrades(ETH, undefined, 1000, { fromId: Number(before.id) + 1 });
    expect(served.slice(0, seen.length).map((t) => [t.id, t.price, t.amount])).toEqual(seen.map((t) => [t.id, t.price, t.amount]));
    await ex.close();
  });

  it('watchTradesForSymbols: every subscribed market’s new prints in one call', async () => {
    const { clock, ex } = make();
    await clock.advance(60_000);
    const got = await settle(clock, ex.watchTradesForSymbols([BTC, SOL]));
    expect(new Set(got.map((t) => t.symbol))).toEqual(new Set([BTC, SOL]));
    const lastSol = got.filter((t) => t.symbol === SOL).at(-1)!;
    expect(lastSol.timestamp).toBeLessThan(Math.floor(clock.now() / STEP_MS) * STEP_MS);
    expect(lastSol.price).toBe((await ex.fetchTicker(SOL)).last);
    await ex.close();
  });
});
