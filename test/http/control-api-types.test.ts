import { afterEach, describe, expect, it } from 'vitest';
import type { VirtualClock } from '../../src/core/clock.js';
import type { Updater } from '../../src/engine/updater.js';
import { startStatusServer, type StatusServer } from '../../src/http/status-server.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

// A user's attack: `POST /api/orders` took `"amount": "0.01"` (the schema validator coerced the
// string to a number) while `pending_orders.push` refuses it. The control API's bodies are judged
// by the library's own checks, before anything is coerced.
const TOKEN = 'types-token-7c2a';
const SYMBOL = 'BTC/USD:USD';

function config(risk?: Record<string, unknown>): Record<string, unknown> {
  return {
    ...(risk ? { orders: { risk } } : {}),
    class_attributes: { watch_list: [SYMBOL], last_price: {}, open_orders: {} },
    shared_attributes: { pending_orders: { modul: 'queue', function: 'Queue' } },
    tasks: {
      t_update_tickers: { name: 'update_tickers', freq: 10, max_age_secs: 3600 },
      t_execute_orders: { name: 'execute_orders', freq: 5 },
      t_update_open_orders: { name: 'update_open_orders', freq: 5 },
    },
    http: { token: '${MISSO_HTTP_TOKEN}' },
  };
}

let updater: Updater | null = null;
let server: StatusServer | null = null;
afterEach(async () => {
  await server?.close();
  await updater?.stop();
  server = null;
  updater = null;
});

async function rig(risk?: Record<string, unknown>): Promise<{ u: Updater; clock: VirtualClock; s: StatusServer }> {
  const built = await virtualUpdater(config(risk), { env: { MISSO_HTTP_TOKEN: TOKEN } });
  updater = built.updater;
  server = await startStatusServer({ source: updater.statusSource(), clock: built.clock, processMetrics: false, token: TOKEN });
  await startVirtual(updater, built.clock);
  await built.clock.advance(1000);
  return { u: updater, clock: built.clock, s: server };
}

