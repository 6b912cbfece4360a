import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { StoppedError } from '../../src/core/errors.js';
import type { Updater } from '../../src/engine/updater.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

const dir = mkdtempSync(join(tmpdir(), 'misso-lifecycle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Counts every call and construction on globalThis, so a second call cannot hide.
writeFileSync(
  join(dir, 'factories.mjs'),
  `const calls = (globalThis.__missoFactoryCalls ??= { plain: 0, klass: 0, failing: 0 });
export function makeBox(size) { calls.plain += 1; return { size }; }
export class Book { constructor(name) { calls.klass += 1; this.name = name; } }
export function failing() { calls.failing += 1; throw new Error('the factory broke'); }
`,
);

function calls(): { plain: number; klass: number; failing: number } {
  return (globalThis as unknown as { __missoFactoryCalls: { plain: number; klass: number; failing: number } }).__missoFactoryCalls;
}

function config(shared: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    class_attributes: { watch_list: ['BTC/USD:USD'] },
    shared_attributes: { pending_orders: { modul: 'queue', function: 'Queue' }, ...shared },
    tasks: { t_update_tickers: { name: 'update_tickers', freq: 10 } },
  };
}

let current: Updater | null = null;
afterEach(async () => {
  await current?.stop();
  current = null;
});

describe('the updater lifecycle', () => {
  it('refuses start() after stop(), and stays stopped', async () => {
    const { updater, clock } = await virtualUpdater(config());
    current = updater;
    await startVirtual(updater, clock);
    expect(updater.phase).toBe('running');
    await updater.stop();
    expect(updater.phase).toBe('stopped');
    const again = updater.start();
    await expect(again).rejects.toBeInstanceOf(StoppedError);
    await expect(again).rejects.toThrow(/start\(\) after stop\(\).*build a new one/);
    expect(updater.phase).toBe('stopped');
  });

  it('refuses orders, cancels and amends after stop() with a StoppedError, not the closed database\'s TypeError', async () => {
    const lines: string[] = [];
    const { updater, clock } = await virtualUpdater(
      { ...config(), tasks: { t_update_tickers: { name: 'update_tickers', freq: 10 }, t_execute_orders: {} }, orders: { require_fresh_price: false } },
      { logger: pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) }) },
    );
    current = updater;
    await startVirtual(updater, clock);
    const o = updater.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01, price: 1000 });
    await clock.advanceUntil(() => o.status === 'open', 30_000, 100);
    const stopping = updater.stop();
    expect(() => updater.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01, price: 1000 })).toThrow(/no new orders are taken: the updater is stopping; once it stopped, build a new Updater to trade again/);
    await stopping;
    expect(() => updater.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01, price: 1000 })).toThrow(StoppedError);
    // Stopped, not stopping (review 25-B F5).
    expect(() => updater.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01, price: 1000 })).toThrow(/no new orders are taken: the updater stopped; build a new Updater to trade again$/);
    await expect(updater.orders.cancel(o)).rejects.toBeInstanceOf(StoppedError);
    await expect(updater.orders.cancelAll()).rejects.toBeInstanceOf(StoppedError);
    await expect(updater.orders.amend(o, { price: 999 })).rejects.toBeInstanceOf(StoppedError);
    expect(lines.filter((l) => l.includes('crashed'))).toEqual([]);
  });

  it('refuses start() after a stop() that came before any start', async () => {
    const { updater } = await virtualUpdater(config());
    current = updater;
    await updater.stop();
    expect(updater.phase).toBe('stopped');
    await expect(updater.start()).rejects.toBeInstanceOf(StoppedError);
  });

  it('reads running only once the start has done its work: never during the init update, while start() is pending', async () => {
    const { updater, clock } = await virtualUpdater(config());
    current = updater;
    // What the status server and a strategy's listener see at the move to running.
    const atRunning: unknown[] = [];
    updater.on('phase', (phase) => {
      if (phase === 'running') atRunning.push({ firstUpdate: updater.state.get('first_update'), ready: updater.snapshotStatus().readiness.init_update });
    });
    let resolved = false;
    const seen: string[] = [];
    const started = updater.start().then(() => void (resolved = true));
    await advanceWithIo(clock, () => {
      seen.push(`${updater.phase}${resolved ? ' (resolved)' : ''}`);
      return resolved;
    }, 60_000, 10);
    await started;
    expect(seen.filter((s) => s === 'running')).toEqual([]);
    expect(seen).toContain('starting');
    expect(seen.at(-1)).toBe('running (resolved)');
    expect(atRunning).toEqual([{ firstUpdate: true, ready: true }]);
    expect(updater.snapshotStatus()).toMatchObject({ phase: 'running', ready: true });
  });

  it('a stop from a listener of running comes after the start was done: start() resolves, the stop goes on', async () => {
    const { updater, clock } = await virtualUpdater(config());
    current = updater;
    let stopping: Promise<void> | null = null;
    updater.on('phase', (phase) => {
      if (phase === 'running') stopping = updater.stop();
    });
    const started = updater.start().then(
      () => 'resolved',
      (err: unknown) => err,
    );
    await advanceWithIo(clock, () => updater.phase === 'stopped', 60_000, 10);
    expect(await started).toBe('resolved');
    expect(stopping).not.toBeNull();
    await stopping;
    expect(updater.phase).toBe('stopped');
  });

  it('returns the same promise for repeated start() calls', async () => {
    const { updater, clock } = await virtualUpdater(config());
    current = updater;
    const first = updater.start();
    expect(updater.start()).toBe(first);
    await startVirtual(updater, clock);
    expect(updater.phase).toBe('running');
  });
});

describe('shared_attributes factories', () => {
  it('calls a function once and constructs a class once, with the args', async () => {
    const before = { ...(calls() ?? { plain: 0, klass: 0, failing: 0 }) };
    const { updater, clock } = await virtualUpdater(
      config({
        box: { modul: './factories.mjs', function: 'makeBox', args: [3] },
        book: { modul: './factories.mjs', function: 'Book', args: ['main'] },
      }),
      { baseDir: dir },
    );
    current = updater;
    await startVirtual(updater, clock);
    expect(updater.state.get('box')).toEqual({ size: 3 });
    expect(updater.state.get<{ name: string }>('book').name).toBe('main');
    expect(calls().plain - before.plain).toBe(1);
    expect(calls().klass - before.klass).toBe(1);
  });

  it('calls a factory that throws once (never again with new) and fails the start', async () => {
    const { updater, clock } = await virtualUpdater(config({ broken: { modul: './factories.mjs', function: 'failing' } }), { baseDir: dir });
    current = updater;
    const before = calls()?.failing ?? 0;
    await expect(startVirtual(updater, clock)).rejects.toThrow('the factory broke');
    expect(calls().failing - before).toBe(1);
    expect(updater.phase).toBe('faulted');
  });
});
