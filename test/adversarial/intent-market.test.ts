import { afterEach, describe, expect, it } from 'vitest';
import { IntentError } from '../../src/orders/intent.js';
import { drive, market, trackedRigs } from '../support/order-rig.js';
import { thrownSync } from '../support/thrown.js';

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

  it('refuses an amount that rounds to nothing instead of sending it, as one below the minimum', async () => {
    const r = await make();
    const { symbol, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    const m = r.sim.market(symbol);
    const lot = Number(m.precision.amount);
    const before = r.journal.all().length;
    // Out of the market's range either way: thrown at push, naming the amount, nothing journaled.
    const cases: [number, RegExp][] = [[lot / 10, /rounds to 0 at .*amount precision; give at least/]];
    // Below the minimum without rounding to 0, where the minimum is more than one step.
    if (m.limits.amount!.min! > lot) cases.push([lot, /below the market minimum/]);
    for (const [amount, said] of cases) {
      const refused = thrownSync(() => r.manager.queue.push({ symbol, side: 'buy', amount, price: restingBuy }));
      expect(refused).toBeInstanceOf(IntentError);
      expect((refused as IntentError).field).toBe('amount');
      expect((refused as IntentError).message).toMatch(said);
    }
    expect(r.journal.all().length).toBe(before);
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
    // The reason names the nearest listed symbol, as a refusal at the control API does.
    const said = 'unknown symbol NOPE/USD:USD: the exchange does not list it; did you mean DOGE/USD:USD?';
    expect(order.reason).toBe(said);
    expect(r.journal.get(order.clientOrderId)).toMatchObject({ status: 'rejected', reason: said });
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

// The control API answers at once: what push would journal as `rejected` is refused up front,
// naming the field, and leaves no trace.
describe('queue.pushOrRefuse', () => {
  it('refuses an amount or price that rounds to 0, or an unknown symbol, naming the field; nothing is journaled', async () => {
    const r = await make();
    const { symbol, amount, restingBuy } = await market(r.sim);
    await drive(r.clock, r.manager.start());
    const m = r.sim.market(symbol);
    const lot = Number(m.precision.amount);
    const tick = Number(m.precision.price);
    const before = r.journal.all().length;
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ amount: lot / 10 }, 'amount', new RegExp(`amount ${lot / 10} rounds to 0 at .*amount precision; give at least ${m.limits.amount?.min}`)],
      [{ price: tick / 10 }, 'price', /price .* rounds to 0 at .*price precision; give at least/],
      [{ symbol: 'NOPE/USD:USD' }, 'symbol', /unknown symbol NOPE\/USD:USD/],
      // With the suggestion the control API gives for it.
      [{ symbol: 'BTCUSDT' }, 'symbol', /: unknown symbol BTCUSDT: the exchange does not list it; did you mean BTC\/USD:USD\?$/],
    ];
    for (const [change, field, message] of cases) {
      const entry = { symbol, side: 'buy', amount, price: restingBuy, ...change };
      let refused: unknown;
      try {
        r.manager.queue.pushOrRefuse(entry);
      } catch (error: unknown) {
        refused = error;
      }
      expect(refused, field).toBeInstanceOf(IntentError);
      expect((refused as IntentError).field, field).toBe(field);
      expect((refused as IntentError).message, field).toMatch(message);
    }
    expect(r.journal.all().length).toBe(before);
    expect(r.manager.queue.size).toBe(0);
    // push throws for the amount too; an unknown symbol it journals as rejected, for the
    // strategy to see it end.
    expect(thrownSync(() => r.manager.queue.push({ symbol, side: 'buy', amount: lot / 10, price: restingBuy }))).toBeInstanceOf(IntentError);
    expect(r.manager.queue.push({ symbol: 'BTCUSDT', side: 'buy', amount, price: restingBuy })).toMatchObject({ status: 'rejected', reason: 'unknown symbol BTCUSDT: the exchange does not list it; did you mean BTC/USD:USD?' });
  });

  it('with no markets loaded judges nothing, as push does: the order is taken', async () => {
    const r = await make();
    const { symbol, restingBuy } = await market(r.sim);
    const lot = Number(r.sim.market(symbol).precision.amount);
    const markets = r.sim.markets;
    (r.sim as { markets: unknown }).markets = undefined;
    try {
      const order = r.manager.queue.pushOrRefuse({ symbol, side: 'buy', amount: lot / 10, price: restingBuy });
      expect(order.status).toBe('pending');
    } finally {
      (r.sim as { markets: unknown }).markets = markets;
    }
  });
});
