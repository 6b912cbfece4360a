/**
 * Liquidation in the simulated venue (the `liquidation` knob, on by default): at the close of
 * the first 10 s step whose margin balance (wallet + unrealised PnL) is at or below the
 * positions' maintenance margin (notional × 0.5 / max leverage), open orders expire, each
 * position is closed at the step's close by an `autoclose-…` order of type `liquidation`
 * without fee, a clearance fee of 1.25 % of the notional (at most what is left) is taken, and a
 * wallet left below 0 is set back to 0. The expected step is found independently: a venue with
 * the knob off, walked a step at a time over the same path.
 */
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/core/clock.js';
import { Account } from '../../src/sim/account.js';
import { Liquidator } from '../../src/sim/liquidation.js';
import { FUNDING_INTERVAL_MS } from '../../src/sim/funding-charges.js';
import { maintMarginRatio } from '../../src/sim/margin-rules.js';
import { OrderStore } from '../../src/sim/order-store.js';
import { PricePath, STEP_MS } from '../../src/sim/price-path.js';
import { buildMarkets, defaultUniverse } from '../../src/sim/universe.js';
import { VenueFeed, type SimOrderEvent, type SimWalletEvent } from '../../src/sim/venue-feed.js';
import { SimVenue, type SimVenueOptions } from '../../src/sim/venue.js';

const START = 1_700_000_000_000;
const BTC = 'BTC/USD:USD';
const DAY_STEPS = 8_640;

/** A clock the test sets by hand: the venue walks its steps when asked, synchronously. */
class HandClock implements Clock {
  t = START;
  now(): number {
    return this.t;
  }
  sleep(): Promise<boolean> {
    return Promise.resolve(true);
  }
}

interface Scenario {
  seed: number;
  side: 'buy' | 'sell';
  leverage: number;
  notionalUsd: number;
  /** A resting order far from the price, which never fills. */
  restingOrder?: boolean;
}

function open(s: Scenario, options: Partial<SimVenueOptions> = {}): { clock: HandClock; venue: SimVenue } {
  const clock = new HandClock();
  const venue = new SimVenue({ seed: s.seed, clock, startingBalanceUsd: 1000, leverage: s.leverage, ...options });
  const last = venue.ticker(BTC).last;
  venue.placeOrder({ symbol: BTC, side: s.side, type: 'market', amount: Number((s.notionalUsd / last).toFixed(3)) });
  if (s.restingOrder) {
    const price = Math.round(s.side === 'buy' ? last * 0.5 : last * 1.5);
    venue.placeOrder({ symbol: BTC, side: s.side, type: 'limit', amount: 0.001, price, clientOrderId: 'far-away' });
  }
  return { clock, venue };
}

/** The first step whose close puts the margin balance at or below maintenance, walked a step at a time with the knob off. */
function firstDueStep(s: Scenario, maxSteps: number): { step: number; marginBalance: number; mark: number; notional: number; worstBefore: number; liquidationPrice: number } {
  const { clock, venue } = open(s, { liquidation: false });
  // The position's liquidation price, which holds while the wallet does (one position, no funding).
  const liquidationPrice = venue.positions()[0]!.liquidationPrice;
  let worstBefore = s.side === 'buy' ? Infinity : 0;
  for (let i = 0; i < maxSteps; i++) {
    clock.t = (Math.floor(clock.t / STEP_MS) + 1) * STEP_MS;
    const [p] = venue.positions();
    const b = venue.balance();
    expect(p!.liquidationPrice).toBeCloseTo(liquidationPrice, 6);
    if (b.total <= p!.maintenanceMargin) {
      return { step: Math.floor(clock.t / STEP_MS) - 1, marginBalance: b.total, mark: p!.markPrice, notional: p!.notional, worstBefore, liquidationPrice };
    }
    worstBefore = s.side === 'buy' ? Math.min(worstBefore, p!.markPrice) : Math.max(worstBefore, p!.markPrice);
  }
  throw new Error('no liquidation in range');
}

/** Seed 11, a long of 23,750 USD on 1,000 USD at leverage 25: the path takes it to maintenance after two to three days. */
const LONG: Scenario = { seed: 11, side: 'buy', leverage: 25, notionalUsd: 23_750 };

