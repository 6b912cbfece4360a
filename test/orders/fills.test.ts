import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RECENT_FILLS_MAX, type ClosedTrade } from '../../src/orders/fills.js';
import { Order } from '../../src/orders/order.js';
import { OrderRefError } from '../../src/orders/order-ref.js';
import { StorageWriteError } from '../../src/storage/storage-error.js';
import { fillDisk } from '../support/full-disk.js';
import { drive, market, rig, trackedRigs, unseenFills, type Rig } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

describe('fills, closed_trades and positions', () => {
  it('keeps each order\'s fills (deduplicated by trade id) summing to its filled, over partial fills', async () => {
    // Little liquidity per 10 s step: big orders fill over many steps.
    const r = await make({ knobs: { liquidity_per_step_usd: 200 } });
    const { symbol, last } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    void r.manager.runExecutor(new AbortController().signal);
    const amount = Number(r.sim.amountToPrecision(symbol, 3000 / last));
    const buy = r.manager.queue.push({ symbol, side: 'buy', amount, price: Number(r.sim.priceToPrecision(symbol, last * 0.9995)) });
    const sell = r.manager.queue.push({ symbol, side: 'sell', amount: Number(r.sim.amountToPrecision(symbol, amount / 3)), price: Number(r.sim.priceToPrecision(symbol, last * 1.0005)) });
    const market1 = r.manager.queue.push({ symbol, side: 'sell', amount: Number(r.sim.amountToPrecision(symbol, amount / 5)), type: 'market' });
    const orders = [buy, sell, market1];
    await r.clock.advanceUntil(() => orders.every((o) => o.status !== 'pending'), 30_000, 50);
    // Let the resting ones fill part by part, syncing fills on the way.
    let sawPartial = false;
    for (let i = 0; i < 720 && !orders.every((o) => o.isFinal); i++) {
      await r.clock.advance(10_000);
      await drive(r.clock, r.manager.updateOpenOrders());
      await drive(r.clock, r.manager.syncFills());
      if (orders.some((o) => o.isPartiallyFilled && r.manager.fillsOf(o).length > 0)) sawPartial = true;
    }
    await drive(r.clock, r.manager.updateOpenOrders());
    await drive(r.clock, r.manager.syncFills());
    expect(sawPartial).toBe(true);
    for (const o of orders) {
      const fills = r.manager.fillsOf(o);
      expect(fills.length).toBeGreaterThan(0);
      expect(fills.reduce((s, f) => s + f.amount, 0)).toBeCloseTo(o.filled, 9);
      const venue = r.sim.getVenue().getOrder({ clientOrderId: o.clientOrderId });
      expect(fills.map((f) => f.tradeId)).toEqual(venue.fills.map((f) => f.id));
      expect(fills[0]).toMatchObject({ symbol, side: o.side, fee: { currency: 'USD' } });
      expect(['maker', 'taker']).toContain(fills[0]!.takerOrMaker);
    }
    // Applying the same trades again stores nothing.
    const trades = await drive(r.clock, r.sim.fetchMyTrades(symbol));
    expect(trades.map((t) => r.manager.applyFill(t))).toEqual(trades.map(() => 'duplicate'));
    // Positions from fills equal the exchange's.
    expect(await drive(r.clock, r.manager.checkPositions())).toEqual([]);
    const pos = r.sim.getVenue().positions([symbol])[0]!;
    expect(r.manager.derivedPositions[symbol]).toBeCloseTo(pos.side === 'short' ? -pos.contracts : pos.contracts, 9);
    // closed_trades summarises finished orders with fills.
    const closed = r.manager.closedTrades.find((t) => t.clientOrderId === market1.clientOrderId)!;
    expect(closed).toMatchObject({ symbol, side: 'sell', filled: market1.filled, status: 'closed' });
    expect(closed.average).toBeCloseTo(market1.average!, 6);
    expect(closed.fees['USD']).toBeGreaterThan(0);
    expect(closed.realizedPnl).not.toBeNull();
  });

  it('a fills sync the stop cuts off (the rate budget closed) is not a warning: nothing failed (review 25-B F6)', async () => {
    const lines: string[] = [];
    const r = await make({ logger: pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) }) });
    const { symbol, buys } = await unseenFills(r);
    await drive(r.clock, r.manager.updateOpenOrders());
    expect(buys.some((o) => o.filled > r.manager.fillsOf(o).reduce((s, f) => s + f.amount, 0))).toBe(true);
    r.session.budget.close();
    expect(await drive(r.clock, r.manager.syncFills())).toBe(0);
    const said = lines.map((l) => JSON.parse(l) as { level: number; msg: string; symbol?: string }).filter((l) => /fetchMyTrades/.test(l.msg));
    expect(said.filter((l) => l.level >= 40)).toEqual([]);
    expect(said).toEqual([expect.objectContaining({ level: 20, symbol })]);
  });

  it('stores fills of two markets that share a trade id (Binance numbers trades per market), and each market\'s once', async () => {
    const r = await make();
    const a = await market(r.sim, 0);
    const b = await market(r.sim, 1);
    await drive(r.clock, r.manager.start());
    void r.manager.runExecutor(new AbortController().signal);
    const buyA = r.manager.queue.push({ symbol: a.symbol, side: 'buy', amount: a.amount, type: 'market' });
    const buyB = r.manager.queue.push({ symbol: b.symbol, side: 'buy', amount: b.amount, type: 'market' });
    await r.clock.advanceUntil(() => buyA.isFinal && buyB.isFinal, 30_000, 50);
    const [tradeA] = (await drive(r.clock, r.sim.fetchMyTrades(a.symbol))).filter((t) => t.order === buyA.id);
    const [tradeB] = (await drive(r.clock, r.sim.fetchMyTrades(b.symbol))).filter((t) => t.order === buyB.id);
    expect(tradeA && tradeB).toBeTruthy();
    // The other market's trade under the same number, as Binance would number it.
    const sameId = { ...tradeB!, id: tradeA!.id };
    expect(r.manager.applyFills([tradeA!, sameId])).toEqual(['new', 'new']);
    expect(r.manager.applyFills([tradeA!, sameId])).toEqual(['duplicate', 'duplicate']);
    expect(r.manager.fillsOf(buyA).map((f) => [f.symbol, f.tradeId])).toEqual([[a.symbol, tradeA!.id]]);
    expect(r.manager.fillsOf(buyB).map((f) => [f.symbol, f.tradeId])).toEqual([[b.symbol, tradeA!.id]]);
    expect(r.manager.derivedPositions[b.symbol]).toBeCloseTo(buyB.filled, 9);
  });

  it('a trade id of one market reported for a second order of ours is kept for the first, and said (error, notification)', async () => {
    const r = await make();
    const a = await market(r.sim, 0);
    await drive(r.clock, r.manager.start());
    void r.manager.runExecutor(new AbortController().signal);
    const first = r.manager.queue.push({ symbol: a.symbol, side: 'buy', amount: a.amount, type: 'market' });
    const second = r.manager.queue.push({ symbol: a.symbol, side: 'buy', amount: a.amount, type: 'market' });
    await r.clock.advanceUntil(() => first.isFinal && second.isFinal, 30_000, 50);
    const trades = await drive(r.clock, r.sim.fetchMyTrades(a.symbol));
    const t1 = trades.find((t) => t.order === first.id)!;
    const t2 = trades.find((t) => t.order === second.id)!;
    expect(r.manager.applyFill(t1)).toBe('new');
    // The venue numbers the second order's trade like the first's (a venue reset).
    expect(r.manager.applyFill({ ...t2, id: t1.id })).toBe('duplicate');
    expect(r.manager.fillsOf(first).map((f) => f.tradeId)).toEqual([t1.id]);
    expect(r.notes.filter((n) => n.level === 'error' && n.text.includes(`trade ${t1.id} of ${a.symbol}`))).toEqual([
      { level: 'error', text: `trade ${t1.id} of ${a.symbol} reported for order ${second.clientOrderId} is already stored for order ${first.clientOrderId}: kept the first; the exchange reused a trade id, check its fills` },
    ]);
    // The same trade again for its own order is a plain duplicate, and the clash read again (the
    // next REST reconcile) is not said twice.
    const before = r.notes.length;
    expect(r.manager.applyFill(t1)).toBe('duplicate');
    expect(r.manager.applyFill({ ...t2, id: t1.id })).toBe('duplicate');
    expect(r.notes.length).toBe(before);
  });

  it('keeps one closed_trades entry per order when the strategy takes entries out of the list', async () => {
    const r = await make();
    const { symbol, last } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    void r.manager.runExecutor(new AbortController().signal);
    const amount = Number(r.sim.amountToPrecision(symbol, 100 / last));
    const orders = [0, 1, 2].map(() => r.manager.queue.push({ symbol, side: 'buy', amount, type: 'market' }));
    await r.clock.advanceUntil(() => orders.every((o) => o.isFinal), 30_000, 50);
    await drive(r.clock, r.manager.syncFills());
    const ids = (): string[] => r.manager.closedTrades.map((t) => t.clientOrderId);
    expect(ids()).toEqual(orders.map((o) => o.clientOrderId));
    // The strategy handles the first and drops it; the others move up a place.
    r.manager.closedTrades.splice(0, 1);
    // Every later change of a finished order summarises it again, in place.
    for (const o of [orders[2]!, orders[1]!, orders[2]!]) r.manager.markProcessed(o);
    expect(ids()).toEqual([orders[1]!.clientOrderId, orders[2]!.clientOrderId]);
    expect(r.manager.closedTrades[1]).toMatchObject({ clientOrderId: orders[2]!.clientOrderId, filled: orders[2]!.filled, status: 'closed' });
  });

  it('does not carry a difference that was only fills lagging behind the exchange', async () => {
    const r = await make();
    const { symbol, trades } = await unseenFills(r);
    // The exchange has the fills, the journal not yet: a difference, for now.
    expect(await drive(r.clock, r.manager.checkPositions())).toEqual([symbol]);
    r.manager.applyFills(trades);
    // The fills came: they explain the exchange's figure by themselves, nothing more is reported.
    expect(await drive(r.clock, r.manager.checkPositions())).toEqual([]);
    expect(await drive(r.clock, r.manager.checkPositions())).toEqual([]);
    const pos = r.sim.getVenue().positions([symbol])[0]!;
    expect(r.manager.derivedPositions[symbol]).toBeCloseTo(pos.side === 'short' ? -pos.contracts : pos.contracts, 9);
  });

  it('does not judge a symbol by an answer that may predate fills stored while it was on its way', async () => {
    const r = await make();
    // The account before this test's fills: an answer that left the exchange before them.
    const early = await drive(r.clock, r.sim.fetchPositions());
    const { symbol, trades } = await unseenFills(r);
    const fetch = r.sim.fetchPositions.bind(r.sim);
    // The fills reach the journal (the user stream) while that answer is on its way.
    r.sim.fetchPositions = (async () => {
      r.manager.applyFills(trades);
      return early;
    }) as typeof r.sim.fetchPositions;
    expect(await drive(r.clock, r.manager.checkPositions())).toEqual([]);
    expect(r.notes.some((n) => n.text.includes(`position ${symbol}`))).toBe(false);
    const bought = trades.reduce((n, t) => n + t.amount!, 0);
    expect(r.manager.derivedPositions[symbol]).toBeCloseTo(bought, 9);
    // The next pass, with an answer that has them, agrees.
    r.sim.fetchPositions = fetch;
    expect(await drive(r.clock, r.manager.checkPositions())).toEqual([]);
    const pos = r.sim.getVenue().positions([symbol])[0]!;
    expect(r.manager.derivedPositions[symbol]).toBeCloseTo(pos.side === 'short' ? -pos.contracts : pos.contracts, 9);
  });

  it('notifies a position mismatch beyond the lot size and takes the exchange figure', async () => {
    const r = await make();
    const { symbol, last } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    // A trade made around misso: the exchange has a position the fills do not know.
    const amount = Number(r.sim.amountToPrecision(symbol, 100 / last));
    await drive(r.clock, r.sim.createOrder(symbol, 'market', 'buy', amount));
    expect(await drive(r.clock, r.manager.checkPositions())).toEqual([symbol]);
    expect(r.notes.some((n) => n.text.includes(`position ${symbol}: fills say 0, the exchange says ${amount}`))).toBe(true);
    expect(r.manager.derivedPositions[symbol]).toBe(amount);
    // The exchange's figure stays the reference: no second notification.
    expect(await drive(r.clock, r.manager.checkPositions())).toEqual([]);
  });

  it('a fill the journal cannot store (full disk) is neither stored nor half-applied; it is reported and taken once space returns', async () => {
    const r = await make({ knobs: { liquidity_per_step_usd: 200 } });
    const { symbol, last } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    void r.manager.runExecutor(new AbortController().signal);
    const amount = Number(r.sim.amountToPrecision(symbol, 3000 / last));
    const buy = r.manager.queue.push({ symbol, side: 'buy', amount, price: Number(r.sim.priceToPrecision(symbol, last * 0.9995)) });
    await r.clock.advanceUntil(() => buy.status !== 'pending', 30_000, 50);
    // The venue fills it while we neither poll nor sync: the trade arrives before the order's
    // update, as from a user stream, so applying it must also advance the order's `filled`.
    const venueFilled = (): number => r.sim.getVenue().getOrder({ clientOrderId: buy.clientOrderId }).filled;
    await r.clock.advanceUntil(() => venueFilled() > buy.filled, 6 * 3_600_000, 10_000);
    const trades = (await drive(r.clock, r.sim.fetchMyTrades(symbol))).filter((t) => t.order === buy.id);
    expect(trades.length).toBeGreaterThan(0);
    const before = { filled: buy.filled, journaled: r.journal.get(buy.clientOrderId)?.filled, position: r.manager.derivedPositions[symbol] ?? 0 };
    const heard: string[] = [];
    for (const name of ['fill', 'filled', 'order', 'journal'] as const) {
      r.manager.on(name as 'order', (o: Order | string | null) => heard.push(`${name}:${typeof o === 'string' ? o : (o?.clientOrderId ?? 'ok')}`));
    }

    const disk = fillDisk(r.journal.db);
    expect(() => r.manager.applyFill(trades[0]!)).toThrow(StorageWriteError);
    // Nothing stored, nothing changed in memory, nothing announced but the journal's health.
    expect(r.manager.fillsOf(buy)).toEqual([]);
    // From JavaScript: no ref, or no trade, is named, not a TypeError from inside.
    for (const ref of [null, undefined, {}, 42]) expect(() => r.manager.fillsOf(ref as never)).toThrow(OrderRefError);
    for (const trade of [null, undefined]) expect(r.manager.applyFill(trade as never)).toBe('invalid');
    expect(buy.filled).toBe(before.filled);
    expect(r.journal.get(buy.clientOrderId)?.filled).toBe(before.journaled);
    expect(r.manager.derivedPositions[symbol] ?? 0).toBe(before.position);
    expect(heard.filter((h) => !h.startsWith('journal:'))).toEqual([]);
    expect(heard.some((h) => /^journal:.*disk is full/.test(h))).toBe(true);
    expect(r.manager.journalProblem).toMatch(/disk is full/);
    expect(r.notes.some((n) => n.level === 'error' && /orders held: .*disk is full/.test(n.text))).toBe(true);

    disk.release();
    expect(trades.map((t) => r.manager.applyFill(t))).toEqual(trades.map(() => 'new'));
    expect(r.manager.journalProblem).toBeNull();
    const sum = trades.reduce((s, t) => s + (t.amount ?? 0), 0);
    expect(buy.filled).toBeCloseTo(Math.max(before.filled, sum), 9);
    expect(r.journal.get(buy.clientOrderId)?.filled).toBeCloseTo(buy.filled, 9);
    expect(r.manager.fillsOf(buy).map((f) => f.tradeId)).toEqual(trades.map((t) => t.id));
    expect(heard.filter((h) => h.startsWith('fill:'))).toHaveLength(trades.length);
  });
  it("summarises finished orders from the fills it has seen: the journal is read once per order, and fills stored later still count", async () => {
    const r = await make();
    const { buys, trades } = await unseenFills(r);
    const [late, ...others] = buys;
    const lateTrades = trades.filter((t) => t.order === late!.id);
    expect(lateTrades.length).toBeGreaterThan(0);
    r.manager.applyFills(trades.filter((t) => t.order !== late!.id));
    const reads = vi.spyOn(r.journal.fills, 'of');
    // The orders finish (a REST pass); every later change of them summarises them again.
    await drive(r.clock, r.manager.updateOpenOrders());
    expect(buys.every((b) => b.isFinal)).toBe(true);
    for (const b of buys) r.manager.markProcessed(b);
    expect(reads.mock.calls.map(([id]) => id).sort()).toEqual(buys.map((b) => b.clientOrderId).sort());
    const summary = (o: Order) => r.manager.closedTrades.find((t) => t.clientOrderId === o.clientOrderId)!;
    // The late order finished with no fill stored yet: its trades come after (a gap fill).
    expect(summary(late!).fees).toEqual({ USD: late!.fee!.cost });
    expect(r.manager.applyFills(lateTrades)).toEqual(lateTrades.map(() => 'new'));
    expect(reads).toHaveBeenCalledTimes(buys.length);
    reads.mockRestore();
    // Each summary is what the journal's fills give, summed in the journal's order.
    for (const o of [late!, ...others]) {
      const fills = r.manager.fillsOf(o);
      expect(fills.length).toBeGreaterThan(0);
      const qty = fills.reduce((s, f) => s + f.amount, 0);
      expect(summary(o).average).toBe(fills.reduce((s, f) => s + f.price * f.amount, 0) / qty);
      expect(summary(o).fees).toEqual({ USD: fills.reduce((s, f) => s + f.fee!.cost, 0) });
      expect(summary(o).realizedPnl).toBe(fills.reduce((s, f) => s + f.realizedPnl!, 0));
    }
  });

  /** A finished order whose summary is made (from no stored fill) before any of its trades is applied. */
  async function finishedWithoutFills(): Promise<{ r: Awaited<ReturnType<typeof make>>; order: Order; summary: () => ClosedTrade }> {
    const r = await make();
    const { buys } = await unseenFills(r);
    await drive(r.clock, r.manager.updateOpenOrders());
    const order = buys[0]!;
    expect(order.isFinal).toBe(true);
    expect(r.manager.fillsOf(order)).toEqual([]);
    const summary = (): ClosedTrade => r.manager.closedTrades.find((t) => t.clientOrderId === order.clientOrderId)!;
    expect(summary()).toBeDefined();
    return { r, order, summary };
  }

  /** A trade of the finished `order` told after it was summarised: its whole amount at its average. */
  function lateTrade(order: Order, suffix: string) {
    return {
      id: `${order.id}-${suffix}`,
      order: order.id!,
      symbol: order.symbol,
      side: order.side,
      price: order.average!,
      amount: order.filled,
      timestamp: order.closedAt!,
      fee: { cost: 0.25, currency: 'USD' },
      info: { realizedPnl: '1.5' },
    };
  }

  /** What `closed_trades` should say of `order`: its stored fills, summed in the journal's order. */
  function fromJournal(r: Awaited<ReturnType<typeof make>>, order: Order): Pick<ClosedTrade, 'average' | 'fees' | 'realizedPnl'> {
    const fills = r.manager.fillsOf(order);
    const fees: Record<string, number> = {};
    for (const f of fills) fees[f.fee!.currency!] = (fees[f.fee!.currency!] ?? 0) + f.fee!.cost;
    return {
      average: fills.reduce((s, f) => s + f.price * f.amount, 0) / fills.reduce((s, f) => s + f.amount, 0),
      fees,
      realizedPnl: fills.reduce((s, f) => s + f.realizedPnl!, 0),
    };
  }

  it("sums an order's fills in the journal's order even when they arrive in another (a late REST page after the stream)", async () => {
    const { r, order, summary } = await finishedWithoutFills();
    const at = order.closedAt!;
    // Three parts of the order, told newest first. Float sums depend on their order: these
    // figures add up differently backwards than forwards.
    const parts = [0.5, 0.3, 0.2].map((share, i) => ({
      id: `${order.id}-${3 - i}`,
      order: order.id!,
      symbol: order.symbol,
      side: order.side,
      price: order.average! * (1 + (3 - i) * 1e-4),
      amount: order.filled * share,
      timestamp: at - i,
      fee: { cost: [0.3, 0.2, 0.1][i]!, currency: 'USD' },
      info: { realizedPnl: String([0.3, 0.2, 0.1][i]) },
    }));
    const arrivalFees = parts.reduce((s, t) => s + t.fee.cost, 0);
    for (const t of parts) expect(r.manager.applyFill(t)).toBe('new');
    const want = fromJournal(r, order);
    expect(r.manager.fillsOf(order).map((f) => f.tradeId)).toEqual(parts.map((t) => t.id).reverse());
    // The test means something only if the two orders give different sums.
    expect(want.fees['USD']).not.toBe(arrivalFees);
    expect(summary()).toMatchObject(want);
  });

  it("keeps closed_trades to the journal's fills when a 'fill' listener changes the fill it is handed", async () => {
    const { r, order, summary } = await finishedWithoutFills();
    // A strategy's listener that books fees as negative cash flow, in place.
    r.manager.on('fill', (_o, fill) => {
      if (fill.fee) fill.fee.cost = -fill.fee.cost;
      fill.amount = 0;
    });
    const trade = lateTrade(order, 'late');
    expect(r.manager.applyFill(trade)).toBe('new');
    // Any later change of the order summarises it again.
    r.manager.markProcessed(order);
    expect(summary()).toMatchObject(fromJournal(r, order));
    expect(summary().fees).toEqual({ USD: 0.25 });
  });

  it("a 'journal' listener that throws when writes work again does not undo the fill that was stored", async () => {
    const { r, order, summary } = await finishedWithoutFills();
    const trade = lateTrade(order, 'after-full-disk');
    // A write fails on a full disk (the journal is unhealthy), then space returns.
    const disk = fillDisk(r.journal.db);
    expect(() => r.manager.markProcessed(order)).toThrow(StorageWriteError);
    expect(r.manager.journalProblem).toMatch(/disk is full/);
    disk.release();
    r.manager.on('journal', (problem) => {
      if (problem === null) throw new Error('strategy listener failed');
    });
    const heard: (string | null)[] = [];
    r.manager.on('journal', (problem) => heard.push(problem));
    // The write itself works: the fill is stored, and memory must say what the journal says.
    expect(r.manager.applyFill(trade)).toBe('new');
    expect(r.manager.journalProblem).toBeNull();
    // The listeners after the one that threw heard it too.
    expect(heard).toEqual([null]);
    expect(r.manager.fillsOf(order).map((f) => f.tradeId)).toEqual([trade.id]);
    expect(order.filled).toBe(r.journal.get(order.clientOrderId)!.filled);
    expect(r.manager.derivedPositions[order.symbol]).toBeCloseTo(r.journal.fills.netBySymbol().get(order.symbol)!, 9);
    expect(summary()).toMatchObject(fromJournal(r, order));
  });

  it('keeps the fills of the orders summarised last only: an order pushed out is read from the journal again, late fill included', async () => {
    const { r, order, summary } = await finishedWithoutFills();
    const reads = vi.spyOn(r.journal.fills, 'of');
    // As many other finished orders are summarised after it as the cache holds.
    const others = Array.from({ length: RECENT_FILLS_MAX }, (_, i) => new Order({ ...order.toJSON(), clientOrderId: `other-${i}` }));
    for (const o of others) r.manager.emit('order', o, { kind: 'poll:closed', from: 'open' });
    expect(reads).toHaveBeenCalledTimes(others.length);
    reads.mockClear();
    const trade = lateTrade(order, 'after-eviction');
    expect(r.manager.applyFill(trade)).toBe('new');
    expect(reads.mock.calls.map(([id]) => id)).toEqual([order.clientOrderId]);
    // The ones summarised last are still kept: summarised again without a read.
    r.manager.emit('order', others.at(-1)!, { kind: 'processed', from: 'closed' });
    expect(reads).toHaveBeenCalledTimes(1);
    reads.mockRestore();
    expect(summary()).toMatchObject(fromJournal(r, order));
  });

  it('forgets the places of closed_trades entries the strategy took out: the index stays bounded by the list', async () => {
    const { r, order, summary } = await finishedWithoutFills();
    const before = summary();
    // A strategy that handles each finished order and empties its list, over 6000 orders.
    const others = Array.from({ length: 6000 }, (_, i) => new Order({ ...order.toJSON(), clientOrderId: `handled-${i}` }));
    r.manager.closedTrades.length = 0;
    let most = 0;
    for (const o of others) {
      r.manager.emit('order', o, { kind: 'poll:closed', from: 'open' });
      expect(r.manager.closedTrades.map((t) => t.clientOrderId)).toEqual([o.clientOrderId]);
      r.manager.closedTrades.length = 0;
      most = Math.max(most, r.manager.closedTradesIndexSize);
    }
    // Without forgetting, the index would hold all 6001 orders.
    expect(most).toBeLessThan(2000);
    // One the strategy keeps is still refreshed in place, not added again.
    r.manager.emit('order', others[0]!, { kind: 'poll:closed', from: 'open' });
    r.manager.emit('order', order, { kind: 'processed', from: 'closed' });
    r.manager.emit('order', others[0]!, { kind: 'processed', from: 'closed' });
    expect(r.manager.closedTrades.map((t) => t.clientOrderId)).toEqual([others[0]!.clientOrderId, order.clientOrderId]);
    expect(summary()).toEqual(before);
  });

  it('an entry the strategy copied into closed_trades: the first one is refreshed, before and after the index is rebuilt', async () => {
    const { r, order, summary } = await finishedWithoutFills();
    const before = summary();
    const list = r.manager.closedTrades;
    list.length = 0;
    r.manager.emit('order', order, { kind: 'processed', from: 'closed' });
    // The strategy keeps a marked copy of the entry after it (the same order twice in its list).
    list.push({ ...before, filled: -1 });
    const others = Array.from({ length: 3000 }, (_, i) => new Order({ ...order.toJSON(), clientOrderId: `handled-${i}` }));
    const refreshed = (): number[] => {
      r.manager.emit('order', order, { kind: 'processed', from: 'closed' });
      return list.map((t) => t.filled);
    };
    expect(refreshed()).toEqual([before.filled, -1]);
    // Others handled and taken out meanwhile: the index is rebuilt from the list on the way.
    for (const o of others) {
      r.manager.emit('order', o, { kind: 'poll:closed', from: 'open' });
      list.length = 2;
    }
    expect(r.manager.closedTradesIndexSize).toBeLessThan(3000);
    expect(refreshed()).toEqual([before.filled, -1]);
    expect(summary()).toEqual(before);
  });

  it('a delivery rolled back by a full disk leaves nothing in the summary of a finished order, then counts once stored', async () => {
    const { r, order, summary } = await finishedWithoutFills();
    const before = summary();
    // Many small parts: the first fit in the journal's last page, a later one needs a new page.
    const parts = Array.from({ length: 400 }, (_, i) => ({
      id: `${order.id}-part-${i}`,
      order: order.id!,
      symbol: order.symbol,
      side: order.side,
      price: order.average!,
      amount: order.filled / 400,
      timestamp: order.closedAt! + i,
      fee: { cost: 0.001, currency: 'USD' },
      info: { realizedPnl: '0.01' },
    }));
    const disk = fillDisk(r.journal.db);
    expect(() => r.manager.applyFills(parts)).toThrow(StorageWriteError);
    expect(r.manager.fillsOf(order)).toEqual([]);
    disk.release();
    // A later change of the order summarises it again: still from no fill.
    r.manager.markProcessed(order);
    expect(summary()).toEqual({ ...before, status: order.status });
    expect(r.manager.applyFills(parts)).toEqual(parts.map(() => 'new'));
    expect(summary()).toMatchObject(fromJournal(r, order));
  });

  it('a delivery of several fills is one journal commit, announced only once stored, and all or nothing on a full disk', async () => {
    const r = await make();
    const { buys, trades } = await unseenFills(r);
    expect(new Set(trades.map((t) => t.order)).size).toBe(buys.length);
    const heard: string[] = [];
    r.manager.on('filled', (o) => {
      // Announced after the one transaction committed, with every fill of the delivery stored.
      expect(r.journal.db.inTransaction).toBe(false);
      expect(buys.every((b) => r.manager.fillsOf(b).length > 0)).toBe(true);
      heard.push(o.clientOrderId);
    });

    const disk = fillDisk(r.journal.db);
    const commits = r.journal.commits;
    expect(() => r.manager.applyFills(trades)).toThrow(StorageWriteError);
    expect(buys.map((b) => r.manager.fillsOf(b).length)).toEqual([0, 0, 0]);
    expect(heard).toEqual([]);
    disk.release();

    expect(r.manager.applyFills(trades)).toEqual(trades.map(() => 'new'));
    expect(r.journal.commits).toBe(commits + 1);
    expect(heard.sort()).toEqual(buys.map((b) => b.clientOrderId).sort());
    for (const b of buys) expect(r.journal.get(b.clientOrderId)?.filled).toBeCloseTo(b.filled, 9);
  });
});

