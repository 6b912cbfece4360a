/**
 * On Node 20 an enabled `AsyncLocalStorage` installs a promise hook that every promise of the
 * process pays for (about 2.5× per resolved await), and a streaming engine resolves promises for
 * every frame it reads. misso's two scopes, the start's read retries and a session restart's
 * reconcile hooks, must leave none behind. The hook is process-wide, so this file runs in a
 * process of its own (the integration project's forks).
 */
import ccxt, { type Exchange } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { ScopedStore } from '../../src/core/scoped-store.js';
import { sendWithReadRetries, withReadRetries } from '../../src/exchange/read-retries.js';
import { createExchangeFactory } from '../../src/exchange/factory.js';
import { createExchangeSession } from '../../src/exchange/session.js';
import { promiseHooksOn } from '../support/promise-hooks.js';
import { startVirtual, virtualUpdater } from '../support/virtual-updater.js';
import { exchangeConfig } from './helpers.js';

describe('promise hooks: on only while a scope runs', () => {
  it('ScopedStore installs the hook for its scopes and removes it when the last one settles', async () => {
    const store = new ScopedStore<number>();
    expect(await promiseHooksOn()).toBe(false);
    let release!: () => void;
    const long = store.run(1, () => new Promise<void>((resolve) => (release = resolve)));
    let during = false;
    await store.run(2, async () => {
      during = await promiseHooksOn();
    });
    expect(during).toBe(true);
    // The first scope still runs: the hook stays.
    expect(await promiseHooksOn()).toBe(true);
    release();
    await long;
    expect(await promiseHooksOn()).toBe(false);
    await expect(store.run(3, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await promiseHooksOn()).toBe(false);
  });

  it('the start read retries leave none, and reads outside the scope are sent once', async () => {
    const clock = new VirtualClock();
    let calls = 0;
    const read = (): Promise<string> =>
      sendWithReadRetries('fetchTicker', [], async () => {
        calls++;
        if (calls <= 2) throw new ccxt.ExchangeNotAvailable('503 Service Unavailable');
        return 'ok';
      });
    const scoped = withReadRetries({ clock, logger: silentLogger(), signal: new AbortController().signal, random: () => 0 }, read);
    await clock.advanceUntil(() => calls === 3, 10_000);
    await expect(scoped).resolves.toBe('ok');
    expect(await promiseHooksOn()).toBe(false);
    calls = 0;
    await expect(read()).rejects.toThrow('503');
    expect(calls).toBe(1);
  });

  it("a session restart's reconcile hooks leave none", async () => {
    const clock = new VirtualClock();
    const session = await createExchangeSession({ config: exchangeConfig({ id: 'sim' }), clock, logger: silentLogger() });
    let during = false;
    session.onReopen(async () => {
      during = await promiseHooksOn();
      await session.exchange.fetchTicker('BTC/USD:USD');
    });
    await session.restart();
    await session.close();
    expect(during).toBe(true);
    expect(await promiseHooksOn()).toBe(false);
  });

  it('a restart inside a start read scope: its reconcile reads are retried too, the gate does not hold them, and none is left', async () => {
    const clock = new VirtualClock();
    const config = exchangeConfig({ id: 'sim' });
    const base = createExchangeFactory(config, { clock, logger: silentLogger() });
    // Every instance, the rebuilt one too, answers its first reads with a 503.
    let down = 0;
    const sent: string[] = [];
    const factory = async (): Promise<Exchange> => {
      const ex = await base();
      const fetchTicker = ex.fetchTicker.bind(ex);
      ex.fetchTicker = async (symbol: string) => {
        sent.push(session.restarting ? 'hook' : 'task');
        if (down > 0) {
          down--;
          throw new ccxt.ExchangeNotAvailable('503 Service Unavailable');
        }
        return fetchTicker(symbol);
      };
      return ex;
    };
    const session = await createExchangeSession({ config, clock, logger: silentLogger(), factory });
    const symbol = Object.keys(session.instance.markets ?? {})[0]!;
    let hookRead: unknown;
    session.onReopen(async () => {
      hookRead = await session.exchange.fetchTicker(symbol);
    });
    const stop = new AbortController();
    const start = withReadRetries({ clock, logger: silentLogger(), signal: stop.signal, random: () => 0 }, async () => {
      down = 2;
      const first = await session.exchange.fetchTicker(symbol);
      // The restart is made inside the scope (a once task's control call): its reconcile read
      // fails twice and is retried while the gate is closed, not held there.
      down = 2;
      await session.restart();
      return first;
    });
    await clock.advanceUntil(() => hookRead !== undefined, 60_000);
    await expect(start).resolves.toMatchObject({ symbol });
    expect(sent).toEqual(['task', 'task', 'task', 'hook', 'hook', 'hook']);
    expect(hookRead).toMatchObject({ symbol });
    expect(await promiseHooksOn()).toBe(false);
    // After the scope: a read is sent once.
    down = 1;
    await expect(session.exchange.fetchTicker(symbol)).rejects.toThrow('503');
    expect(sent).toHaveLength(7);
    await session.close();
  });

  it('a running updater, streaming on the simulator after its start, has none', async () => {
    const { updater, clock } = await virtualUpdater(null, { file: 'examples/example.yaml' });
    try {
      await startVirtual(updater, clock);
      await clock.advance(5_000);
      expect(await promiseHooksOn()).toBe(false);
    } finally {
      await updater.stop();
    }
  });

  // Last: should it fail, the scope it leaves open would keep the hook on for the tests after it.
  it('a start read scope whose work never settles leaves none once its signal aborts (a hung init task timed out)', async () => {
    const clock = new VirtualClock();
    const timedOut = new AbortController();
    void withReadRetries({ clock, logger: silentLogger(), signal: timedOut.signal }, () => new Promise<never>(() => undefined));
    expect(await promiseHooksOn()).toBe(true);
    timedOut.abort(new Error('timeout'));
    expect(await promiseHooksOn()).toBe(false);
    // Started after its stop: none either.
    void withReadRetries({ clock, logger: silentLogger(), signal: timedOut.signal }, () => new Promise<never>(() => undefined));
    expect(await promiseHooksOn()).toBe(false);
  });
});