describe('SimVenue liquidation', () => {
  it('liquidates at the first step the margin balance falls to maintenance, not before, across one long jump', () => {
    const due = firstDueStep(LONG, 5 * DAY_STEPS);
    expect(due.step - Math.floor(START / STEP_MS)).toBeGreaterThan(DAY_STEPS); // a day at least: the jump crosses many bars
    // The position's liquidation price says where: every close before it above, the due one at or below.
    expect(due.worstBefore).toBeGreaterThan(due.liquidationPrice);
    expect(due.mark).toBeLessThanOrEqual(due.liquidationPrice + 1e-9);

    // Up to the close of the step before: nothing happens.
    const before = open(LONG);
    before.clock.t = due.step * STEP_MS;
    expect(before.venue.positions()).toHaveLength(1);
    expect(before.venue.liquidations.history()).toEqual([]);
    before.clock.t += STEP_MS;
    expect(before.venue.positions()).toEqual([]);
    expect(before.venue.liquidations.history().map((l) => l.step)).toEqual([due.step]);

    // One jump of five days from the start: the same step.
    const { clock, venue } = open(LONG);
    const walletAtStart = venue.balance().wallet;
    clock.t += 5 * 86_400_000;
    const [liq] = venue.liquidations.history();
    expect(liq).toMatchObject({ step: due.step, at: (due.step + 1) * STEP_MS, expiredOrderIds: [], insuranceCover: 0 });
    expect(liq!.marginBalance).toBeCloseTo(due.marginBalance, 6);
    expect(liq!.maintenanceMargin).toBeCloseTo(due.notional * maintMarginRatio({ maxLeverage: 125 }), 6);
    expect(venue.positions()).toEqual([]);

    // The closing order: venue-made, filled whole at the step's close, no fee.
    const [order] = venue.listOrders({ status: 'closed' }).filter((o) => o.type === 'liquidation');
    expect(order).toMatchObject({ id: liq!.orderIds[0], side: 'sell', type: 'liquidation', status: 'closed', remaining: 0, fee: 0, reduceOnly: true, timestamp: liq!.at });
    expect(order!.clientOrderId).toMatch(/^autoclose-\d+$/);
    expect(order!.fills).toHaveLength(1);
    expect(order!.fills[0]).toMatchObject({ price: due.mark, amount: order!.amount, fee: 0, maker: false, timestamp: liq!.at });
    expect(venue.listFills().at(-1)!.orderId).toBe(order!.id);

    // The clearance fee: 1.25 % of the notional, at most what was left; the wallet stays at or above 0.
    const fee = Math.min(due.notional * 0.0125, Math.max(0, due.marginBalance));
    expect(liq!.clearanceFee).toBeCloseTo(fee, 6);
    expect(venue.balance().wallet).toBeCloseTo(Math.max(0, due.marginBalance - fee), 6);
    expect(venue.balance().wallet).toBeGreaterThanOrEqual(0);
    expect(venue.balance().wallet).toBeLessThan(walletAtStart);
  });

  it('expires every open order (reason liquidation) and pushes the expiry, the order, its fill and the clearance', async () => {
    const s = { ...LONG, restingOrder: true };
    const due = firstDueStep(s, 5 * DAY_STEPS);
    expect(due.step).toBe(firstDueStep(LONG, 5 * DAY_STEPS).step);
    const { clock, venue } = open(s);
    const events: SimOrderEvent[] = [];
    const wallet: SimWalletEvent[] = [];
    venue.feed.subscribe((batch) => events.push(...batch));
    venue.feed.subscribeWallet((e) => wallet.push(e));
    clock.t += 5 * 86_400_000;
    venue.advance();
    await Promise.resolve();
    await Promise.resolve();
    const [liq] = venue.liquidations.history();
    expect(liq!.step).toBe(due.step);
    const far = venue.getOrder({ clientOrderId: 'far-away' });
    expect(far).toMatchObject({ status: 'expired', expiredBy: 'liquidation', lastUpdateTimestamp: liq!.at });
    expect(liq!.expiredOrderIds).toEqual([far.id]);
    expect(venue.listOrders({ status: 'open' })).toEqual([]);
    expect(events.map((e) => [e.execution, e.order.clientOrderId.replace(/\d+$/, 'N'), e.order.status, e.at])).toEqual([
      ['EXPIRED', 'far-away', 'expired', liq!.at],
      ['NEW', 'autoclose-N', 'open', liq!.at],
      ['TRADE', 'autoclose-N', 'open', liq!.at],
    ]);
    expect(events[2]!.order.remaining).toBe(0);
    expect(wallet).toEqual([{ reason: 'INSURANCE_CLEAR', delta: -liq!.clearanceFee, wallet: venue.balance().wallet, at: liq!.at }]);
  });

  it('takes the deficit to the insurance fund: a margin balance below 0 leaves the wallet at exactly 0, no fee', async () => {
    const { clock, venue } = open(LONG);
    clock.t += 60_000;
    const [p] = venue.positions();
    const { wallet: walletBefore } = venue.balance();
    // A transfer out beyond the equity (the venue lets the wallet go below 0 without an order).
    venue.adjustWallet(-(walletBefore + p!.unrealizedPnl + 50), 'WITHDRAW');
    const step = Math.floor(clock.t / STEP_MS);
    const wallet: SimWalletEvent[] = [];
    venue.feed.subscribeWallet((e) => wallet.push(e));
    clock.t += STEP_MS;
    expect(venue.positions()).toEqual([]);
    const [liq] = venue.liquidations.history();
    expect(liq!.step).toBe(step);
    expect(liq!.marginBalance).toBeLessThan(0);
    expect(liq!.clearanceFee).toBe(0);
    expect(liq!.insuranceCover).toBeCloseTo(-liq!.marginBalance, 6);
    expect(venue.balance().wallet).toBe(0);
    await Promise.resolve();
    expect(wallet).toEqual([{ reason: 'INSURANCE_CLEAR', delta: liq!.insuranceCover, wallet: 0, at: liq!.at }]);
  });

  it('checks after the step\'s funding: a funding fee that takes the margin balance to maintenance liquidates at that very step', async () => {
    const FUNDING = Math.ceil(START / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS;
    const fundingStep = FUNDING / STEP_MS - 1;
    const s0: Scenario = { seed: 3, side: 'buy', leverage: 20, notionalUsd: 5_000 };
    // The reference: the mark at the close of the step ending at the funding time, and the rate charged.
    const ref = open(s0, { funding: true, liquidation: false });
    const rate = ref.venue.funding.rate(BTC, FUNDING);
    expect(rate).not.toBe(0);
    const s: Scenario = { ...s0, side: rate > 0 ? 'buy' : 'sell' };
    const reference = open(s, { funding: true, liquidation: false });
    reference.clock.t = FUNDING;
    const [atFunding] = reference.venue.positions();
    const signed = (atFunding!.side === 'long' ? 1 : -1) * atFunding!.contracts;
    const paid = signed * atFunding!.markPrice * rate;
    expect(paid).toBeGreaterThan(0);

    const { clock, venue } = open(s, { funding: true });
    const wallet: SimWalletEvent[] = [];
    venue.feed.subscribeWallet((e) => wallet.push(e));
    clock.t = FUNDING - STEP_MS;
    expect(venue.positions()).toHaveLength(1);
    // Leave the margin balance at that close half the fee above maintenance: only the fee takes it there.
    const target = atFunding!.maintenanceMargin + paid / 2 - atFunding!.unrealizedPnl;
    venue.adjustWallet(target - venue.balance().wallet, 'WITHDRAW');
    clock.t = FUNDING;
    const [liq] = venue.liquidations.history();
    expect(liq?.step).toBe(fundingStep);
    expect(liq!.maintenanceMargin - liq!.marginBalance).toBeCloseTo(paid / 2, 6);
    await Promise.resolve();
    expect(wallet.map((e) => e.reason)).toEqual(['WITHDRAW', 'FUNDING_FEE', 'INSURANCE_CLEAR']);
  });

  it('closes every position, one order each, and splits the clearance fee over them by notional in the income rows', () => {
    const { clock, venue } = open({ seed: 7, side: 'buy', leverage: 20, notionalUsd: 6_000 }, { startingBalanceUsd: 10_000 });
    const eth = 'ETH/USD:USD';
    venue.placeOrder({ symbol: eth, side: 'sell', type: 'market', amount: Number((3_000 / venue.ticker(eth).last).toFixed(3)) });
    clock.t += 60_000;
    const positions = venue.positions();
    expect(positions.map((p) => p.symbol)).toEqual([BTC, eth]);
    const maintenance = positions.reduce((s, p) => s + p.maintenanceMargin, 0);
    venue.adjustWallet(maintenance / 2 - venue.balance().total, 'WITHDRAW');
    clock.t += STEP_MS;
    expect(venue.positions()).toEqual([]);
    const [liq] = venue.liquidations.history();
    expect(liq!.closes.map((c) => c.symbol)).toEqual([BTC, eth]);
    expect(venue.listOrders().filter((o) => o.type === 'liquidation').map((o) => [o.symbol, o.side])).toEqual([[BTC, 'sell'], [eth, 'buy']]);
    const total = liq!.closes[0]!.notional + liq!.closes[1]!.notional;
    expect(liq!.clearanceFee).toBeCloseTo(Math.min(total * 0.0125, liq!.marginBalance), 8);
    const rows = venue.liquidations.clearanceIncome();
    expect(rows.map((r) => [r.symbol, r.time, r.tranId])).toEqual(liq!.closes.map((c) => [c.symbol, liq!.at, c.orderId]));
    expect(rows[0]!.income + rows[1]!.income).toBeCloseTo(-liq!.clearanceFee, 8);
    expect(rows[0]!.income / rows[1]!.income).toBeCloseTo(liq!.closes[0]!.notional / liq!.closes[1]!.notional, 8);
    expect(venue.balance().wallet).toBe(0);
  });

  it('liquidates a short as well, and is deterministic for a seed', () => {
    const short: Scenario = { seed: 7, side: 'sell', leverage: 50, notionalUsd: 47_500, restingOrder: true };
    const due = firstDueStep(short, 5 * DAY_STEPS);
    const run = (): unknown => {
      const { clock, venue } = open(short);
      clock.t += 5 * 86_400_000;
      return { history: venue.liquidations.history(), orders: venue.listOrders(), wallet: venue.balance().wallet };
    };
    expect(due.worstBefore).toBeLessThan(due.liquidationPrice);
    expect(due.mark).toBeGreaterThanOrEqual(due.liquidationPrice - 1e-9);
    const first = run() as { history: { step: number }[]; orders: { type: string; side: string }[] };
    expect(first.history.map((l) => l.step)).toEqual([due.step]);
    expect(first.orders.filter((o) => o.type === 'liquidation').map((o) => o.side)).toEqual(['buy']);
    expect(run()).toEqual(first);
  });

  it('with the knob off, nothing is liquidated: the position stays open and equity may go negative', () => {
    const due = firstDueStep(LONG, 5 * DAY_STEPS);
    const { clock, venue } = open(LONG, { liquidation: false });
    expect(venue.liquidations.enabled).toBe(false);
    clock.t = (due.step + 1) * STEP_MS;
    expect(venue.positions()).toHaveLength(1);
    venue.adjustWallet(-venue.balance().wallet - 500, 'WITHDRAW');
    clock.t += 3_600_000;
    expect(venue.positions()).toHaveLength(1);
    expect(venue.balance().total).toBeLessThan(0);
    expect(venue.liquidations.history()).toEqual([]);
    expect(venue.listOrders().filter((o) => o.type === 'liquidation')).toEqual([]);
  });
});

describe('Liquidator scan', () => {
  const markets = buildMarkets(7, defaultUniverse());
  const btc = markets.find((m) => m.symbol === BTC)!;
  const index = new Map(markets.map((m, i) => [m.symbol, i]));

  function parts(leverageNotional: number, side: 'buy' | 'sell'): { liquidator: Liquidator; path: PricePath; account: Account; from: number } {
    const path = new PricePath(7, markets.map((m, i) => ({ ...m, referencePrice: defaultUniverse()[i]!.referencePrice })), START);
    const account = new Account(1000, 100);
    const from = Math.floor(START / STEP_MS);
    const price = path.closeOfStep(index.get(BTC)!, from - 1);
    account.applyFill(btc, side, price, Number((leverageNotional / price).toFixed(3)), 0);
    let id = 1;
    const liquidator = new Liquidator({
      enabled: true, path, orders: new OrderStore(1), account, bySymbol: new Map(markets.map((m) => [m.symbol, m])), index, feed: new VenueFeed(), fillId: () => String(id++), sync: () => {},
    });
    return { liquidator, path, account, from };
  }

  it('skips a month of a safe position in whole bars: a few hundred bar sets, not one per minute', () => {
    const { liquidator, path, from } = parts(1500, 'buy');
    const upto = Math.floor(from / DAY_STEPS + 30) * DAY_STEPS;
    const before = path.generatedBarSets;
    expect(liquidator.nextDueStep(from, upto)).toBe(upto);
    expect(path.generatedBarSets - before).toBeLessThan(2000);
  });

  it('never skips past the first step at or below maintenance', () => {
    for (const side of ['buy', 'sell'] as const) {
      const { liquidator, path, account, from } = parts(40_000, side);
      const [[, contracts, entry]] = account.holdings() as [[string, number, number]];
      let brute = from;
      for (; ; brute++) {
        const mark = path.closeOfStep(index.get(BTC)!, brute);
        const cushion = account.wallet + contracts * (mark - entry) - Math.abs(contracts) * mark * maintMarginRatio(btc);
        if (cushion <= 0) break;
      }
      const due = liquidator.nextDueStep(from, from + 10 * DAY_STEPS);
      expect(due).toBeLessThanOrEqual(brute);
      expect(liquidator.check(brute - 1)).toBe(false);
      expect(liquidator.check(brute)).toBe(true);
    }
  });
});
