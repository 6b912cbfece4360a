import { afterEach, describe, expect, it } from 'vitest';
import type { VirtualClock } from '../../src/core/clock.js';
import type { Updater } from '../../src/engine/updater.js';
import { startStatusServer, type StatusServer } from '../../src/http/status-server.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

const WATCH = ['BTC/USD:USD', 'ETH/USD:USD'];
const TOKEN = 'ctl-token-5d1e';

function config(): Record<string, unknown> {
  return {
    class_attributes: { watch_list: WATCH, last_price: {}, total_capital: 0, free_capital: 0, open_orders: {}, stop_updates: false, wl_ranges: { 'BTC/USD:USD': [50000, 40000] } },
    shared_attributes: { pending_orders: { modul: 'queue', function: 'Queue' } },
    tasks: {
      t_update_tickers: { name: 'update_tickers', freq: 10, max_age_secs: 3600 },
      t_update_balance: { name: 'update_balance', freq: 30 },
      t_get_open_positions: { name: 'update_positions', freq: 10 },
      t_execute_orders: { name: 'execute_orders', freq: 5 },
      t_update_open_orders: { name: 'update_open_orders', freq: 5 },
    },
    // Listed so the engine's redactor knows the token as a secret (the server gets it below).
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

async function rig(options: { token?: string | null; rate?: { max: number; windowMs: number } } = {}): Promise<{ updater: Updater; clock: VirtualClock; server: StatusServer }> {
  const built = await virtualUpdater(config(), { env: { MISSO_HTTP_TOKEN: TOKEN } });
  updater = built.updater;
  server = await startStatusServer({
    source: updater.statusSource(),
    clock: built.clock,
    processMetrics: false,
    token: options.token === undefined ? TOKEN : options.token,
    ...(options.rate ? { controlRateLimit: options.rate } : {}),
  });
  await startVirtual(updater, built.clock);
  await built.clock.advance(1000);
  return { updater, clock: built.clock, server };
}

/** A buy resting well below the market, open on the exchange. */
async function resting(u: Updater, clock: VirtualClock) {
  const price = Math.round(u.state.get<Record<string, number>>('last_price')['BTC/USD:USD']! * 0.8);
  const order = u.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01, price });
  await advanceWithIo(clock, () => order.status === 'open', 30_000);
  return order;
}

