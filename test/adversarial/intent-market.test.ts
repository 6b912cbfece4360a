import { afterEach, describe, expect, it } from 'vitest';
import { drive, market, trackedRigs } from '../support/order-rig.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

describe('exact intents (issue 8 item 7)', () => {
  it('journals the price and amount the exchange holds, rounded to the market precision', async () => {
    const r = await make();
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    const m = r.sim.market(symbol);
    const tick = Number(m.precision.price);
    const lot = Number(m.precision.amount);
    // Off-grid by a fraction of a tick and a lot: the exchange rounds these; so must the journal.
    const rawPrice = restingBuy + tick * 0.5000123;
    const rawAmount = amount + lot * 0.3;
    const order = r.manager.queue.push({ symbol, side: 'buy', amount: rawAmount, price: rawPrice });
    const expectedPrice = Number(r.sim.priceToPrecision(symbol, rawPrice));
    const expectedAmount = Number(r.sim.amountToPrecision(symbol, rawAmount));
    expect(expectedPrice).not.toBe(rawPrice);
    expect(expectedAmount).not.toBe(rawAmount);
    expect(r.journal.get(order.clientOrderId)).toMatchObject({ price: expectedPrice, amount: expectedAmount });
    const ac = new AbortController();
    const run = r.manager.runExecutor(ac.signal);
    await r.clock.advanceUntil(() => order.status !== 'pending', 2_000, 10);
    const onExchange = r.sim.getVenue().listOrders().find((o) => o.clientOrderId === order.clientOrderId);
    expect(onExchange).toBeDefined();
    expect(r.journal.get(order.clientOrderId)).toMatchObject({ status: 'open', price: onExchange?.price, amount: onExchange?.amount });
    ac.abort();
    await run;
  });

  it('rejects an amount that rounds to nothing instead of sending it', async () => {
    const r = await make();
    const { symbol, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    const lot = Number(r.sim.market(symbol).precision.amount);
    const order = r.manager.queue.push({ symbol, side: 'buy', amount: lot / 10, price: restingBuy });
    expect(order.status).toBe('rejected');
    expect(order.reason).toMatch(/amount|precision/);
    expect(r.manager.queue.size).toBe(0);
  });
});

describe('unknown symbols (issue 8 item 8)', () => {
  it('rejects an intent for a symbol the exchange does not list, saying so', async () => {
    // Fresh prices are never there for a symbol nobody lists: the reason must be the symbol.
    const r = await make({ isPriceFresh: () => false });
    await drive(r.clock, r.manager.start());
    const ac = new AbortController();
    const run = r.manager.runExecutor(ac.signal);
    const order = r.manager.queue.push({ symbol: 'NOPE/USD:USD', side: 'buy', amount: 1, price: 10 });
    await r.clock.advanceUntil(() => order.status !== 'pending', 1_000, 10);
    expect(order.status).toBe('rejected');
    expect(order.reason).toBe('unknown symbol NOPE/USD:USD');
    expect(r.journal.get(order.clientOrderId)).toMatchObject({ status: 'rejected', reason: 'unknown symbol NOPE/USD:USD' });
    expect(r.events).toContainEqual({ name: 'failed', clientOrderId: order.clientOrderId });
    expect(r.notes.some((n) => n.text.includes('unknown symbol NOPE/USD:USD'))).toBe(true);
    ac.abort();
    await run;
  });

  it('rejects a recovered intent whose symbol the exchange no longer lists', async () => {
    const r = await make({ isPriceFresh: () => false });
    // Written by an older run, before the market went away.
    const recovered = r.journal.createIntent({ tag: null, symbol: 'GONE/USD:USD', side: 'buy', type: 'limit', price: 10, amount: 1, params: {} });
    await drive(r.clock, r.manager.start());
    const ac = new AbortController();
    const run = r.manager.runExecutor(ac.signal);
    await r.clock.advanceUntil(() => r.journal.get(recovered.clientOrderId)?.status !== 'pending', 1_000, 10);
    expect(r.journal.get(recovered.clientOrderId)).toMatchObject({ status: 'rejected', reason: 'unknown symbol GONE/USD:USD' });
    ac.abort();
    await run;
  });
});
