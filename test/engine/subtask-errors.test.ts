import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { StartupError } from '../../src/core/errors.js';
import type { Updater } from '../../src/engine/updater.js';
import { SubtaskError } from '../../src/tasks/subtask.js';
import { startVirtual, virtualUpdater } from '../support/virtual-updater.js';

// A user's attack: an init subtask that throws failed the start with "the init update failed 5
// times; last error: boom", naming neither the task nor the subtask (nor did a periodic
// subtask's lastError). Each now names the task, the subtask, its function and its line.
const HELPERS = resolve(import.meta.dirname, 'fixtures', 'failing-helpers.mjs');
const dir = mkdtempSync(join(tmpdir(), 'misso-subtask-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let current: Updater | null = null;
afterEach(async () => {
  await current?.stop();
  current = null;
});

let n = 0;
/**
 * A config whose `task` (line 3) has `subtask_0` calling `fine` (line 6) and `subtask_1` calling
 * `method` (line 7), beside a ticker task.
 */
function configWith(task: string, method: string, freq?: number, more: string[] = []): string {
  const file = join(dir, `config-${++n}.yaml`);
  const sub = (m: string): string => `{type: async, modul: ${JSON.stringify(HELPERS)}, method: ${m}, input_args: [], target_attr: x}`;
  writeFileSync(
    file,
    [
      'class_attributes: {watch_list: ["BTC/USD:USD"], x: 0}',
      'tasks:',
      `  ${task}:`,
      '    subtasks:',
      `      subtask_0: ${sub('fine')}`,
      `      subtask_1: ${sub(method)}`,
      ...(freq === undefined ? [] : [`    freq: ${freq}`]),
      ...more,
      '  t_update_tickers: {freq: 5}',
      '',
    ].join('\n'),
  );
  return file;
}

/** The name a failure of `subtask_1` of `task` calling `method` carries. */
function named(file: string, task: string, method: string): string {
  return `${file}:6:7: tasks.${task}.subtasks.subtask_1: ${HELPERS}.${method} failed:`;
}

async function started(file: string, lines: string[] = []) {
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const built = await virtualUpdater(null, { file, logger, initAttempts: 2 });
  current = built.updater;
  const events: { name: string; error: Error | null }[] = [];
  built.updater.on('task', (e) => events.push({ name: e.name, error: e.error }));
  const failure = await startVirtual(built.updater, built.clock).then(
    () => null,
    (e: unknown) => e as Error,
  );
  return { ...built, failure, events, lines };
}

describe('a failing subtask names its task, subtask, function and line', () => {
  it('an init subtask: in the start failure, the task health, the task event and the log line', async () => {
    const file = configWith('t_init_update', 'boom');
    const { updater, failure, events, lines } = await started(file);
    const expected = `${named(file, 't_init_update', 'boom')} boom from helper`;
    expect(failure).toBeInstanceOf(StartupError);
    expect(failure!.message).toBe(`the init update failed 2 times; last error: ${expected}`);
    expect(updater.taskStatuses()['t_init_update']).toMatchObject({ ok: false, lastError: expected, lastErrorKind: 'unknown' });
    const event = events.filter((e) => e.name === 't_init_update' && e.error).at(-1)!;
    expect(event.error).toBeInstanceOf(SubtaskError);
    expect(event.error).toMatchObject({ message: expected, taskKey: 't_init_update', subtaskKey: 'subtask_1' });
    expect(((event.error as Error).cause as Error).message).toBe('boom from helper');
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; err?: string; task?: string }).filter((l) => l.msg === 'task failed');
    expect(logged.length).toBe(2);
    for (const line of logged) expect(line).toMatchObject({ task: 't_init_update', err: expected });
  });

  it("a periodic task's subtask is named the same way", async () => {
    const file = configWith('t_update_template', 'asyncBoom', 10);
    const { updater, clock, failure } = await started(file);
    expect(failure).toBeNull();
    await clock.advance(1000);
    expect(updater.taskStatuses()['t_update_template']).toMatchObject({ ok: false, lastError: `${named(file, 't_update_template', 'asyncBoom')} async boom` });
  });

  it('the kind of what was thrown is kept: a bug in a helper is usage, refused credentials still stop the start as such', async () => {
    const bug = await started(configWith('t_update_template', 'readsNull', 10));
    await bug.clock.advance(1000);
    const health = bug.updater.taskStatuses()['t_update_template']!;
    expect(health.lastError).toMatch(/subtask_1: .*readsNull failed: Cannot read properties of null/);
    expect(health.lastErrorKind).toBe('usage');
    // And its class: the subtask's, not the SubtaskError naming it (review 25-B F12).
    expect(health.lastErrorClass).toBe('TypeError');
    await bug.updater.stop();

    const file = configWith('t_init_update', 'refused');
    const auth = await started(file);
    expect(auth.failure).toBeInstanceOf(StartupError);
    expect(auth.failure!.message).toMatch(/^the exchange refused the credentials \(.*subtasks\.subtask_1: .*refused failed: binance .*Invalid API-key/);
    expect(auth.updater.taskStatuses()['t_init_update']).toMatchObject({ lastErrorKind: 'auth', lastErrorClass: 'AuthenticationError', runs: 1, state: 'stopped' });
  });

  it('a subtask that throws an Error without a message still says which one it was', async () => {
    const file = configWith('t_update_template', 'empty', 10);
    const { updater, clock } = await started(file);
    await clock.advance(1000);
    expect(updater.taskStatuses()['t_update_template']!.lastError).toBe(`${named(file, 't_update_template', 'empty')} Error (without a message)`);
  });

  it('an init subtask that hangs: its timeout names the subtask it was stuck in', async () => {
    const file = configWith('t_init_update', 'hangs', undefined, ['    timeout_secs: 5']);
    const { updater, failure } = await started(file);
    const expected = `${named(file, 't_init_update', 'hangs').replace(/ failed:$/, '')} timed out after 5s`;
    expect(failure!.message).toBe(`the init update failed 2 times; last error: ${expected}`);
    expect(updater.taskStatuses()['t_init_update']!.lastError).toBe(expected);
  });
});
