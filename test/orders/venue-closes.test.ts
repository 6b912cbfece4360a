/**
 * The exchange's own closing orders (a liquidation's `autoclose-…`, an ADL's `adl_autoclose`)
 * are never misso's: when the order handling comes across one (the orders stream, the REST read
 * of open orders) it logs a warning and notifies the operator once per order, `<symbol>
 * position liquidated: <side> <amount> at <price>`, and never adopts it. The liquidation is a
 * real one: the sim venue's, on a leveraged position the price path moves against.
 */
import type { Order as CcxtOrder } from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';
import { isVenueCloseOrder } from '../../src/orders/venue-closes.js';
import { drive, trackedRigs, type Rig } from '../support/order-rig.js';

const BTC = 'BTC/USD:USD';
const START = 1_700_000_000_000;
const { make, cleanup } = trackedRigs();

afterEach(cleanup);

/** A rig on a sim (seed 11, 1,000 USD, leverage 25) with a long of 23,750 USD opened outside misso, liquidated within three days. */
async function liquidated(): Promise<{ r: Rig; pushed: CcxtOrder[] }> {
  const clock = new VirtualClock(START);
  const sim = createSimExchange({ seed: 11, starting_balance_usd: 1000, leverage: 25, stream_push_ms: 3_600_000 }, { clock });
  const r = await make({ clock, sim });
  const last = (await drive(clock, sim.fetchTicker(BTC))).last!;
  await drive(clock, sim.createOrder(BTC, 'market', 'buy', Number(sim.amountToPrecision(BTC, 23_750 / last))));
  const watching = sim.watchOrders(BTC);
  await clock.advance(3 * 86_400_000);
  expect(sim.getVenue().liquidations.history()).toHaveLength(1);
  return { r, pushed: await watching };
}

describe("the exchange's closing orders", () => {
  it('knows their client ids', () => {
    expect(['autoclose-1596107620040000020', 'adl_autoclose', 'autoclose-'].map(isVenueCloseOrder)).toEqual([true, true, true]);
    expect(['x-autoclose-1', 'adl_autoclose2', 'misso-1', undefined].map(isVenueCloseOrder)).toEqual([false, false, false, false]);
  });

  it('a liquidation pushed by the orders stream: one warning notice per order, however many updates show it', async () => {
    const { r, pushed } = await liquidated();
    const close = pushed.filter((o) => o.clientOrderId?.startsWith('autoclose-'));
    expect(close.map((o) => o.status)).toEqual(['open', 'closed']);
    r.manager.applyStreamOrders(pushed);
    r.manager.applyStreamOrders(pushed);
    const [order] = await drive(r.clock, r.sim.fetchClosedOrders(BTC)).then((all) => all.filter((o) => o.type === 'liquidation'));
    expect(r.notes).toEqual([{ text: `${BTC} position liquidated: sell ${order!.amount} at ${order!.average}`, level: 'warn' }]);
    // Not ours: nothing journaled, nothing open.
    expect(r.journal.hasClientId(order!.clientOrderId!)).toBe(false);
    expect(r.manager.isOpenOrders[BTC]).toBeUndefined();
  });

  it('one listed open by the REST read of open orders is told once and not adopted; an ADL order likewise, told apart by its id', async () => {
    const { r, pushed } = await liquidated();
    const [liq] = pushed.filter((o) => o.clientOrderId?.startsWith('autoclose-'));
    // As Binance may list one for the moment it is in flight.
    const listed: CcxtOrder[] = [
      { ...liq!, status: 'open', filled: 0, remaining: liq!.amount, average: undefined },
      { ...liq!, id: '1', clientOrderId: 'adl_autoclose', side: 'buy', amount: 2, price: 100, status: 'open', average: undefined },
      { ...liq!, id: '2', clientOrderId: 'adl_autoclose', side: 'buy', amount: 3, price: 101, status: 'open', average: undefined },
    ];
    r.sim.fetchOpenOrders = async () => listed;
    for (let i = 0; i < 2; i++) {
      const report = await drive(r.clock, r.manager.reconcile());
      expect(report).toBeDefined();
    }
    expect(r.notes.map((n) => n.text)).toEqual([
      `${BTC} position liquidated: sell ${liq!.amount} at ${liq!.price}`,
      `${BTC} position liquidated: buy 2 at 100`,
      `${BTC} position liquidated: buy 3 at 101`,
    ]);
    expect(r.events.filter((e) => e.name === 'adopted')).toEqual([]);
    expect(listed.some((o) => r.journal.hasClientId(o.clientOrderId!))).toBe(false);
  });
});
