import { describe, expect, it } from 'vitest';
import type { StatusEvent } from '../../src/http/types.js';
import { startVirtual, virtualUpdater } from '../support/virtual-updater.js';

type OrderEvent = Extract<StatusEvent, { type: 'order' }>;

// ETH has no price task: an order on it waits for a fresh price, taken off the queue meanwhile.
const CONFIG = {
  exchange: { id: 'sim', seed: 7 },
  orders: { fresh_price_wait_secs: 40 },
  class_attributes: { watch_list: ['BTC/USD:USD'], last_price: {}, open_orders: {} },
  shared_attributes: { pending_orders: { modul: 'queue', function: 'Queue' } },
  tasks: { t_update_tickers: { freq: 1 }, t_execute_orders: {}, t_update_open_orders: { freq: 1 } },
};

async function rig() {
  const { updater, clock } = await virtualUpdater(CONFIG);
  const events: OrderEvent[] = [];
  updater.on('status', (e) => {
    if (e.type === 'order') events.push(e);
  });
  await startVirtual(updater, clock);
  return { updater, clock, events };
}

describe('order events reach status clients (dashboard, /events)', () => {
  it('queueing an order is published at once, as pending, before anything else happens to it', async () => {
    const { updater, clock, events } = await rig();
    try {
      const kinds: string[] = [];
      updater.orders.on('order', (o, change) => kinds.push(`${o.clientOrderId}:${change.kind}`));
      const order = updater.pendingOrders.push({ symbol: 'ETH/USD:USD', side: 'buy', amount: 0.1, price: 1000 });
      expect(kinds).toEqual([`${order.clientOrderId}:queued`]);
      expect(events.filter((e) => e.clientOrderId === order.clientOrderId).map((e) => e.status)).toEqual(['pending']);
      // Waiting for a price, the executor holds it: no other event, and the one told stays true.
      await clock.advance(5_000);
      expect(order.status).toBe('pending');
      expect(events.filter((e) => e.clientOrderId === order.clientOrderId)).toHaveLength(1);
    } finally {
      await updater.stop();
    }
  });

  it("publishes each order's close once, and each change with its kind (the send's answer, the stream's and the poll's reports of one close are one event)", async () => {
    const { updater, clock, events } = await rig();
    try {
      const order = updater.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.001 });
      await clock.advanceUntil(() => order.status === 'closed', 30_000, 50);
      // The user stream and the open-orders poll report the close again meanwhile.
      await clock.advance(5_000);
      const mine = events.filter((e) => e.clientOrderId === order.clientOrderId);
      expect(mine.map((e) => `${e.from ?? 'new'}>${e.status} ${e.kind}`)).toEqual(['new>pending queued', 'pending>pending sending', 'pending>closed sent:closed']);
      expect(mine.filter((e) => e.status === 'closed')).toHaveLength(1);
    } finally {
      await updater.stop();
    }
  });
});
