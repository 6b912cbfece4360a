/**
 * A strategy's listener that throws stays the strategy's problem: the change it was told of is
 * stored, every other listener (misso's own bookkeeping among them) hears it, the code that
 * made the change goes on, and the error is logged and notified once per event.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Order } from '../../src/orders/order.js';
import { drive, trackedRigs, unseenFills } from '../support/order-rig.js';
import { collectUnhandledRejections } from '../support/unhandled.js';

const { make, cleanup } = trackedRigs();
afterEach(cleanup);

describe('listeners of the order manager that throw', () => {
  it('one put first does not keep misso\'s own listeners from the change: orders are summarised, fills stored, calls go on', async () => {
    const r = await make();
    const failure = new Error('the strategy tripped');
    const heard: string[] = [];
    // Put before misso's own 'order' listener (the closed_trades summary), and a 'fill' one.
    r.manager.prependListener('order', () => {
      throw failure;
    });
    r.manager.on('fill', () => {
      throw failure;
    });
    r.manager.on('fill', (_o, fill) => heard.push(fill.tradeId));
    const { buys, trades } = await unseenFills(r);
    await drive(r.clock, r.manager.updateOpenOrders());
    expect(buys.every((o) => o.isFinal)).toBe(true);
    // Each fill is stored and announced to the listener after the one that threw.
    for (const t of trades) expect(r.manager.applyFill(t)).toBe('new');
    expect(heard).toEqual(trades.map((t) => t.id));
    const filledOf = (o: Order): number => r.manager.fillsOf(o).reduce((s, f) => s + f.amount, 0);
    for (const o of buys) expect(filledOf(o)).toBeCloseTo(o.filled, 9);
    // The summary listener ran after the throwing one, for every finished order.
    expect(r.manager.closedTrades.map((t) => t.clientOrderId).sort()).toEqual(buys.map((o) => o.clientOrderId).sort());
    expect(r.notes.filter((n) => n.text.includes(failure.message)).map((n) => n.text)).toEqual([
      `a 'order' listener of the order manager threw: ${failure.message} (logged each time)`,
      `a 'fill' listener of the order manager threw: ${failure.message} (logged each time)`,
    ]);
  });

  it('keeps once() and removal as EventEmitter has them', async () => {
    const r = await make();
    const calls: string[] = [];
    r.manager.once('journal', () => {
      calls.push('once');
      throw new Error('once, then gone');
    });
    const always = (): void => void calls.push('always');
    r.manager.on('journal', always);
    expect(r.manager.emit('journal', 'a problem')).toBe(true);
    r.manager.off('journal', always);
    expect(r.manager.emit('journal', null)).toBe(false);
    expect(calls).toEqual(['once', 'always']);
    expect(r.manager.listenerCount('journal')).toBe(0);
  });
});

describe('async listeners of the order manager that reject', () => {
  it('are reported as a throw is, not left to end the process as an unhandled rejection', async () => {
    const unhandled = collectUnhandledRejections();
    const r = await make();
    const failure = new Error('the async strategy tripped');
    const heard: string[] = [];
    r.manager.on('fill', async () => {
      await Promise.resolve();
      throw failure;
    });
    r.manager.on('fill', (_o, fill) => heard.push(fill.tradeId));
    const { trades } = await unseenFills(r);
    await drive(r.clock, r.manager.updateOpenOrders());
    for (const t of trades) expect(r.manager.applyFill(t)).toBe('new');
    await new Promise((resolve) => setImmediate(resolve));
    expect(heard).toEqual(trades.map((t) => t.id));
    expect(unhandled).toEqual([]);
    expect(r.notes.filter((n) => n.text.includes(failure.message)).map((n) => n.text)).toEqual([
      `a 'fill' listener of the order manager threw: ${failure.message} (logged each time)`,
    ]);
  });
});
