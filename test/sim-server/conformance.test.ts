/**
 * One conformance suite, run against both faces of the simulated venue: the in-process ccxt
 * subclass `SimExchange`, and an unmodified `ccxt.binanceusdm` talking to `misso sim-server`.
 * Each run checks behaviour (same venue, same answers) and records the shape of every unified
 * object; the last block asserts both faces give the same fields with the same types, except
 * the differences listed in {@link ALLOWED} with their reasons.
 */
import {
  BadSymbol,
  InsufficientFunds,
  InvalidOrder,
  OrderNotFound,
  type Exchange,
  type OHLCV,
} from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { startSimServer } from '../../src/sim/http/binance-server.js';
import { SimExchange } from '../../src/sim/sim-exchange.js';
import type { SimVenue } from '../../src/sim/venue.js';
import { simClient } from './fixtures/sim-client.js';
import { thrown } from '../support/thrown.js';

const SEED = 21;
const SYMBOL = 'BTC/USD:USD';
const IN_PROCESS = 'SimExchange (in-process)';
const OVER_HTTP = 'ccxt.binanceusdm → misso sim-server';

interface Face {
  exchange: Exchange;
  venue: SimVenue;
  close(): Promise<void>;
}

const FACES: { name: string; make: () => Promise<Face> }[] = [
  {
    name: IN_PROCESS,
    make: async () => {
      const exchange = new SimExchange({ clock: new SystemClock(), seed: SEED });
      await exchange.loadMarkets();
      return { exchange, venue: exchange.getVenue(), close: async () => undefined };
    },
  },
  {
    name: OVER_HTTP,
    make: async () => {
      const server = await startSimServer({ port: 0, seed: SEED });
      const exchange = simClient(server.url);
      await exchange.loadMarkets();
      return { exchange, venue: server.venue, close: () => server.close() };
    },
  },
];

/** Path → type name, e.g. `limits.amount.min: number`. */
type Shape = Record<string, string>;

/**
 * Maps a unified object to the type names of its fields, flattened to dotted paths. `info` (the
 * exchange's raw payload) is skipped; arrays of objects are shaped by their first element,
 * arrays of plain values (OHLCV rows) element by element.
 */
function shapeOf(value: unknown, path = '', out: Shape = {}): Shape {
  if (value === null) out[path] = 'null';
  else if (Array.isArray(value)) {
    out[path] = 'array';
    const plain = value.every((v) => v === null || typeof v !== 'object');
    const items = plain ? value : value.slice(0, 1);
    items.forEach((v, i) => shapeOf(v, `${path}[${i}]`, out));
  } else if (typeof value === 'object') {
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'info') continue;
      shapeOf(v, path === '' ? key : `${path}.${key}`, out);
    }
  } else out[path] = typeof value;
  return out;
}

/** Shapes recorded per face and object kind. */
const recorded = new Map<string, Map<string, Shape>>();
const errorsSeen = new Map<string, Map<string, string>>();

/**
 * Fields whose type legitimately differs between the faces (a path also covers its sub-paths).
 * Each entry says why; an entry that no longer differs fails the suite, so the list stays true.
 */
const ALLOWED: Record<string, Record<string, string>> = {
  market: {
    created: "ccxt's binance parser reads onboardDate; the sim venue has no listing date",
    feeSide: "ccxt's binance parser adds its fee side; SimExchange leaves ccxt's default undefined",
    index: 'SimExchange sets index: false; binance leaves it undefined',
    'limits.leverage': 'binance markets carry no leverage limits (ccxt reads them from leverage tiers)',
    'limits.market': "binance adds MARKET_LOT_SIZE limits; SimExchange has one amount limit for both types",
    lowercaseId: "ccxt's binance parser adds it",
    marginModes: "ccxt's binance parser adds cross/isolated flags; the sim has cross only",
    'precision.base': 'binance sends baseAssetPrecision; the sim has no asset precision',
    'precision.quote': 'binance sends quotePrecision; the sim has no asset precision',
    stock: "ccxt's binance parser flags tokenised stocks",
  },
  ticker: {
    bid: 'the USD-M 24 h ticker has no book prices (they are in /fapi/v1/ticker/bookTicker)',
    ask: 'the USD-M 24 h ticker has no book prices',
    bidVolume: 'the USD-M 24 h ticker has no book sizes',
    askVolume: 'the USD-M 24 h ticker has no book sizes',
    markPrice: 'the USD-M 24 h ticker has no mark price (it is in /fapi/v1/premiumIndex)',
  },
  balance: {
    timestamp: "ccxt's binance parser leaves futures balance timestamps undefined",
    datetime: "ccxt's binance parser leaves futures balance timestamps undefined",
  },
  order: {
    fee: 'USD-M order endpoints carry no fee (fees come with /fapi/v1/userTrades)',
    'fees[0]': 'USD-M order endpoints carry no fee',
    'trades[0]': 'USD-M order endpoints carry no fills',
  },
  position: {
    lastPrice: 'v3 positionRisk has no last price',
    lastUpdateTimestamp: 'binance positions carry updateTime only as timestamp',
    leverage: 'v3 positionRisk has no leverage (v2 had it)',
    marginType: "ccxt's binance parser adds this deprecated alias of marginMode",
  },
};

