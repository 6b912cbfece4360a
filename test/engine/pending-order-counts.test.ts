import { describe, expect, it } from 'vitest';
import type { VirtualClock } from '../../src/core/clock.js';
import type { Updater } from '../../src/engine/updater.js';
import { advanceWithIo, virtualUpdater } from '../support/virtual-updater.js';

// ETH has no price task: an order on it waits for a fresh price (orders.require_fresh_price).
const CONFIG = {
  exchange: { id: 'sim', seed: 7 },
  http: { port: 0 },
  orders: { fresh_price_wait_secs: 40 },
  class_attributes: { watch_list: ['BTC/USD:USD'], last_price: {}, open_orders: {} },
  shared_attributes: { pending_orders: { modul: 'queue', function: 'Queue' } },
  tasks: { t_update_tickers: { freq: 1 }, t_execute_orders: {} },
};

async function startWithIo(updater: Updater, clock: VirtualClock): Promise<void> {
  let settled = false;
  const started = updater.start().finally(() => (settled = true));
  started.catch(() => undefined);
  await advanceWithIo(clock, () => settled, 60_000, 50);
  await started;
}

describe('an order waiting for a fresh price is counted as pending everywhere', () => {
  it('/status, misso_orders{status="pending"} and /api/orders?status=open agree for the whole wait', async () => {
    const { updater, clock } = await virtualUpdater(CONFIG);
    try {
      await startWithIo(updater, clock);
      const url = updater.statusUrl!;
      const order = updater.pendingOrders.push({ symbol: 'ETH/USD:USD', side: 'buy', amount: 0.1, price: 1000 });
      // The executor takes it off the queue and waits for a price (40 s).
      await advanceWithIo(clock, () => updater.orders.stats().queued === 0, 5_000, 50);
      await clock.advance(3_000);
      expect(order.status).toBe('pending');

      const status = (await (await fetch(`${url}/status`)).json()) as { orders: { pending: number; open: number } };
      const open = (await (await fetch(`${url}/api/orders?status=open`)).json()) as { orders: { clientOrderId: string; status: string }[] };
      const metrics = await (await fetch(`${url}/metrics`)).text();

      expect(open.orders.map((o) => `${o.clientOrderId}:${o.status}`)).toEqual([`${order.clientOrderId}:pending`]);
      expect(status.orders.pending).toBe(1);
      expect(status.orders.open).toBe(0);
      expect(metrics).toMatch(/^misso_orders\{status="pending"\} 1$/m);
      expect(metrics).toMatch(/^misso_orders\{status="open"\} 0$/m);

      // Refused after the wait: counted nowhere as pending any more.
      await advanceWithIo(clock, () => order.isFinal, 60_000, 250);
      expect(order.status).toBe('rejected');
      const after = (await (await fetch(`${url}/status`)).json()) as { orders: { pending: number } };
      expect(after.orders.pending).toBe(0);
    } finally {
      await updater.stop();
    }
  });
});