function call(s: StatusServer, method: string, path: string, body?: unknown, token: string | null = TOKEN): Promise<Response> {
  const headers: Record<string, string> = {};
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${s.url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
}

async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

describe('control API: orders', () => {
  it('POST /api/orders queues an order: 201 with its client id, then it rests on the exchange', async () => {
    const { updater: u, clock, server: s } = await rig();
    const price = Math.round(u.state.get<Record<string, number>>('last_price')['BTC/USD:USD']! * 0.8);
    const res = await call(s, 'POST', '/api/orders', { symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01, price });
    expect(res.status).toBe(201);
    const body = await json<{ clientOrderId: string; order: { status: string; price: number } }>(res);
    expect(body.clientOrderId).toMatch(/^[A-Za-z0-9_-]{1,36}$/);
    expect(body.order).toMatchObject({ status: 'pending', price, symbol: 'BTC/USD:USD' });
    const order = u.orders.orders.find((o) => o.clientOrderId === body.clientOrderId)!;
    await advanceWithIo(clock, () => order.status === 'open', 30_000);
    const open = await json<{ orders: { clientOrderId: string; status: string }[] }>(await call(s, 'GET', '/api/orders?status=open'));
    expect(open.orders).toEqual([expect.objectContaining({ clientOrderId: body.clientOrderId, status: 'open' })]);
  });

  it('POST /api/orders answers 400 naming the bad field', async () => {
    const { server: s } = await rig();
    const cases: [unknown, string][] = [
      [{ side: 'buy', amount: 1, price: 10 }, 'symbol'],
      [{ symbol: 'BTC/USD:USD', side: 'hold', amount: 1, price: 10 }, 'side'],
      [{ symbol: 'BTC/USD:USD', side: 'buy', amount: -1, price: 10 }, 'amount'],
      [{ symbol: 'BTC/USD:USD', side: 'buy', amount: 1, price: 10, colour: 'red' }, 'colour'],
      [{ symbol: 'NOPE/USD:USD', side: 'buy', amount: 1, price: 10 }, 'symbol'],
      [{ symbol: 'BTC/USD:USD', side: 'buy', amount: 1, type: 'limit' }, 'price'],
    ];
    for (const [body, field] of cases) {
      const res = await call(s, 'POST', '/api/orders', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const answer = await json<{ error: string; field: string }>(res);
      expect(answer.field, JSON.stringify(body)).toBe(field);
      expect(answer.error).toContain(field);
    }
    const text = await fetch(`${s.url}/api/orders`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' }, body: 'x' });
    expect(text.status).toBe(415);
  });

  it('DELETE /api/orders/:id cancels on the exchange; 404 for an unknown id, 409 for a finished one', async () => {
    const { updater: u, clock, server: s } = await rig();
    const order = await resting(u, clock);

    const res = await call(s, 'DELETE', `/api/orders/${order.clientOrderId}`);
    expect(res.status).toBe(200);
    expect((await json<{ order: { clientOrderId: string; status: string } }>(res)).order).toMatchObject({ clientOrderId: order.clientOrderId, status: 'canceled' });
    // The simulated venue itself holds the order as canceled, not just the engine's view.
    expect((await u.exchange.fetchOrder(order.id!, 'BTC/USD:USD')).status).toBe('canceled');
    expect(order.status).toBe('canceled');

    const unknown = await call(s, 'DELETE', '/api/orders/nope-1');
    expect(unknown.status).toBe(404);
    expect(await json(unknown)).toMatchObject({ field: 'clientOrderId', error: expect.stringContaining('nope-1') });
    const again = await call(s, 'DELETE', `/api/orders/${order.clientOrderId}`);
    expect(again.status).toBe(409);
    expect((await json<{ error: string }>(again)).error).toContain('already canceled');
    const recent = await json<{ orders: { clientOrderId: string; status: string }[] }>(await call(s, 'GET', '/api/orders?status=recent'));
    expect(recent.orders[0]).toMatchObject({ clientOrderId: order.clientOrderId, status: 'canceled' });
  });

  it('PATCH /api/orders/:id changes the price on the exchange; refusals are 409, bad changes 400, unknown ids 404', async () => {
    const { updater: u, clock, server: s } = await rig();
    const order = await resting(u, clock);
    const price = order.price!;

    const res = await call(s, 'PATCH', `/api/orders/${order.clientOrderId}`, { price: price - 10 });
    expect(res.status).toBe(200);
    // The answer is the live order (edited in place, or its replacement), at its new price on the exchange.
    const live = (await json<{ order: { clientOrderId: string; id: string; price: number; status: string } }>(res)).order;
    expect(live).toMatchObject({ price: price - 10, status: 'open' });
    const onExchange = await u.exchange.fetchOrder(live.id, 'BTC/USD:USD');
    expect(onExchange).toMatchObject({ price: price - 10, status: 'open' });

    // Beyond the market's amount limit: refused before it is sent, as a new intent would be
    // (a bad change, 400), and the order stays as it was.
    const refused = await call(s, 'PATCH', `/api/orders/${live.clientOrderId}`, { amount: 1000 });
    expect(refused.status).toBe(400);
    expect((await json<{ error: string }>(refused)).error).toMatch(/amount 1000 is above the market maximum/);
    expect(await u.exchange.fetchOrder(live.id, 'BTC/USD:USD')).toMatchObject({ price: price - 10, amount: 0.01, status: 'open' });

    const empty = await call(s, 'PATCH', `/api/orders/${live.clientOrderId}`, {});
    expect(empty.status).toBe(400);
    const bad = await call(s, 'PATCH', `/api/orders/${live.clientOrderId}`, { price: 'low' });
    expect(bad.status).toBe(400);
    expect((await json<{ field: string }>(bad)).field).toBe('price');
    expect((await call(s, 'PATCH', '/api/orders/nope-1', { price: 10 })).status).toBe(404);

    expect((await call(s, 'DELETE', `/api/orders/${live.clientOrderId}`)).status).toBe(200);
    const finished = await call(s, 'PATCH', `/api/orders/${live.clientOrderId}`, { price: price - 20 });
    expect(finished.status).toBe(409);
    expect((await json<{ error: string }>(finished)).error).toBe('not amended: order already canceled');
  });

  it('DELETE /api/orders cancels every matching order on the exchange, narrowed by symbol and side', async () => {
    const { updater: u, clock, server: s } = await rig();
    const btcBuy = await resting(u, clock);
    const btcBuy2 = await resting(u, clock);
    const eth = u.state.get<Record<string, number>>('last_price')['ETH/USD:USD']!;
    const ethBuy = u.pendingOrders.push({ symbol: 'ETH/USD:USD', side: 'buy', amount: 0.1, price: Math.round(eth * 0.8) });
    await advanceWithIo(clock, () => ethBuy.status === 'open', 30_000);

    const none = await json<{ results: unknown[] }>(await call(s, 'DELETE', `/api/orders?symbol=${encodeURIComponent('BTC/USD:USD')}&side=sell`));
    expect(none.results).toEqual([]);
    const res = await call(s, 'DELETE', `/api/orders?symbol=${encodeURIComponent('BTC/USD:USD')}&side=buy`);
    expect(res.status).toBe(200);
    const { results } = await json<{ results: { order: { clientOrderId: string }; outcome: string; reason: string | null }[] }>(res);
    expect(results.map((r) => [r.order.clientOrderId, r.outcome]).sort()).toEqual([[btcBuy.clientOrderId, 'canceled'], [btcBuy2.clientOrderId, 'canceled']].sort());
    for (const o of [btcBuy, btcBuy2]) expect((await u.exchange.fetchOrder(o.id!, 'BTC/USD:USD')).status).toBe('canceled');
    expect((await u.exchange.fetchOrder(ethBuy.id!, 'ETH/USD:USD')).status).toBe('open');

    expect((await call(s, 'DELETE', '/api/orders?side=hold')).status).toBe(400);
    expect((await call(s, 'DELETE', '/api/orders', undefined, null)).status).toBe(401);
    const all = await json<{ results: { order: { clientOrderId: string }; outcome: string }[] }>(await call(s, 'DELETE', '/api/orders'));
    expect(all.results).toEqual([expect.objectContaining({ order: expect.objectContaining({ clientOrderId: ethBuy.clientOrderId }), outcome: 'canceled' })]);
    expect((await u.exchange.fetchOrder(ethBuy.id!, 'ETH/USD:USD')).status).toBe('canceled');
  });

  // A user's client sends `content-type: application/json` on every request: a DELETE with an
  // empty body was a 400 ("the body is empty"). An empty body is no body.
  it('a bodiless route takes an empty body sent as application/json; a route that needs one says what it takes', async () => {
    const { updater: u, clock, server: s } = await rig();
    const order = await resting(u, clock);
    const empty = (method: string, path: string): Promise<Response> =>
      fetch(`${s.url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '' });
    const del = await empty('DELETE', `/api/orders/${order.clientOrderId}`);
    expect(del.status).toBe(200);
    expect((await json<{ order: { status: string } }>(del)).order.status).toBe('canceled');
    expect((await u.exchange.fetchOrder(order.id!, 'BTC/USD:USD')).status).toBe('canceled');
    const all = await empty('DELETE', '/api/orders');
    expect(all.status).toBe(200);
    expect(await json(all)).toEqual({ results: [] });
    const restarts = u.snapshotStatus().exchange.restarts;
    expect((await empty('POST', '/api/control/restart-exchange')).status).toBe(202);
    await advanceWithIo(clock, () => u.snapshotStatus().exchange.restarts > restarts, 30_000);
    const post = await empty('POST', '/api/orders');
    expect(post.status).toBe(400);
    expect(await json(post)).toEqual({ error: expect.stringMatching(/^the body is missing: POST \/api\/orders takes a JSON object with symbol, side, amount/) as unknown, field: 'body' });
    const patch = await empty('PATCH', `/api/orders/${order.clientOrderId}`);
    expect(patch.status).toBe(400);
    expect((await json<{ error: string }>(patch)).error).toMatch(/^the body is missing: PATCH \/api\/orders\/:clientOrderId takes a JSON object with price and amount/);
  });

  it('refuses cancel, amend and the open-order list with 503 before the updater has started its orders', async () => {
    const built = await virtualUpdater(config(), { env: { MISSO_HTTP_TOKEN: TOKEN } });
    updater = built.updater;
    server = await startStatusServer({ source: updater.statusSource(), clock: built.clock, processMetrics: false, token: TOKEN });
    // Review 26 #1: an empty 200 here would tell a client that re-places missing orders that the
    // journal's open orders are gone.
    for (const [method, path, body] of [
      ['GET', '/api/orders?status=open', undefined],
      ['DELETE', '/api/orders/abc', undefined],
      ['PATCH', '/api/orders/abc', { price: 10 }],
      ['DELETE', '/api/orders', undefined],
    ] as const) {
      const res = await call(server, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(503);
      expect((await json<{ error: string }>(res)).error).toContain('still starting');
    }
    // The finished orders come from the journal, which holds them whether or not the start is done.
    expect((await call(server, 'GET', '/api/orders?status=recent')).status).toBe(200);
  });

  it('refuses new orders with 503 from the moment a stop begins, and writes nothing', async () => {
    const { updater: u, server: s } = await rig();
    const price = Math.round(u.state.get<Record<string, number>>('last_price')['BTC/USD:USD']! * 0.8);
    const before = u.orders.orders.length;
    const stopping = u.stop();
    const res = await call(s, 'POST', '/api/orders', { symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01, price });
    expect(res.status).toBe(503);
    expect((await json<{ error: string }>(res)).error).toBe('misso is stopping: no new orders are taken, and this one was not (nothing was written); send it again once misso runs');
    expect(() => u.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01, price })).toThrow(/no new orders are taken/);
    expect(u.orders.orders.length).toBe(before);
    server = null;
    await s.close();
    await stopping;
  });

  it('lists failed orders with their reason', async () => {
    const { updater: u, clock, server: s } = await rig();
    // More than the account can pay for: the exchange refuses it.
    const order = u.pendingOrders.push({ symbol: 'ETH/USD:USD', side: 'buy', amount: 1000, price: 1000 });
    await advanceWithIo(clock, () => order.isFinal, 30_000);
    const failed = await json<{ orders: { clientOrderId: string; reason: string | null }[] }>(await call(s, 'GET', '/api/orders?status=failed'));
    const row = failed.orders.find((o) => o.clientOrderId === order.clientOrderId);
    expect(row?.reason).toBeTruthy();
    expect(row?.reason).toBe(order.reason);
    // Counted since start by how it ended, in /status and /metrics alike.
    const counts = await json<{ orders: { failed: number; rejected: number } }>(await call(s, 'GET', '/status'));
    expect(order.status === 'rejected' ? counts.orders.rejected : counts.orders.failed).toBe(1);
    const metrics = await (await call(s, 'GET', '/metrics')).text();
    expect(metrics).toMatch(new RegExp(`misso_orders_${order.status}_total 1\\b`));
  });
});

describe('control API: auth and limits', () => {
  it('every control route needs the bearer token: 401 without it, and Basic is not enough', async () => {
    const { server: s } = await rig();
    const basic = `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`;
    for (const [method, path] of [
      ['POST', '/api/orders'],
      ['DELETE', '/api/orders/abc'],
      ['DELETE', '/api/orders'],
      ['PATCH', '/api/orders/abc'],
      ['POST', '/api/control/stop'],
      ['POST', '/api/control/restart-exchange'],
    ] as const) {
      const refused = await call(s, method, path, {}, null);
      expect(refused.status, `${method} ${path}`).toBe(401);
      // The hint reads as written: not mistaken for a credential by the body's redaction.
      expect((await json<{ error: string }>(refused)).error, `${method} ${path}`).toBe('send Authorization: Bearer <http.token>');
      expect((await call(s, method, path, {}, 'wrong')).status, `${method} ${path}`).toBe(401);
      const res = await fetch(`${s.url}${path}`, { method, headers: { authorization: basic, 'content-type': 'application/json' }, body: '{}' });
      expect(res.status, `${method} ${path} with Basic`).toBe(401);
    }
  });

  it('without http.token, read routes are open on loopback and control routes need the token made up for the run', async () => {
    const { server: s } = await rig({ token: null });
    expect(s.controlToken).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(s.dashboardUrl).toBe(`${s.url}/#token=${s.controlToken}`);
    expect((await call(s, 'GET', '/api/positions', undefined, null)).status).toBe(200);
    const refused = await call(s, 'POST', '/api/control/restart-exchange', undefined, null);
    expect(refused.status).toBe(401);
    // There is no http.token to send: the answer says where this run's token is, as written (not redacted).
    expect(await json(refused)).toEqual({
      error:
        "control routes need Authorization: Bearer <token>, and no http.token is set: this run's token was made up at start, it is the text after #token= in the dashboard address misso printed then (updater.dashboardUrl); open that address, or set http.token to choose one",
      field: null,
    });
    expect((await call(s, 'POST', '/api/control/restart-exchange', undefined, s.controlToken)).status).toBe(202);
  });

  it('control routes have their own rate limit; reads are not counted', async () => {
    const { server: s } = await rig({ rate: { max: 3, windowMs: 60_000 } });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await call(s, 'DELETE', '/api/orders/nope-1')).status);
    expect(codes).toEqual([404, 404, 404, 429, 429]);
    for (let i = 0; i < 5; i++) expect((await call(s, 'GET', '/api/positions')).status).toBe(200);
    const metrics = await (await call(s, 'GET', '/metrics')).text();
    expect(metrics).toMatch(/misso_control_requests_total\{route="DELETE \/api\/orders\/:clientOrderId",outcome="refused"\} 3/);
    expect(metrics).toMatch(/misso_control_requests_total\{route="DELETE \/api\/orders\/:clientOrderId",outcome="rate_limited"\} 2/);
  });

  it('POST /api/control/stop stops the updater; restart-exchange rebuilds the session', async () => {
    const { updater: u, clock, server: s } = await rig();
    const restarts = u.snapshotStatus().exchange.restarts;
    expect((await call(s, 'POST', '/api/control/restart-exchange')).status).toBe(202);
    await advanceWithIo(clock, () => u.snapshotStatus().exchange.restarts > restarts, 30_000);
    const res = await call(s, 'POST', '/api/control/stop');
    expect(res.status).toBe(202);
    await advanceWithIo(clock, () => u.phase === 'stopped', 30_000);
  });
});

describe('control API: read routes', () => {
  it('GET /api/state returns the named attributes and refuses unknown or hidden ones', async () => {
    const { server: s } = await rig();
    const res = await json<{ state: Record<string, unknown> }>(await call(s, 'GET', '/api/state?keys=watch_list,wl_ranges'));
    expect(res.state).toEqual({ watch_list: WATCH, wl_ranges: { 'BTC/USD:USD': [50000, 40000] } });
    for (const keys of ['nope', 'aftx', 'watch_list,pending_orders']) {
      const r = await call(s, 'GET', `/api/state?keys=${keys}`);
      expect(r.status, keys).toBe(404);
    }
    expect((await call(s, 'GET', '/api/state')).status).toBe(400);
  });

  it('GET /api/candles/:symbol returns candles; unknown symbols and timeframes are refused', async () => {
    const { server: s } = await rig();
    const res = await json<{ candles: number[][]; timeframe: string }>(await call(s, 'GET', `/api/candles/${encodeURIComponent('BTC/USD:USD')}?timeframe=5m&limit=50`));
    expect(res.timeframe).toBe('5m');
    expect(res.candles).toHaveLength(50);
    expect(res.candles[1]![0]! - res.candles[0]![0]!).toBe(300_000);
    expect((await call(s, 'GET', `/api/candles/${encodeURIComponent('NOPE/USD:USD')}`)).status).toBe(404);
    // The same suggestion as POST and DELETE /api/orders give: an exchange id, a near miss.
    const id = await call(s, 'GET', '/api/candles/BTCUSD');
    expect(id.status).toBe(404);
    expect(await json(id)).toEqual({ error: "unknown symbol BTCUSD: that is the exchange's id of a market; give the unified symbol: did you mean BTC/USD:USD?", field: 'symbol' });
    expect(await json(await call(s, 'GET', '/api/candles/BTCUSDT'))).toEqual({ error: 'unknown symbol BTCUSDT: the exchange does not list it; did you mean BTC/USD:USD?', field: 'symbol' });
    // A symbol not URL-encoded makes a path no route has: the answer gives the encoded one, which works.
    const raw = await call(s, 'GET', '/api/candles/BTC/USD:USD?limit=5');
    expect(raw.status).toBe(404);
    const said = await json<{ error: string }>(raw);
    expect(said.error).toBe('no route GET /api/candles/BTC/USD:USD; a symbol in the path must be URL-encoded (its / as %2F): GET /api/candles/BTC%2FUSD%3AUSD');
    const encoded = await call(s, 'GET', `${said.error.split(': GET ')[1]!}?limit=5`);
    expect((await json<{ candles: unknown[] }>(encoded)).candles).toHaveLength(5);
    expect((await call(s, 'GET', `/api/candles/${encodeURIComponent('BTC/USD:USD')}?timeframe=7m`)).status).toBe(400);
    expect((await call(s, 'GET', `/api/candles/${encodeURIComponent('BTC/USD:USD')}?limit=0`)).status).toBe(400);
  });

  it('GET /api/positions shows entry, mark, size and unrealised PnL; /metrics has the order latencies', async () => {
    const { updater: u, clock, server: s } = await rig();
    const price = u.state.get<Record<string, number>>('last_price')['ETH/USD:USD']!;
    const order = u.pendingOrders.push({ symbol: 'ETH/USD:USD', side: 'buy', amount: 1, price: Math.round(price * 1.02) });
    await advanceWithIo(clock, () => order.status === 'closed', 30_000);
    await advanceWithIo(clock, () => Object.keys(u.state.get<Record<string, unknown>>('positions')).length > 0, 30_000);
    const { positions } = await json<{ positions: Record<string, unknown>[] }>(await call(s, 'GET', '/api/positions'));
    expect(positions).toEqual([
      expect.objectContaining({ symbol: 'ETH/USD:USD', side: 'long', size: 1, entryPrice: expect.any(Number), markPrice: expect.any(Number), unrealizedPnl: expect.any(Number) }),
    ]);
    // The order went queued → sent → acknowledged → filled: one observation per stage.
    const metrics = await (await call(s, 'GET', '/metrics')).text();
    for (const stage of ['queued_to_sent', 'sent_to_acked', 'acked_to_first_fill']) {
      expect(metrics).toMatch(new RegExp(`misso_order_latency_seconds_count\\{stage="${stage}"\\} 1\\b`));
    }
  });

  it('GET /api/events returns history a late client missed, after a given seq', async () => {
    const { updater: u, clock, server: s } = await rig();
    const order = u.pendingOrders.push({ symbol: 'ETH/USD:USD', side: 'buy', amount: 1000, price: 1000 });
    await advanceWithIo(clock, () => order.isFinal, 30_000);
    const all = await json<{ lastSeq: number; events: { seq: number; type: string; clientOrderId?: string }[] }>(await call(s, 'GET', '/api/events'));
    expect(all.events.some((e) => e.type === 'order' && e.clientOrderId === order.clientOrderId)).toBe(true);
    expect(all.events.some((e) => e.type === 'phase')).toBe(true);
    expect(all.events.every((e) => e.type !== 'prices' && e.type !== 'attribute')).toBe(true);
    expect(all.lastSeq).toBe(all.events.at(-1)!.seq);
    const later = await json<{ events: { seq: number }[] }>(await call(s, 'GET', `/api/events?since=${all.lastSeq - 1}`));
    expect(later.events.map((e) => e.seq)).toEqual([all.lastSeq]);
  });

  it('GET /api/capital has the capital curve since start', async () => {
    const { clock, server: s } = await rig();
    await clock.advance(31_000);
    const { points } = await json<{ points: { at: number; total: number }[] }>(await call(s, 'GET', '/api/capital'));
    expect(points.length).toBeGreaterThanOrEqual(2);
    expect(points[0]!.total).toBeGreaterThan(0);
    expect(points.at(-1)!.at).toBeGreaterThan(points[0]!.at);
  });

  it('/api/openapi.json documents every route from its schema', async () => {
    const { server: s } = await rig();
    const doc = await json<{ openapi: string; paths: Record<string, Record<string, { requestBody?: unknown; parameters?: { name: string }[] }>> }>(
      await call(s, 'GET', '/api/openapi.json'),
    );
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/api')).sort()).toEqual([
      '/api/candles/{symbol}',
      '/api/capital',
      '/api/control/restart-exchange',
      '/api/control/stop',
      '/api/events',
      '/api/orders',
      '/api/orders/{clientOrderId}',
      '/api/positions',
      '/api/state',
    ]);
    expect(Object.keys(doc.paths['/api/orders']!).sort()).toEqual(['delete', 'get', 'post']);
    expect(doc.paths['/api/orders']!['delete']!.parameters!.map((p) => p.name).sort()).toEqual(['side', 'symbol']);
    expect(Object.keys(doc.paths['/api/orders/{clientOrderId}']!).sort()).toEqual(['delete', 'patch']);
    expect(JSON.stringify(doc.paths['/api/orders']!['post']!.requestBody)).toContain('"symbol"');
    expect(doc.paths['/api/candles/{symbol}']!['get']!.parameters!.map((p) => p.name).sort()).toEqual(['limit', 'symbol', 'timeframe']);
  });
});

describe('control API: secrets', () => {
  it('scrubs credentials that reach a state value out of /api answers', async () => {
    const { updater: u, server: s } = await rig();
    u.state.set('wl_ranges', { note: 'GET /fapi/v1/order?symbol=BTCUSDT&signature=abcdef0123456789 failed' }, 'test');
    const body = await (await call(s, 'GET', '/api/state?keys=wl_ranges')).text();
    expect(body).not.toContain('abcdef0123456789');
    expect(body).toContain('[redacted]');
    // By value too: the http token itself never comes back in an answer.
    u.state.set('wl_ranges', { note: `copied ${TOKEN} by mistake` }, 'test');
    const again = await (await call(s, 'GET', '/api/state?keys=wl_ranges')).text();
    expect(again).not.toContain(TOKEN);
    expect(again).toContain('[redacted]');
  });
});