/** Error class names that may differ, with the reason. */
const ALLOWED_ERROR_CLASSES: Record<string, string> = {
  duplicateClientOrderId:
    "SimExchange raises DuplicateOrderId; over loopback ccxt maps Binance's answer with its generic table to InvalidOrder, DuplicateOrderId's parent",
};

function record(face: string, kind: string, value: unknown): void {
  if (!recorded.has(face)) recorded.set(face, new Map());
  const byKind = recorded.get(face)!;
  const shape = shapeOf(value);
  // Kinds recorded more than once (several orders) must agree within the face, bar the allowed fields.
  const earlier = byKind.get(kind);
  byKind.set(kind, earlier ? { ...shape, ...earlier } : shape);
}


describe.each(FACES)('$name', ({ name, make }) => {
  let face: Face;
  let ex: Exchange;
  const noteError = (what: string, e: Error): void => {
    if (!errorsSeen.has(name)) errorsSeen.set(name, new Map());
    errorsSeen.get(name)!.set(what, e.constructor.name);
  };

  beforeAll(async () => {
    face = await make();
    ex = face.exchange;
  });

  afterAll(async () => {
    await face.close();
  });

  it('lists the venue perpetuals with their precision and limits', () => {
    const swaps = face.venue.listMarkets().filter((m) => m.type === 'swap');
    const listed = ex.symbols.filter((s) => ex.market(s).swap);
    expect(listed.sort()).toEqual(swaps.map((m) => m.symbol).sort());
    const m = ex.market(SYMBOL);
    const sim = swaps.find((x) => x.symbol === SYMBOL)!;
    expect(m).toMatchObject({ id: 'BTCUSD', base: 'BTC', quote: 'USD', settle: 'USD', type: 'swap', linear: true, contractSize: 1 });
    expect(m.precision).toMatchObject({ amount: sim.lotSize, price: sim.tickSize });
    expect(m.limits.amount).toEqual({ min: sim.minAmount, max: sim.maxAmount });
    expect(m.info['volumeUsd24h']).toBe(sim.volumeUsd24h);
    record(name, 'market', m);
  });

  it('gives a ticker with the venue last price', async () => {
    // The price moves every 10 s step: the answer must be the venue's last on either side of the call.
    const before = face.venue.ticker(SYMBOL).last;
    const t = await ex.fetchTicker(SYMBOL);
    expect(t.symbol).toBe(SYMBOL);
    expect([before, face.venue.ticker(SYMBOL).last]).toContain(t.last);
    record(name, 'ticker', t);
    const all = await ex.fetchTickers([SYMBOL, 'ETH/USD:USD']);
    expect(Object.keys(all).sort()).toEqual([SYMBOL, 'ETH/USD:USD']);
    record(name, 'ticker', all['ETH/USD:USD']);
  });

  it('gives OHLCV rows with the same since/limit semantics', async () => {
    const started = Date.now();
    const latest = await ex.fetchOHLCV(SYMBOL, '5m', undefined, 4);
    expect(latest).toHaveLength(4);
    expect([started, Date.now()].map((ms) => Math.floor(ms / 300_000) * 300_000)).toContain(latest[3]![0]);
    const since = latest[0]![0]! - 20 * 300_000 + 1;
    const rows: OHLCV[] = await ex.fetchOHLCV(SYMBOL, '5m', since, 3);
    expect(rows.map((r) => r[0])).toEqual([1, 2, 3].map((k) => since - 1 + k * 300_000));
    expect(rows).toEqual(face.venue.candles(SYMBOL, '5m', since, 3));
    rows.forEach((row) => record(name, 'ohlcv', row));
  });

  it('gives the USD balance', async () => {
    const b = await ex.fetchBalance();
    const sim = face.venue.balance();
    expect(b['USD']).toEqual({ free: sim.free, used: sim.used, total: sim.total });
    record(name, 'balance', b);
  });

  it('creates, fetches (by id and client id) and cancels a limit order', async () => {
    const price = Number(ex.priceToPrecision(SYMBOL, face.venue.ticker(SYMBOL).last * 0.8));
    const created = await ex.createOrder(SYMBOL, 'limit', 'buy', 0.01, price, { clientOrderId: 'conf-limit-1' });
    expect(created).toMatchObject({ symbol: SYMBOL, type: 'limit', side: 'buy', price, amount: 0.01, status: 'open', clientOrderId: 'conf-limit-1', filled: 0 });
    const byId = await ex.fetchOrder(created.id!, SYMBOL);
    const byClientId = await ex.fetchOrder('', SYMBOL, { clientOrderId: 'conf-limit-1' });
    expect(byClientId.id).toBe(created.id);
    expect(byId).toMatchObject({ id: created.id, status: 'open', remaining: 0.01 });
    expect((await ex.fetchOpenOrders()).map((o) => o.id)).toContain(created.id);
    const canceled = await ex.cancelOrder(created.id!, SYMBOL);
    expect(canceled).toMatchObject({ id: created.id, status: 'canceled' });
    [created, byId, byClientId, canceled].forEach((o) => record(name, 'order', o));
  });

  it('fills a market order and shows the position it opened', async () => {
    const order = await ex.createOrder(SYMBOL, 'market', 'buy', 0.02, undefined, { clientOrderId: 'conf-mkt-1' });
    expect(order).toMatchObject({ status: 'closed', filled: 0.02, remaining: 0, clientOrderId: 'conf-mkt-1' });
    expect(order.average).toBeGreaterThan(0);
    record(name, 'order', order);
    record(name, 'order', await ex.fetchOrder(order.id!, SYMBOL));
    const all = await ex.fetchOrders(SYMBOL);
    expect(all.map((o) => o.clientOrderId)).toEqual(['conf-limit-1', 'conf-mkt-1']);
    const simBefore = face.venue.positions()[0]!;
    const positions = await ex.fetchPositions();
    expect(positions).toHaveLength(1);
    const p = positions[0]!;
    const sim = face.venue.positions()[0]!;
    expect(p).toMatchObject({ symbol: SYMBOL, side: 'long', contracts: 0.02, marginMode: 'cross', hedged: false });
    expect(p.entryPrice).toBeCloseTo(sim.entryPrice, 6);
    // The mark moves every 10 s step: the notional must match one side of the call.
    const near = (x: number): boolean => Math.abs((p.notional ?? NaN) - x) < 1e-6;
    expect(near(simBefore.notional) || near(sim.notional)).toBe(true);
    record(name, 'position', p);
  });

  it("cancels every open order of a symbol and no other symbol's (cancelAllOrders)", async () => {
    const eth = 'ETH/USD:USD';
    const at = (symbol: string, f: number): number => Number(ex.priceToPrecision(symbol, face.venue.ticker(symbol).last * f));
    const mine = [await ex.createOrder(SYMBOL, 'limit', 'buy', 0.01, at(SYMBOL, 0.8)), await ex.createOrder(SYMBOL, 'limit', 'sell', 0.01, at(SYMBOL, 1.2))];
    const other = await ex.createOrder(eth, 'limit', 'buy', 0.1, at(eth, 0.8));
    await ex.cancelAllOrders(SYMBOL);
    expect(mine.map((o) => face.venue.getOrder({ id: o.id! }).status)).toEqual(['canceled', 'canceled']);
    expect(await ex.fetchOpenOrders(SYMBOL)).toEqual([]);
    expect((await ex.fetchOpenOrders(eth)).map((o) => o.id)).toEqual([other.id]);
    await ex.cancelAllOrders(eth);
    expect(face.venue.getOrder({ id: other.id! }).status).toBe('canceled');
  });

  it('refuses with the same ccxt error classes', async () => {
    const notFound = await thrown(() => ex.fetchOrder('999999', SYMBOL));
    expect(notFound).toBeInstanceOf(OrderNotFound);
    noteError('fetchUnknownOrder', notFound);
    const cancelUnknown = await thrown(() => ex.cancelOrder('999999', SYMBOL));
    expect(cancelUnknown).toBeInstanceOf(OrderNotFound);
    noteError('cancelUnknownOrder', cancelUnknown);
    const recancel = await thrown(async () => {
      const id = (await ex.fetchOrder('', SYMBOL, { clientOrderId: 'conf-limit-1' })).id!;
      return ex.cancelOrder(id, SYMBOL);
    });
    expect(recancel).toBeInstanceOf(OrderNotFound);
    noteError('cancelCanceledOrder', recancel);
    const funds = await thrown(() => ex.createOrder(SYMBOL, 'market', 'buy', 70));
    expect(funds).toBeInstanceOf(InsufficientFunds);
    noteError('insufficientFunds', funds);
    const symbol = await thrown(() => ex.fetchTicker('NOPE/USD:USD'));
    expect(symbol).toBeInstanceOf(BadSymbol);
    noteError('badSymbol', symbol);
    const tiny = await thrown(() => ex.createOrder(SYMBOL, 'limit', 'buy', 0.0001, 10_000));
    expect(tiny).toBeInstanceOf(InvalidOrder);
    noteError('belowMinNotional', tiny);
    // A client id is unique among the open orders (as on Binance): an open order's is refused.
    const resting = Number(ex.priceToPrecision(SYMBOL, face.venue.ticker(SYMBOL).last * 0.8));
    const open = await ex.createOrder(SYMBOL, 'limit', 'buy', 0.01, resting, { clientOrderId: 'conf-dup-1' });
    const dup = await thrown(() => ex.createOrder(SYMBOL, 'limit', 'buy', 0.01, resting, { clientOrderId: 'conf-dup-1' }));
    expect(dup).toBeInstanceOf(InvalidOrder);
    noteError('duplicateClientOrderId', dup);
    await ex.cancelOrder(open.id!, SYMBOL);
  });
});

