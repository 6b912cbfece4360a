import { afterEach, describe, expect, it } from 'vitest';
import type { VirtualClock } from '../../src/core/clock.js';
import type { Updater } from '../../src/engine/updater.js';
import type { Order } from '../../src/orders/order.js';
import { startStatusServer, type StatusServer } from '../../src/http/status-server.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

// The control API answers a cancel or an amend within twice exchange.timeout_ms plus 10 s (30 s
// here) even while the exchange answers no order call: 502, saying the work completes in the
// background; the order manager keeps resolving it and the order ends as asked, once.
const TOKEN = 'ctl-token-no-answer';
const ANSWER_MS = 30_000;
const ORDER_CALLS = ['cancelOrder', 'fetchOrder', 'fetchOrders', 'fetchOpenOrders', 'fetchClosedOrders', 'editOrder', 'createOrder'];
let updater: Updater | null = null;
let server: StatusServer | null = null;
let sim: ReturnType<typeof createSimExchange> | null = null;
let clock: VirtualClock | null = null;

afterEach(async () => {
  // Let the exchange answer again so the updater and the server can shut down on virtual time.
  sim?.setKnobs({ faults: [] });
  await server?.close();
  if (updater && clock) {
    let stopped = false;
    void updater.stop().then(() => (stopped = true));
    await advanceWithIo(clock, () => stopped, 600_000, 100);
  }
  server = null;
  updater = null;
  sim = null;
  clock = null;
});

async function restingOrder(): Promise<{ u: Updater; c: VirtualClock; order: Order }> {
  const built = await virtualUpdater(
    {
      class_attributes: { watch_list: ['BTC/USD:USD'], last_price: {} },
      shared_attributes: { pending_orders: { modul: 'queue', function: 'Queue' } },
      tasks: { t_update_tickers: { freq: 10, max_age_secs: 3600 }, t_execute_orders: { freq: 5 } },
      http: { token: '${MISSO_HTTP_TOKEN}' },
    },
    {
      env: { MISSO_HTTP_TOKEN: TOKEN },
      exchangeFactory: () => Promise.resolve((sim ??= createSimExchange({ seed: 7 }, { clock: built.clock }))),
    },
  );
  const c = (clock = built.clock);
  const u = (updater = built.updater);
  server = await startStatusServer({ source: u.statusSource(), clock: c, processMetrics: false, token: TOKEN });
  await startVirtual(u, c);
  const price = Math.round(u.state.get<Record<string, number>>('last_price')['BTC/USD:USD']! * 0.8);
  const order = u.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01, price });
  await advanceWithIo(c, () => order.status === 'open', 30_000);
  // From now on no order call gets an answer: each times out after 5 s.
  sim!.setKnobs({ timeout_delay_ms: 5_000, faults: [{ kind: 'timeout_before', probability: 1, methods: ORDER_CALLS }] });
  return { u, c, order };
}

interface Answer {
  status: number | null;
  body: { error?: string } | null;
  at: number | null;
}

function send(c: VirtualClock, method: 'DELETE' | 'PATCH', path: string, body?: unknown): Answer {
  const answer: Answer = { status: null, body: null, at: null };
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
  const init: RequestInit = { method, headers };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  void fetch(`${server!.url}${path}`, init).then(
    async (res) => {
      answer.body = (await res.json()) as Answer['body'];
      answer.at = c.now();
      answer.status = res.status;
    },
    () => (answer.status = -1),
  );
  return answer;
}

describe('control API when the exchange does not answer', () => {
  it('DELETE /api/orders/:id answers 502 within the deadline, and the cancel completes in the background', async () => {
    const { c, order } = await restingOrder();
    const sentAt = c.now();
    const del = send(c, 'DELETE', `/api/orders/${order.clientOrderId}`);
    await advanceWithIo(c, () => del.status !== null, ANSWER_MS + 10_000, 500).catch(() => undefined);
    expect(del.status).toBe(502);
    expect(del.at! - sentAt).toBeLessThanOrEqual(ANSWER_MS + 1_000);
    expect(del.body?.error).toMatch(/still being resolved and completes in the background/);
    sim!.setKnobs({ faults: [] });
    await advanceWithIo(c, () => order.status === 'canceled', 120_000, 500);
    expect(sim!.getVenue().listOrders().map((o) => o.status)).toEqual(['canceled']);
  });

  it('PATCH /api/orders/:id answers 502 within the deadline', async () => {
    const { c, order } = await restingOrder();
    const sentAt = c.now();
    const patch = send(c, 'PATCH', `/api/orders/${order.clientOrderId}`, { price: Number(order.price) - 1 });
    await advanceWithIo(c, () => patch.status !== null, ANSWER_MS + 10_000, 500).catch(() => undefined);
    expect(patch.status).toBe(502);
    expect(patch.at! - sentAt).toBeLessThanOrEqual(ANSWER_MS + 1_000);
    expect(patch.body?.error).toMatch(/amend is still being resolved/);
  });

  it('a DELETE sent while a PATCH of the same order is pending answers within the deadline too', async () => {
    const { c, order } = await restingOrder();
    const patch = send(c, 'PATCH', `/api/orders/${order.clientOrderId}`, { price: Number(order.price) - 1 });
    await advanceWithIo(c, () => false, 2_000, 500).catch(() => undefined);
    const sentAt = c.now();
    const del = send(c, 'DELETE', `/api/orders/${order.clientOrderId}`);
    await advanceWithIo(c, () => del.status !== null && patch.status !== null, ANSWER_MS + 10_000, 500).catch(() => undefined);
    expect(del.status).toBe(502);
    expect(del.at! - sentAt).toBeLessThanOrEqual(ANSWER_MS + 1_000);
    expect(patch.status).toBe(502);
  });
});
