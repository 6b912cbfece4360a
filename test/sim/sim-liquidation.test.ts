/**
 * A liquidation as the in-process sim's ccxt face shows it: the venue's closing order (type
 * `liquidation`, as ccxt reports Binance's LIQUIDATION, client id `autoclose-…`) and its fill in
 * fetchOrder / fetchOrders / fetchClosedOrders / fetchMyTrades and watchOrders / watchMyTrades;
 * the orders it expired in watchOrders; the position gone from fetchPositions and
 * watchPositions; the balance after the clearance in fetchBalance and watchBalance.
 */
import type { Balances, Order, Position, Trade } from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';

const START = 1_700_000_000_000;
const BTC = 'BTC/USD:USD';
let ex: SimExchange | undefined;

afterEach(async () => {
  await ex?.close();
  ex = undefined;
});

/** Seed 11, 1,000 USD, a long of 23,750 USD at leverage 25 and a buy resting far below: liquidated within three days. */
async function liquidatedLong(knobs: Record<string, unknown> = {}): Promise<{ clock: VirtualClock; ex: SimExchange }> {
  const clock = new VirtualClock(START);
  // Pushes once an hour of virtual time: three days are 72 pushes.
  ex = createSimExchange({ seed: 11, starting_balance_usd: 1000, leverage: 25, stream_push_ms: 3_600_000, ...knobs }, { clock });
  await ex.loadMarkets();
  const last = (await ex.fetchTicker(BTC)).last!;
  await ex.createOrder(BTC, 'market', 'buy', Number(ex.amountToPrecision(BTC, 23_750 / last)));
  await ex.createOrder(BTC, 'limit', 'buy', 0.001, Number(ex.priceToPrecision(BTC, last * 0.5)), { clientOrderId: 'far-below' });
  return { clock, ex };
}

describe('in-process sim: a liquidation through ccxt', () => {
  it('shows the liquidation order, its fill, the expired order, the gone position and the balance, fetched and watched', async () => {
    const { clock, ex } = await liquidatedLong();
    const orders = ex.watchOrders();
    const trades = ex.watchMyTrades(BTC);
    const positions = ex.watchPositions([BTC]);
    const balances: Balances[] = [];
    const balance = ex.watchBalance().then((b) => balances.push(b));
    await clock.advance(3 * 86_400_000);
    const [liq] = ex.getVenue().liquidations.history();
    expect(liq).toBeDefined();

    // Fetched.
    const order = await ex.fetchOrder(liq!.orderIds[0]!, BTC);
    expect(order).toMatchObject({ type: 'liquidation', side: 'sell', status: 'closed', reduceOnly: true, remaining: 0, timestamp: liq!.at });
    expect(order.clientOrderId).toMatch(/^autoclose-\d+$/);
    expect(order.fee?.cost).toBe(0);
    expect(order.filled).toBe(order.amount);
    const closed = await ex.fetchClosedOrders(BTC);
    expect(closed.map((o) => o.id)).toContain(order.id);
    expect((await ex.fetchOrders(BTC)).find((o) => o.clientOrderId === 'far-below')).toMatchObject({ status: 'expired', lastUpdateTimestamp: liq!.at });
    const myTrades = await ex.fetchMyTrades(BTC);
    expect(myTrades.at(-1)).toMatchObject({ order: order.id, side: 'sell', amount: order.amount, price: order.average, fee: { cost: 0, currency: 'USD' }, timestamp: liq!.at });
    expect(await ex.fetchPositions([BTC])).toEqual([]);
    const fetched = await ex.fetchBalance();
    expect(fetched['USD']?.total).toBeCloseTo(ex.getVenue().balance().wallet, 8);
    expect(fetched['USD']!.total).toBeGreaterThanOrEqual(0);
    expect(fetched['USD']!.used).toBe(0);

    // Watched.
    const watched = (await orders) as Order[];
    expect(watched.map((o) => [o.clientOrderId?.replace(/\d+$/, 'N'), o.type, o.status])).toEqual([
      ['far-below', 'limit', 'expired'],
      ['autoclose-N', 'liquidation', 'open'],
      ['autoclose-N', 'liquidation', 'closed'],
    ]);
    const watchedTrades = (await trades) as Trade[];
    expect(watchedTrades.map((t) => t.order)).toEqual([order.id]);
    const pushed = (await positions) as Position[];
    expect(pushed.map((p) => [p.symbol, p.contracts])).toEqual([[BTC, 0]]);
    await balance;
    await clock.advance(3_600_000);
    expect(balances[0]!['USD']?.total).toBeCloseTo(ex.getVenue().balance().wallet, 8);
  });

  it('with liquidation: false the position outlives the same path', async () => {
    const { clock, ex } = await liquidatedLong({ liquidation: false });
    await clock.advance(3 * 86_400_000);
    expect(ex.getVenue().liquidations.history()).toEqual([]);
    expect((await ex.fetchPositions([BTC])).map((p) => p.contracts)).toHaveLength(1);
    expect((await ex.fetchOpenOrders(BTC)).map((o) => o.clientOrderId)).toEqual(['far-below']);
  });
});
