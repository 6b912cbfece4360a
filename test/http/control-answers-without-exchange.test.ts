import { afterEach, describe, expect, it } from 'vitest';
import type { Updater } from '../../src/engine/updater.js';
import { startStatusServer, type StatusServer } from '../../src/http/status-server.js';
import { createSimExchange } from '../../src/sim/sim-exchange.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

// Review (review-user): README says the control API answers 502 "when no answer came from the
// exchange". Against misso sim-server with `hang:1:path=order`, `PATCH` and `DELETE
// /api/orders/:id` gave no HTTP answer at all for over 120 s (curl -m 120 gave up): the route
// awaits a cancel/amend whose lookups retry until the exchange answers again.
const TOKEN = 'ctl-token-review';
let updater: Updater | null = null;
let server: StatusServer | null = null;
afterEach(async () => {
  await server?.close();
  await updater?.stop();
  server = null;
  updater = null;
});

describe('control API when the exchange does not answer', () => {
  it('DELETE /api/orders/:id answers (502) within ten minutes instead of hanging', async () => {
    let sim: ReturnType<typeof createSimExchange> | null = null;
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
    const { clock } = built;
    updater = built.updater;
    server = await startStatusServer({ source: updater.statusSource(), clock, processMetrics: false, token: TOKEN });
    await startVirtual(updater, clock);
    const price = Math.round(updater.state.get<Record<string, number>>('last_price')['BTC/USD:USD']! * 0.8);
    const order = updater.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01, price });
    await advanceWithIo(clock, () => order.status === 'open', 30_000);

    // From now on no order call gets an answer: each times out after 5 s.
    sim!.setKnobs({
      timeout_delay_ms: 5_000,
      faults: [{ kind: 'timeout_before', probability: 1, methods: ['cancelOrder', 'fetchOrder', 'fetchOrders', 'fetchOpenOrders', 'fetchClosedOrders'] }],
    });
    let status: number | null = null;
    void fetch(`${server.url}/api/orders/${order.clientOrderId}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } }).then(
      (res) => (status = res.status),
      () => (status = -1),
    );
    await advanceWithIo(clock, () => status !== null, 600_000, 1_000).catch(() => undefined);
    const answered = status;
    // Let the exchange answer again so the updater and the server can shut down on virtual time.
    sim!.setKnobs({ faults: [] });
    await advanceWithIo(clock, () => status !== null, 600_000, 1_000).catch(() => undefined);
    let stopped = false;
    void updater.stop().then(() => (stopped = true));
    await advanceWithIo(clock, () => stopped, 600_000, 100).catch(() => undefined);
    expect(answered).toBe(502);
  });
});