describe('both faces give the same fields with the same types', () => {
  const kinds = ['market', 'ticker', 'ohlcv', 'balance', 'order', 'position'];

  it.each(kinds)('%s', (kind) => {
    const a = recorded.get(IN_PROCESS)?.get(kind);
    const b = recorded.get(OVER_HTTP)?.get(kind);
    expect(a, `${IN_PROCESS} recorded no ${kind}`).toBeDefined();
    expect(b, `${OVER_HTTP} recorded no ${kind}`).toBeDefined();
    const allowed = ALLOWED[kind] ?? {};
    const covers = (path: string): string | undefined =>
      Object.keys(allowed).find((key) => path === key || path.startsWith(`${key}.`) || path.startsWith(`${key}[`));
    const unexpected: string[] = [];
    const used = new Set<string>();
    for (const path of new Set([...Object.keys(a!), ...Object.keys(b!)])) {
      // A field set to undefined and a field left out read the same to a caller.
      const left = a![path] ?? 'undefined';
      const right = b![path] ?? 'undefined';
      if (left === right) continue;
      const key = covers(path);
      if (key) used.add(key);
      else unexpected.push(`${path}: ${left} (in-process) vs ${right} (over HTTP)`);
    }
    expect(unexpected, 'fields that differ without a listed reason').toEqual([]);
    expect(Object.keys(allowed).filter((k) => !used.has(k)), 'listed differences that no longer differ').toEqual([]);
  });

  it('errors', () => {
    const a = errorsSeen.get(IN_PROCESS);
    const b = errorsSeen.get(OVER_HTTP);
    expect(a?.size).toBe(7);
    expect(b?.size).toBe(7);
    const differing = [...a!.keys()].filter((k) => a!.get(k) !== b!.get(k));
    expect(differing.sort()).toEqual(Object.keys(ALLOWED_ERROR_CLASSES).sort());
  });
});
