import { describe, expect, it } from 'vitest';
import { ScopedStore } from '../../src/core/scoped-store.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// Whether the process-wide promise hook is on is asserted in test/exchange/promise-hooks.test.ts.
describe('ScopedStore', () => {
  it('shows each scope its own store through what it awaits, and nothing outside', async () => {
    const store = new ScopedStore<string>();
    const seen: (string | undefined)[] = [];
    const scope = (name: string) =>
      store.run(name, async () => {
        await tick();
        seen.push(store.getStore());
        await Promise.resolve();
        seen.push(store.getStore());
        return name.length;
      });
    const [a, b] = await Promise.all([scope('a'), scope('bb')]);
    expect([a, b]).toEqual([1, 2]);
    expect(seen.sort()).toEqual(['a', 'a', 'bb', 'bb']);
    expect(store.getStore()).toBeUndefined();
    expect(store.running).toBe(0);
  });

  it('settles with the scope: a rejection passes through and the scope ends', async () => {
    const store = new ScopedStore<number>();
    await expect(store.run(1, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(store.running).toBe(0);
    expect(store.getStore()).toBeUndefined();
  });

  it('does not show the store to work a settled scope left running', async () => {
    const store = new ScopedStore<string>();
    let later!: Promise<string | undefined>;
    await store.run('x', async () => {
      later = tick().then(tick).then(() => store.getStore());
    });
    expect(await later).toBeUndefined();
  });

  it('does not show a settled scope its store again while a later scope runs', async () => {
    const store = new ScopedStore<string>();
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    let later!: Promise<string | undefined>;
    // The first scope leaves work behind, waiting on a promise chained inside the scope.
    await store.run('first', async () => {
      later = resumed.then(() => store.getStore());
    });
    expect(store.running).toBe(0);
    let inSecond: string | undefined;
    await store.run('second', async () => {
      resume();
      await tick();
      inSecond = store.getStore();
    });
    expect(inSecond).toBe('second');
    expect(await later).toBeUndefined();
  });

  it('ends a scope when its signal aborts, even if its work never settles', async () => {
    const store = new ScopedStore<string>();
    const stop = new AbortController();
    let seen: Promise<string | undefined> | undefined;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const hung = store.run(
      'hung',
      () => {
        seen = released.then(() => store.getStore());
        return new Promise<never>(() => undefined);
      },
      stop.signal,
    );
    expect(store.running).toBe(1);
    stop.abort();
    expect(store.running).toBe(0);
    // Another scope runs meanwhile: the abandoned one's work does not see its store.
    await store.run('next', async () => {
      release();
      await tick();
    });
    expect(await seen).toBeUndefined();
    void hung;
  });
});
