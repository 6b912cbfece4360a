import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startStatusServer, type StatusServer } from '../../src/http/status-server.js';
import { StorageWriteError } from '../../src/storage/storage-error.js';
import { fillDisk } from '../support/full-disk.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const config = {
  class_attributes: { watch_list: ['BTC/USD:USD'] },
  orders: { require_fresh_price: false },
  tasks: { t_update_tickers: { freq: 10 }, t_execute_orders: { freq: 1 } },
};

describe('disk full while running (issue 8 item 15)', () => {
  it('reports the executor and /readyz down, notifies, holds orders, and sends them once space returns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'misso-disk-full-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const { updater, clock, notifier } = await virtualUpdater(config, { storagePath: join(dir, 'journal.db') });
    cleanups.push(() => updater.stop());
    await startVirtual(updater, clock);
    const server: StatusServer = await startStatusServer({ source: updater.statusSource(), clock, processMetrics: false });
    cleanups.push(() => server.close());
    const readyz = async (): Promise<{ status: number; body: string }> => {
      const res = await fetch(`${server.url}/readyz`);
      return { status: res.status, body: await res.text() };
    };
    const executor = (): { ok: boolean | null; lastError: string | null } => {
      const s = updater.taskStatuses()['t_execute_orders'];
      return { ok: s?.ok ?? null, lastError: s?.lastError ?? null };
    };
    await advanceWithIo(clock, () => executor().ok === true, 10_000);
    expect((await readyz()).status).toBe(200);

    const orders = updater.orders;
    const symbol = 'BTC/USD:USD';
    const last = (updater.state.get('last_price') as Record<string, number>)[symbol] ?? 30_000;
    // Queued (journaled) just before the disk fills; the executor has not picked it up yet.
    const order = orders.queue.push({ symbol, side: 'buy', amount: 0.01, price: Math.round(last * 0.8) });
    const disk = fillDisk(updater.journal.db);

    await advanceWithIo(clock, () => executor().ok === false, 10_000);
    expect(executor().lastError).toMatch(/disk is full/);
    expect(updater.journal.problem).toMatch(/journal .*journal\.db the disk is full/);
    const down = await readyz();
    expect(down.status).toBe(503);
    expect(down.body).toMatch(/journal/);
    expect(notifier.messages.some((m) => m.level === 'error' && /orders held: .*disk is full/.test(m.text))).toBe(true);
    // Held, not sent, not lost: nothing reached the exchange and the order waits, first in line.
    expect(order.status).toBe('pending');
    expect(order.attempts).toBe(0);
    expect(orders.queue.toArray()[0]).toBe(order);
    // The strategy is told when it queues meanwhile.
    expect(() => orders.queue.push({ symbol, side: 'buy', amount: 0.01, price: Math.round(last * 0.8) })).toThrow(StorageWriteError);
    // It stays down while the disk stays full.
    await clock.advance(20_000);
    expect(executor().ok).toBe(false);
    expect(order.status).toBe('pending');

    disk.release();
    await advanceWithIo(clock, () => order.status === 'open', 30_000);
    expect(order.attempts).toBe(1);
    await advanceWithIo(clock, () => executor().ok === true, 10_000);
    expect(updater.journal.problem).toBeNull();
    expect((await readyz()).status).toBe(200);
    expect(notifier.messages.some((m) => /takes writes again: sending resumes/.test(m.text))).toBe(true);
  }, 60_000);
});
