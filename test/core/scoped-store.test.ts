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
});
