import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { coerceError } from '../../src/core/errors.js';
import type { Updater } from '../../src/engine/updater.js';
import { startVirtual, virtualUpdater } from '../support/virtual-updater.js';

const FIXTURES = resolve(import.meta.dirname, 'fixtures');
const HOSTILE = ['unreadableMessage', 'throwsUndefined', 'throwsSymbol', 'throwsNullPrototype', 'throwsProxy', 'throwsEmptyError', 'throwsHugeObject'] as const;

let current: Updater | null = null;
afterEach(async () => {
  await current?.stop();
  current = null;
});

function task(method: string): Record<string, unknown> {
  return {
    kind: 't_update_template',
    name: method,
    freq: 10,
    subtasks: { subtask_0: { type: 'standard', modul: './hostile-helper.mjs', method, input_args: [], target_attr: null } },
  };
}

describe('nothing a helper throws ends its task loop', () => {
  it('every hostile throw is a failed pass with readable lastError, and the loop keeps running', async () => {
    const tasks = Object.fromEntries(HOSTILE.map((m) => [m, task(m)]));
    const { updater, clock } = await virtualUpdater({ tasks }, { baseDir: FIXTURES });
    current = updater;
    await startVirtual(updater, clock);
    await clock.advance(120_000);
    expect(updater.phase).toBe('running');
    for (const name of HOSTILE) {
      const status = updater.taskStatuses()[name]!;
      expect(status.state, name).not.toBe('stopped');
      expect(status.runs, name).toBeGreaterThanOrEqual(3);
      expect(status.failures, name).toBe(status.runs);
      expect(typeof status.lastError, name).toBe('string');
      expect(status.lastError!.length, name).toBeGreaterThan(0);
      expect(typeof status.lastErrorKind, name).toBe('string');
    }
    expect(updater.taskStatuses()['throwsSymbol']!.lastError).toContain('Symbol(boom)');
    expect(updater.taskStatuses()['throwsUndefined']!.lastError).toContain('undefined');
    expect(updater.taskStatuses()['throwsEmptyError']!.lastError).toBe(
      'tasks.throwsEmptyError.subtasks.subtask_0: ./hostile-helper.mjs.throwsEmptyError failed: Error (without a message)',
    );
    // What was thrown is cut to a status line; the subtask's name comes before it.
    expect(updater.taskStatuses()['throwsHugeObject']!.lastError!.split(' failed: ')[1]!.length).toBeLessThanOrEqual(1001);
    // The state-out and status views serialise without tripping over any of them.
    expect(() => JSON.stringify(updater.snapshot())).not.toThrow();
    expect(() => JSON.stringify(updater.snapshotStatus())).not.toThrow();
  });

  it('coerceError always gives an Error whose message and name are strings', async () => {
    const { throwsProxy, unreadableMessage, throwsNullPrototype } = (await import(pathToFileURL(resolve(FIXTURES, 'hostile-helper.mjs')).href)) as Record<string, () => never>;
    const thrown: unknown[] = [undefined, null, Symbol('s'), 42n, () => 1];
    for (const fn of [throwsProxy, unreadableMessage, throwsNullPrototype]) {
      try {
        fn!();
      } catch (error: unknown) {
        thrown.push(error);
      }
    }
    for (const value of thrown) {
      const error = coerceError(value);
      expect(error).toBeInstanceOf(Error);
      expect(typeof error.message).toBe('string');
      expect(error.message.length).toBeGreaterThan(0);
      expect(typeof error.name).toBe('string');
    }
  });
});