function post(s: StatusServer, method: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${s.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** What `pending_orders.push` says of `entry`, or null when it takes it. */
function pushRefusal(u: Updater, entry: Record<string, unknown>): string | null {
  try {
    u.pendingOrders.push(entry);
    return null;
  } catch (error: unknown) {
    return (error as Error).message;
  }
}

describe('control API bodies are checked as the library checks them, not coerced', () => {
  it('POST /api/orders refuses what push refuses (a string, a boolean or a list for a number; a number for the symbol) with 400 naming the field', async () => {
    const { u, s } = await rig();
    const price = Math.round(u.state.get<Record<string, number>>('last_price')[SYMBOL]! * 0.8);
    const base = { symbol: SYMBOL, side: 'buy', amount: 0.01, price };
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ ...base, amount: '0.01' }, 'amount', /amount must be a number/],
      [{ ...base, amount: true }, 'amount', /amount must be a number/],
      [{ ...base, amount: [0.01] }, 'amount', /amount must be a number/],
      [{ ...base, price: String(price) }, 'price', /price must be a number/],
      [{ ...base, symbol: 7 }, 'symbol', /symbol must be a string/],
      [{ ...base, params: { triggerPrice: String(price) } }, 'params.triggerPrice', /params\.triggerPrice must be a number > 0/],
    ];
    const before = u.orders.orders.length;
    for (const [body, field, expects] of cases) {
      const label = JSON.stringify(body);
      expect(pushRefusal(u, body), label).toMatch(expects);
      const res = await post(s, 'POST', '/api/orders', body);
      expect(res.status, label).toBe(400);
      const answer = (await res.json()) as { error: string; field: string | null };
      expect(answer.field, label).toBe(field);
      expect(answer.error, label).toMatch(expects);
    }
    expect(u.orders.orders.length).toBe(before);
    // The documented form still works.
    expect((await post(s, 'POST', '/api/orders', base)).status).toBe(201);
  });

  // A user's complaint: `"side": "BUY"` was a 400 (`side: must be equal to one of the allowed
  // values`) while push lowercases and takes it. The body is read by push's own parse.
  it('POST /api/orders takes what push takes, read as push reads it: a side in any case, size for amount, id for tag, the list form', async () => {
    const { u, s } = await rig();
    const price = Math.round(u.state.get<Record<string, number>>('last_price')[SYMBOL]! * 0.8);
    const cases: [unknown, { side: string; amount: number; tag: string | null }][] = [
      [{ symbol: SYMBOL, side: 'BUY', amount: 0.01, price }, { side: 'buy', amount: 0.01, tag: null }],
      [{ symbol: SYMBOL, side: 'Sell', size: 0.02, price: price * 2, id: 7 }, { side: 'sell', amount: 0.02, tag: '7' }],
      [['t-1', 0.03, price, 'Buy', SYMBOL], { side: 'buy', amount: 0.03, tag: 't-1' }],
    ];
    for (const [body, expected] of cases) {
      const label = JSON.stringify(body);
      const pushed = u.pendingOrders.push(body);
      expect(pushed, label).toMatchObject(expected);
      const res = await post(s, 'POST', '/api/orders', body);
      expect(res.status, label).toBe(201);
      const { order } = (await res.json()) as { order: Record<string, unknown> };
      expect(order, label).toMatchObject({ ...expected, symbol: SYMBOL, price: pushed.price, type: 'limit' });
    }
    // What push refuses is refused in its words, naming the allowed values and what came.
    const bye = await post(s, 'POST', '/api/orders', { symbol: SYMBOL, side: 'bye', amount: 0.01, price });
    expect(bye.status).toBe(400);
    expect(await bye.json()).toEqual({ error: expect.stringMatching(/: side must be buy or sell, got "bye"$/) as unknown, field: 'side' });
  });

  it('PATCH /api/orders/:id refuses a string price or amount as orders.amend does, and leaves the order alone', async () => {
    const { u, clock, s } = await rig();
    const price = Math.round(u.state.get<Record<string, number>>('last_price')[SYMBOL]! * 0.8);
    const order = u.pendingOrders.push({ symbol: SYMBOL, side: 'buy', amount: 0.01, price });
    await advanceWithIo(clock, () => order.status === 'open', 30_000);
    for (const [body, field] of [
      [{ price: String(price - 10) }, 'price'],
      [{ amount: '0.02' }, 'amount'],
      [{ price: price - 10, amount: true }, 'amount'],
    ] as const) {
      const label = JSON.stringify(body);
      await expect(u.orders.amend(order.clientOrderId, body as never), label).rejects.toThrow(new RegExp(`${field} must be a number > 0`));
      const res = await post(s, 'PATCH', `/api/orders/${order.clientOrderId}`, body);
      expect(res.status, label).toBe(400);
      const answer = (await res.json()) as { error: string; field: string | null };
      expect(answer, label).toEqual({ error: expect.stringMatching(new RegExp(`${field} must be a number > 0`)) as unknown, field });
    }
    expect(await u.exchange.fetchOrder(order.id!, SYMBOL)).toMatchObject({ price, amount: 0.01, status: 'open' });
  });

  it('a price (or amount) given as a list or an object is refused naming it, in words that say what to send', async () => {
    const { u, clock, s } = await rig();
    const price = Math.round(u.state.get<Record<string, number>>('last_price')[SYMBOL]! * 0.8);
    const base = { symbol: SYMBOL, side: 'buy', amount: 0.01, price };
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ ...base, price: [price] }, 'price', new RegExp(`price must be a number, got a list \\[${price}\\] \\(send one number, not a list\\)`)],
      [{ ...base, price: { value: price } }, 'price', /price must be a number, got an object \{"value":\d+\} \(send one number, not an object\)/],
      [{ ...base, amount: [] }, 'amount', /amount must be a number, got a list \[\] \(send one number, not a list\)/],
    ];
    for (const [body, field, expects] of cases) {
      const res = await post(s, 'POST', '/api/orders', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json(), JSON.stringify(body)).toEqual({ error: expect.stringMatching(expects) as unknown, field });
    }
    // PATCH said `got 51902` for [51902], which reads as a valid price.
    const order = u.pendingOrders.push(base);
    await advanceWithIo(clock, () => order.status === 'open', 30_000);
    for (const [body, expects] of [
      [{ price: [price - 10] }, new RegExp(`^price must be a number > 0, got a list \\[${price - 10}\\] \\(send one number, not a list\\)$`)],
      [{ price: { value: price - 10 } }, /^price must be a number > 0, got an object \{"value":\d+\} \(send one number, not an object\)$/],
    ] as const) {
      const res = await post(s, 'PATCH', `/api/orders/${order.clientOrderId}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json(), JSON.stringify(body)).toEqual({ error: expect.stringMatching(expects) as unknown, field: 'price' });
    }
    expect(await u.exchange.fetchOrder(order.id!, SYMBOL)).toMatchObject({ price, amount: 0.01, status: 'open' });
  });
});

// A hostile review: `amount: 1e-12` answered 201 and the order was rejected a moment later, while
// an unknown symbol was refused at once. What the market cannot take is refused up front too.
describe('control API refuses what the market cannot take, naming the field', () => {
  it('POST /api/orders: an amount or price that rounds to 0, or an order value below the minimum, is a 400 and nothing is written', async () => {
    const { u, s } = await rig();
    const price = Math.round(u.state.get<Record<string, number>>('last_price')[SYMBOL]! * 0.8);
    const limits = u.exchange.market(SYMBOL).limits;
    const base = { symbol: SYMBOL, side: 'buy', amount: 0.01, price };
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ ...base, amount: 1e-12 }, 'amount', new RegExp(`amount 1e-12 rounds to 0 at BTC/USD:USD's amount precision; give at least ${limits.amount!.min!}`)],
      [{ ...base, amount: limits.amount!.min! * 0.6 }, 'amount', /rounds to 0 at .*amount precision/],
      [{ ...base, price: 1e-12 }, 'price', new RegExp(`price 1e-12 rounds to 0 at .*price precision; give at least ${limits.price!.min!}`)],
      // The value comes from the price: named for the amount, with both ways out.
      [{ ...base, price: 1 }, 'amount', new RegExp(`order value 0.01 is below the market minimum ${limits.cost!.min!}: give an amount of at least \\d+ at price 1, or a price of at least \\d+ for amount 0.01`)],
    ];
    const before = u.orders.orders.length;
    for (const [body, field, expects] of cases) {
      const label = JSON.stringify(body);
      const res = await post(s, 'POST', '/api/orders', body);
      expect(res.status, label).toBe(400);
      expect(await res.json(), label).toEqual({ error: expect.stringMatching(expects) as unknown, field });
    }
    expect(u.orders.orders.length).toBe(before);
    const failed = await fetch(`${s.url}/api/orders?status=failed`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(((await failed.json()) as { orders: unknown[] }).orders).toEqual([]);
  });

  it('PATCH /api/orders/:id: an amount that rounds to 0, or a price that puts the value below the minimum, names that field', async () => {
    const { u, clock, s } = await rig();
    const price = Math.round(u.state.get<Record<string, number>>('last_price')[SYMBOL]! * 0.8);
    const order = u.pendingOrders.push({ symbol: SYMBOL, side: 'buy', amount: 0.01, price });
    await advanceWithIo(clock, () => order.status === 'open', 30_000);
    for (const [body, field, expects] of [
      [{ amount: 1e-12 }, 'amount', /amount 1e-12 rounds to 0 at .*amount precision; give at least/],
      [{ price: 1e-12 }, 'price', /price 1e-12 rounds to 0 at .*price precision; give at least/],
      // A new price alone made the value too small: the price is named.
      [{ price: 1 }, 'price', /order value 0.01 is below the market minimum \d+: .*or a price of at least \d+ for amount 0.01/],
    ] as const) {
      const res = await post(s, 'PATCH', `/api/orders/${order.clientOrderId}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json(), JSON.stringify(body)).toEqual({ error: expect.stringMatching(expects) as unknown, field });
    }
    expect(await u.exchange.fetchOrder(order.id!, SYMBOL)).toMatchObject({ price, amount: 0.01, status: 'open' });
  });
});

// A demanding operator: a limit order over orders.risk.max_notional_usd answered 201 and ended
// `rejected` a moment later. What the limits can judge when the order is taken is refused then, by
// the send-time check's own rule and figures; the rest is left to the send, which stays the authority.
describe('control API refuses at once what orders.risk can judge already, naming the field, the limit and the next step', () => {
  const RISK = { max_notional_usd: 1000, price_band_pct: 30 };
  const last = (u: Updater): number => u.state.get<Record<string, number>>('last_price')[SYMBOL]!;
  const amountFor = (u: Updater, usd: number, price: number): number => Number(u.exchange.amountToPrecision(SYMBOL, usd / price));
  const figure = (text: string, re: RegExp): number => Number(re.exec(text)?.[1]);

  it('POST /api/orders: a limit order worth more than max_notional_usd, or priced outside the band, is a 400 and nothing is written; its next step is taken', async () => {
    const { u, clock, s } = await rig(RISK);
    const price = Math.round(last(u) * 0.8);
    const big = { symbol: SYMBOL, side: 'buy', amount: amountFor(u, 3000, price), price };
    const journaled = u.journal.all().length;

    const over = await post(s, 'POST', '/api/orders', big);
    expect(over.status).toBe(400);
    const overBody = (await over.json()) as { error: string; field: string };
    expect(overBody).toEqual({
      error: expect.stringMatching(
        new RegExp(`^order buy ${big.amount} BTC/USD:USD not queued: order value [\\d.]+ USD is over orders\\.risk\\.max_notional_usd \\(1000\\); give an amount of at most ([\\d.]+) at price ${price}$`),
      ) as unknown,
      field: 'amount',
    });
    const far = Math.round(last(u) * 0.5);
    const band = await post(s, 'POST', '/api/orders', { ...big, amount: 0.01, price: far });
    expect(band.status).toBe(400);
    const bandBody = (await band.json()) as { error: string; field: string };
    expect(bandBody.field).toBe('price');
    expect(bandBody.error).toMatch(new RegExp(`^order buy 0.01 BTC/USD:USD not queued: price ${far} is [\\d.]+% from the last price ${last(u)}: over orders\\.risk\\.price_band_pct \\(30\\); give a price between ([\\d.]+) and ([\\d.]+)$`));
    expect(u.journal.all().length).toBe(journaled);
    const failed = await fetch(`${s.url}/api/orders?status=failed`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(((await failed.json()) as { orders: unknown[] }).orders).toEqual([]);

    // The figures the refusals give pass: the largest amount at that price, the band's ends.
    const most = figure(overBody.error, /at most ([\d.]+) at price/);
    const [low, high] = [figure(bandBody.error, /between ([\d.]+) and/), figure(bandBody.error, /and ([\d.]+)$/)];
    expect(low).toBeLessThan(high);
    // On the market's steps, so the exchange's rounding cannot carry them back over the limit.
    expect(Number(u.exchange.amountToPrecision(SYMBOL, most))).toBe(most);
    for (const p of [low, high]) expect(Number(u.exchange.priceToPrecision(SYMBOL, p))).toBe(p);
    for (const body of [{ ...big, amount: most }, { ...big, amount: 0.01, price: low }, { ...big, amount: 0.01, price: high }]) {
      expect((await post(s, 'POST', '/api/orders', body)).status, JSON.stringify(body)).toBe(201);
    }

    // A strategy's push keeps today's path: journaled, then rejected by the send-time check with the same limit.
    const pushed = u.pendingOrders.push(big);
    await advanceWithIo(clock, () => pushed.isFinal, 30_000);
    expect(pushed.status).toBe('rejected');
    expect(pushed.reason).toBe(overBody.error.replace(/^.*? not queued: /, ''));
  });

  it('PATCH /api/orders/:id: a change over max_notional_usd or outside the band is a 400 naming the field changed; nothing is journaled or sent', async () => {
    const { u, clock, s } = await rig(RISK);
    const price = Math.round(last(u) * 0.8);
    // Worth a little under the limit, so a higher price inside the band puts it over.
    const order = u.pendingOrders.push({ symbol: SYMBOL, side: 'buy', amount: amountFor(u, 900, price), price });
    await advanceWithIo(clock, () => order.status === 'open', 30_000);
    const events = u.journal.events(order.clientOrderId).length;
    const dearer = Math.round(last(u) * 0.95);
    for (const [body, field, expects] of [
      [{ amount: order.amount * 4 }, 'amount', /max_notional_usd \(1000\); give an amount of at most [\d.]+ at price \d+ \(the order stays as it was\)$/],
      // The new price alone put the value over the limit: the price is named.
      [{ price: dearer }, 'price', new RegExp(`max_notional_usd \\(1000\\); give an amount of at most [\\d.]+ at price ${dearer} \\(the order stays as it was\\)$`)],
      [{ price: Math.round(last(u) * 0.5) }, 'price', /% from the last price .*: over orders\.risk\.price_band_pct \(30\); give a price between [\d.]+ and [\d.]+ \(the order stays as it was\)$/],
    ] as const) {
      const res = await post(s, 'PATCH', `/api/orders/${order.clientOrderId}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json(), JSON.stringify(body)).toEqual({ error: expect.stringMatching(new RegExp(`^amend of ${order.clientOrderId} not made: .*${expects.source}`)) as unknown, field });
    }
    expect(u.journal.events(order.clientOrderId).length).toBe(events);
    expect(await u.exchange.fetchOrder(order.id!, SYMBOL)).toMatchObject({ price, amount: order.amount, status: 'open' });
    // A change inside the limits still goes out.
    const near = Math.round(last(u) * 0.75);
    expect((await post(s, 'PATCH', `/api/orders/${order.clientOrderId}`, { price: near })).status).toBe(200);
    expect(await u.exchange.fetchOrder(order.id!, SYMBOL)).toMatchObject({ price: near, status: 'open' });
  });

  it('leaves to the send what intake cannot judge surely: the open-order count, and the band without a fresh price held (no ticker request)', async () => {
    const { u, clock, s } = await rig({ ...RISK, max_open_orders: 1 });
    const price = Math.round(last(u) * 0.8);
    const first = u.pendingOrders.push({ symbol: SYMBOL, side: 'buy', amount: 0.01, price });
    await advanceWithIo(clock, () => first.status === 'open', 30_000);
    // One open already: taken (the count may be different when it is sent), then rejected by the send-time check.
    const res = await post(s, 'POST', '/api/orders', { symbol: SYMBOL, side: 'buy', amount: 0.01, price });
    expect(res.status).toBe(201);
    const { clientOrderId } = (await res.json()) as { clientOrderId: string };
    const second = u.orders.orders.find((o) => o.clientOrderId === clientOrderId)!;
    await advanceWithIo(clock, () => second.isFinal, 30_000);
    expect(second.status).toBe('rejected');
    expect(second.reason).toMatch(/orders\.risk\.max_open_orders is 1/);

    // A market outside the watch list has no fresh price held: its band is not judged at intake,
    // and intake asks the exchange nothing; the send judges it.
    const sim = u.exchange as unknown as SimExchange;
    const other = Object.keys(u.exchange.markets ?? {}).find((m) => m !== SYMBOL && m.endsWith(':USD'))!;
    expect(u.state.get<Record<string, number>>('last_price')[other]).toBeUndefined();
    const otherLast = (await u.exchange.fetchTicker(other)).last!;
    const farPrice = Number(u.exchange.priceToPrecision(other, otherLast * 0.5));
    const tickers = sim.counters().calls['fetchTicker'] ?? 0;
    const far = await post(s, 'POST', '/api/orders', { symbol: other, side: 'buy', amount: Number(u.exchange.amountToPrecision(other, 300 / farPrice)), price: farPrice });
    expect(far.status).toBe(201);
    expect(sim.counters().calls['fetchTicker'] ?? 0).toBe(tickers);
  });
});