describe('positions from fills, without the sums\' binary noise (review 25-B F10)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** Market orders through the manager, one after another, their fills synced. */
  async function trade(r: Rig, symbol: string, sides: ('buy' | 'sell')[], amount: number): Promise<void> {
    for (const side of sides) {
      const o = r.manager.queue.push({ symbol, side, amount, type: 'market' });
      await r.clock.advanceUntil(() => o.isFinal, 30_000, 50);
      expect(o.status).toBe('closed');
    }
    await drive(r.clock, r.manager.syncFills());
  }

  it('sums 6 buys and 4 sells of 0.02 to 0.04 and a closed-out position to nothing, running and from the journal at a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'misso-positions-'));
    dirs.push(dir);
    const path = join(dir, 'journal.db');
    const first = await rig({ journalPath: path });
    await drive(first.clock, first.manager.start());
    void first.manager.runExecutor(new AbortController().signal);
    await trade(first, 'BTC/USD:USD', ['buy', 'buy', 'sell', 'buy', 'sell', 'buy', 'sell', 'buy', 'sell', 'buy'], 0.02);
    await trade(first, 'ETH/USD:USD', ['buy', 'buy', 'buy'], 0.1);
    expect(first.manager.derivedPositions).toEqual({ 'BTC/USD:USD': 0.04, 'ETH/USD:USD': 0.3 });
    await trade(first, 'ETH/USD:USD', ['sell'], 0.3);
    // Closed out: flat is absent (as the exchange's positions list it), not a residue of 5.55e-17.
    expect(first.manager.derivedPositions).toEqual({ 'BTC/USD:USD': 0.04 });
    expect(await drive(first.clock, first.manager.checkPositions())).toEqual([]);
    expect(first.manager.derivedPositions).toEqual({ 'BTC/USD:USD': 0.04 });
    // The journal's sums (a restart's starting figures) are as clean.
    expect(first.journal.fills.netBySymbol()).toEqual(new Map([['BTC/USD:USD', 0.04], ['ETH/USD:USD', 0]]));
    await drive(first.clock, first.manager.stop({ onStop: 'leave' }));
    first.journal.close();
    const second = await make({ clock: first.clock, sim: first.sim, journalPath: path });
    expect(second.manager.derivedPositions).toEqual({ 'BTC/USD:USD': 0.04 });
  });
});
