import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { loadUnlessSignalled } from '../../src/cli/signal-while-loading.js';

const io = { stdout: { write: () => true }, stderr: { write: () => true } };

describe('loadUnlessSignalled', () => {
  it('takes its signal handlers off when the load fails (a config refused), as when it succeeds', async () => {
    const signals = new EventEmitter();
    await expect(loadUnlessSignalled(Promise.reject(new Error('c.yaml:1:1: bad')), io, signals)).rejects.toThrow('bad');
    expect([signals.listenerCount('SIGINT'), signals.listenerCount('SIGTERM')]).toEqual([0, 0]);
    await expect(loadUnlessSignalled(Promise.resolve(7), io, signals)).resolves.toBe(7);
    expect([signals.listenerCount('SIGINT'), signals.listenerCount('SIGTERM')]).toEqual([0, 0]);
  });
});
