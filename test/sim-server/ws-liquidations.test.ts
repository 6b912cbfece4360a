/**
 * ccxt.pro's `watchLiquidations` against `misso sim-server`: an unmodified `binanceusdm`
 * subscribes `<symbol>@forceOrder` (and `!forceOrder@arr` for every market), and the server
 * pushes Binance's `forceOrder` event when the venue liquidates the account, at the venue time of
 * the liquidation. Before, the server refused both names and ccxt's watch never settled.
 */
import type { Liquidation } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../src/sim/http/binance-server.js';
import { universeOf } from '../../src/sim/universe.js';
import { SimVenue } from '../../src/sim/venue.js';
import { JumpClock } from './fixtures/jump-clock.js';
import { liquidateAtNextStep, moveWallet } from './fixtures/liquidate.js';
import { openUserRig, type UserRig } from './fixtures/user-rig.js';
import { Probe, sleep } from './fixtures/ws-probe.js';

const ETH = 'ETH/USD:USD';

/** Settles with `p`, or rejects after `ms` (a watch that hangs fails the test instead of timing it out). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, sleep(ms).then((): never => { throw new Error(`${what} did not settle within ${ms} ms`); })]);
}

describe('sim-server liquidation streams', () => {
  let server: SimServer;
  let clock: JumpClock;
  let rig: UserRig;

  beforeAll(async () => {
    clock = new JumpClock();
    const venue = new SimVenue({ seed: 43, clock, markets: universeOf(40, 43) });
    rig = await openUserRig({ seed: 43, venue, wsPushMs: 100 });
    ({ server } = rig);
  });

  afterAll(() => rig.close());

  it('watchLiquidations(symbol) and watchLiquidationsForSymbols() resolve with the forceOrder ccxt parsed when the venue liquidates', async () => {
    const { rest, pro } = rig;
    // A raw subscriber sees the exact frames, and that both names are accepted.
    const raw = await Probe.open(`${server.url.replace('http://', 'ws://')}/market/ws`);
    raw.send({ method: 'SUBSCRIBE', params: ['ethusd@forceOrder', '!forceOrder@arr'], id: 1 });
    expect(await raw.next((m) => m['id'] === 1)).toEqual({ result: null, id: 1 });

    const last = server.venue.ticker(ETH).last;
    const amount = Number(rest.amountToPrecision(ETH, 5000 / last));
    await rest.createOrder(ETH, 'market', 'buy', amount);

    const one = pro.watchLiquidations(ETH);
    const all = pro.watchLiquidationsForSymbols([]);
    await sleep(300); // both subscriptions reach the server

    await liquidateAtNextStep(server, clock, ETH);
    const [liq] = server.venue.liquidations.history();
    expect(liq).toBeDefined();
    const closing = server.venue.listOrders({ symbol: ETH }).find((o) => o.id === liq!.orderIds[0])!;
    const price = closing.average!;

    const expected = { symbol: ETH, side: 'sell', contracts: amount, price, timestamp: liq!.at, datetime: new Date(liq!.at).toISOString() };
    const [bySymbol] = await within<Liquidation[]>(one, 5_000, 'watchLiquidations');
    expect(bySymbol).toMatchObject(expected);
    const [fromAll] = await within<Liquidation[]>(all, 5_000, 'watchLiquidationsForSymbols');
    expect(fromAll).toMatchObject(expected);

    // Binance's payload, once on each stream.
    const frames = raw.messages.filter((m) => (m as Record<string, unknown>)['e'] === 'forceOrder') as Record<string, any>[];
    expect(frames).toHaveLength(2);
    for (const f of frames) {
      // E: the server's clock when it sent it (wall time here; the venue's clock was jumped).
      expect(f['E']).toEqual(expect.any(Number));
      const o = f['o'] as Record<string, unknown>;
      expect(Object.keys(o).sort()).toEqual(['S', 'T', 'X', 'ap', 'f', 'l', 'o', 'p', 'q', 's', 'z']);
      expect(o).toMatchObject({ s: 'ETHUSD', S: 'SELL', o: 'LIMIT', f: 'IOC', X: 'FILLED', T: liq!.at });
      // Decimal strings, as Binance sends them (fixed decimals: "3202.90", not "3202.9").
      for (const k of ['q', 'p', 'ap', 'l', 'z']) expect(o[k]).toMatch(/^\d+(\.\d+)?$/);
      expect([o['q'], o['l'], o['z']].map(Number)).toEqual([amount, amount, amount]);
      expect(Number(o['p'])).toBeCloseTo(closing.price!, 8);
      expect(Number(o['ap'])).toBeCloseTo(price, 8);
    }
    raw.ws.close();
  });

  it('a forceOrder subscription of another market hears nothing of this one', async () => {
    const raw = await Probe.open(`${server.url.replace('http://', 'ws://')}/market/ws`);
    raw.send({ method: 'SUBSCRIBE', params: ['btcusd@forceOrder'], id: 2 });
    expect(await raw.next((m) => m['id'] === 2)).toEqual({ result: null, id: 2 });
    const { rest } = rig;
    expect(await moveWallet(server, 10_000, 'DEPOSIT')).toBe(200);
    const amount = Number(rest.amountToPrecision(ETH, 5000 / server.venue.ticker(ETH).last));
    await rest.createOrder(ETH, 'market', 'buy', amount);
    await liquidateAtNextStep(server, clock, ETH);
    expect(server.venue.liquidations.history()).toHaveLength(2);
    await sleep(300);
    expect(raw.messages.filter((m) => (m as Record<string, unknown>)['e'] === 'forceOrder')).toEqual([]);
    raw.ws.close();
  });
});
