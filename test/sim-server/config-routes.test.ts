/**
 * The account-configuration calls of an unmodified `ccxt.binanceusdm` against misso sim-server:
 * `fetchTradingFee` (`GET /fapi/v1/commissionRate`), `fetchLeverage(s)` and `fetchMarginMode(s)`
 * (`GET /fapi/v1/symbolConfig`), `setMarginMode` (`POST /fapi/v1/marginType`) and
 * `fetch/setPositionMode` (`GET|POST /fapi/v1/positionSide/dual`). Each answered -5000 "not
 * served" before; each answer is checked against what the venue does.
 */
import { AuthenticationError, BadRequest, ExchangeError, MarginModeAlreadySet, OperationRejected, type binanceusdm } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { rawRequest, simClient } from './fixtures/sim-client.js';
import { thrown } from '../support/thrown.js';

const BTC = 'BTC/USD:USD';
const ETH = 'ETH/USD:USD';
let server: SimServer;
let ex: binanceusdm;

beforeAll(async () => {
  server = await startSimServer({ port: 0, seed: 23 });
  ex = simClient(server.url);
  await ex.loadMarkets();
});

afterAll(async () => {
  await server.close();
});

describe('fetchTradingFee → GET /fapi/v1/commissionRate', () => {
  it("gives the market's maker and taker rates, and a taker fill is charged the taker rate", async () => {
    const market = server.venue.market(BTC);
    const fee = await ex.fetchTradingFee(BTC);
    expect(fee).toMatchObject({ symbol: BTC, maker: market.makerFee, taker: market.takerFee });
    expect(fee.maker).not.toBe(fee.taker);

    const order = await ex.createOrder(BTC, 'market', 'buy', 0.01);
    const [fill] = server.venue.orderIgnoringDelay({ id: order.id! }).fills;
    expect(fill!.maker).toBe(false);
    expect(fill!.fee / (fill!.price * fill!.amount)).toBeCloseTo(fee.taker!, 12);
    await ex.createOrder(BTC, 'market', 'sell', 0.01, undefined, { reduceOnly: true });
  });

  it('refuses an unknown symbol (-1121) and a request without a key (-2014)', async () => {
    const bad = await thrown(() => (ex as unknown as { fapiPrivateGetCommissionRate: (p: object) => Promise<unknown> }).fapiPrivateGetCommissionRate({ symbol: 'NOPEUSD' }));
    expect(bad.message).toContain('"code":-1121');
    for (const path of ['commissionRate?symbol=BTCUSD', 'symbolConfig', 'positionSide/dual']) {
      const raw = await rawRequest(`${server.url}/fapi/v1/${path}`);
      expect(raw.status, path).toBe(401);
      expect(raw.body, path).toMatchObject({ code: -2014 });
    }
  });
});

describe('fetchLeverage(s) → GET /fapi/v1/symbolConfig', () => {
  it('reports the leverage setLeverage set, and the venue default elsewhere, both sides, cross margin', async () => {
    await ex.setLeverage(7, BTC);
    const btc = await ex.fetchLeverage(BTC);
    expect(btc).toMatchObject({ symbol: BTC, marginMode: 'cross', longLeverage: 7, shortLeverage: 7 });
    await ex.setLeverage(3, BTC);
    expect((await ex.fetchLeverage(BTC)).longLeverage).toBe(3);

    const all = await ex.fetchLeverages();
    expect(Object.keys(all).sort()).toEqual([...ex.symbols].sort());
    expect(all[BTC]!.longLeverage).toBe(3);
    expect(all[ETH]!.longLeverage).toBe(server.venue.leverage(ETH));
    expect(all[ETH]!.longLeverage).not.toBe(3);
  });

  it("agrees with the position's leverage and with the leverage brackets' notional cap", async () => {
    await ex.setLeverage(4, ETH);
    await ex.createOrder(ETH, 'market', 'buy', 0.1);
    expect(server.venue.positions([ETH])[0]!.leverage).toBe((await ex.fetchLeverage(ETH)).longLeverage);
    await ex.createOrder(ETH, 'market', 'sell', 0.1, undefined, { reduceOnly: true });

    const info = (await ex.fetchLeverage(ETH)).info as { maxNotionalValue: string };
    const tiers = await ex.fetchLeverageTiers([ETH]);
    const tier = tiers[ETH]!.find((t) => (t.maxLeverage ?? 0) >= 4)!;
    expect(Number(info.maxNotionalValue)).toBe(tier.maxNotional);
  });
});

describe('fetchMarginMode(s) → GET /fapi/v1/symbolConfig, setMarginMode → POST /fapi/v1/marginType', () => {
  it('reports cross margin, the only mode the venue has, for every perpetual', async () => {
    expect(await ex.fetchMarginMode(BTC)).toMatchObject({ symbol: BTC, marginMode: 'cross' });
    const all = await ex.fetchMarginModes();
    expect(Object.keys(all).sort()).toEqual([...ex.symbols].sort());
    for (const m of Object.values(all)) expect(m.marginMode).toBe('cross');
  });

  it("answers cross with Binance's -4046 (MarginModeAlreadySet), which ccxt can be told to take as success", async () => {
    const e = await thrown(() => ex.setMarginMode('cross', BTC));
    expect(e).toBeInstanceOf(MarginModeAlreadySet);
    expect(e.message).toContain('"code":-4046');
    const lenient = simClient(server.url);
    lenient.options['setMarginMode'] = { throwMarginModeAlreadySet: false };
    expect(await lenient.setMarginMode('cross', BTC)).toEqual({ code: -4046, msg: 'No need to change margin type.' });
  });

  it('refuses isolated (BadRequest) saying the simulator models cross margin only, and nothing changes', async () => {
    const e = await thrown(() => ex.setMarginMode('isolated', BTC));
    expect(e).toBeInstanceOf(BadRequest);
    expect(e.message).toContain('"code":-1020');
    expect(e.message).toContain('models cross margin only');
    expect((await ex.fetchMarginMode(BTC)).marginMode).toBe('cross');
  });
});

describe('fetchPositionMode / setPositionMode → GET|POST /fapi/v1/positionSide/dual', () => {
  it('reports one-way mode', async () => {
    expect(await ex.fetchPositionMode()).toMatchObject({ hedged: false, info: { dualSidePosition: false } });
  });

  it("answers one-way with Binance's -4059 (OperationRejected) and refuses hedge mode (BadRequest)", async () => {
    const same = await thrown(() => ex.setPositionMode(false));
    expect(same).toBeInstanceOf(OperationRejected);
    expect(same.message).toContain('No need to change position side.');
    const hedge = await thrown(() => ex.setPositionMode(true));
    expect(hedge).toBeInstanceOf(BadRequest);
    expect(hedge.message).toContain('hedge mode');
    expect((await ex.fetchPositionMode()).hedged).toBe(false);
  });

  it('refuses a bad signature on the change (AuthenticationError)', async () => {
    const wrong = simClient(server.url, { secret: 'not-the-secret' });
    const e = await thrown(() => wrong.setPositionMode(false));
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e).toBeInstanceOf(ExchangeError);
    expect(server.counters.snapshot().unhandled).toBe(0);
  });
});
