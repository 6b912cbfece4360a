import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfigFile, loadConfigText, readConfigText } from '../../src/config/load.js';
import { AlreadyStartedError } from '../../src/core/errors.js';
import { configContext } from '../../src/engine/config-context.js';
import { taskKindTable } from '../../src/engine/task-kinds.js';
import type { Updater } from '../../src/engine/updater.js';
import { startVirtual, virtualUpdater } from '../support/virtual-updater.js';

// Review 25-A and 25-B leftovers: a config with no task started and idled, reported healthy; a
// task name with a tab or newline was taken; a FIFO as the config path hung the check; and
// `registerTask` after `start()` threw a bare Error.

const dir = mkdtempSync(join(tmpdir(), 'misso-no-tasks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let current: Updater | null = null;
afterEach(async () => {
  await current?.stop();
  current = null;
});

const context = () => configContext(taskKindTable());
const BASE = { class_attributes: { watch_list: ['BTC/USD:USD'] }, exchange: { id: 'sim', stream: 'off' } };

describe('an updater with no task at all', () => {
  it('refuses to start with a ConfigError at the tasks: line, building nothing', async () => {
    const file = join(dir, 'empty.yaml');
    writeFileSync(file, 'exchange: {id: sim}\n\ntasks: {}\n');
    const { updater } = await virtualUpdater(null, { file });
    current = updater;
    const error = await updater.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.objectContaining({ file, line: 3, col: 1, path: 'tasks', message: expect.stringContaining('no tasks') }),
    ]);
    expect((error as ConfigError).message).toMatch(/register one in code with `updater\.registerTask` before `start\(\)`/);
    expect((error as ConfigError).message).toContain(`run \`misso check ${file}\` again`);
    // Nothing was opened: no session, so the exchange was never asked for anything.
    expect(() => updater.exchange).toThrow();
  });

  it('a config object with no task is refused the same way, without a line', async () => {
    const { updater } = await virtualUpdater({ ...BASE, tasks: {} });
    current = updater;
    const error = await updater.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]).toMatchObject({ file: '<config object>', line: 0, path: 'tasks' });
    expect((error as ConfigError).message).toContain('in the config object');
  });

  it('starts when a task was registered in code instead', async () => {
    const { updater, clock } = await virtualUpdater({ ...BASE, tasks: {} });
    current = updater;
    let runs = 0;
    updater.registerTask('t_mine', () => void (runs += 1), { freqSecs: 1 });
    await startVirtual(updater, clock);
    await clock.advance(2_500);
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(updater.taskStatuses()['t_mine']).toMatchObject({ ok: true });
  });
});

describe('task names', () => {
  it('a control character in a key or name is a problem at its line, shown quoted', async () => {
    const text = ['exchange: {id: sim}', 'tasks:', '  "tick\\tx": {kind: t_update_tickers, freq: 10}', '  t_update_balance: {name: "bal\\nance", freq: 30}', ''].join('\n');
    const error = await loadConfigText(text, 'c.yaml', context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual([
      expect.objectContaining({ line: 3, path: 'tasks["tick\\tx"]', message: 'task name "tick\\tx" holds a control character' }),
      expect.objectContaining({ line: 4, path: 'tasks.t_update_balance.name', message: 'task name "bal\\nance" holds a control character' }),
    ]);
    // Each problem stays on its one line.
    expect((error as ConfigError).message.split('\n')).toHaveLength(3);
  });

  it('registerTask refuses one with a TypeError, and after start() throws AlreadyStartedError', async () => {
    const { updater, clock } = await virtualUpdater({ ...BASE, tasks: { t_update_tickers: { freq: 10 } } });
    current = updater;
    expect(() => updater.registerTask('t_a\nb', () => undefined)).toThrow(TypeError);
    expect(() => updater.registerTask('t_a\u001b[2J', () => undefined)).toThrow(/may not hold a control character/);
    await startVirtual(updater, clock);
    const late = (): void => updater.registerTask('t_late', () => undefined);
    expect(late).toThrow(AlreadyStartedError);
    expect(late).toThrow(/registerTask\("t_late"\) must be called before start\(\); the updater is running/);
  });
});

describe('a config path that is no regular file', () => {
  it('a named pipe nothing writes to is refused at once instead of waiting for a writer', async () => {
    const fifo = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    // Waited for (a writer may open it after misso), for a bounded time: 10 s, 200 ms here.
    const error = await readConfigText(fifo, 200).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('cannot read the config: the named pipe gave nothing (nothing writes to it)');
  });

  it('a pipe with a writer is read (cat c.yaml | misso check /dev/stdin), as before (review 26 of the diff, #7)', async () => {
    const fifo = join(dir, 'written.yaml');
    execFileSync('mkfifo', [fifo]);
    writeFileSync(join(dir, 'source.yaml'), 'exchange: {id: sim}\ntasks: {t_update_tickers: {freq: 10}}\n');
    // The writer opens the pipe after misso may have, and writes a moment later.
    const writer = spawn('sh', ['-c', `sleep 0.2; exec 3>"${fifo}"; sleep 0.2; cat "${join(dir, 'source.yaml')}" >&3`]);
    try {
      const config = await loadConfigFile(fifo, context());
      expect(config.tasks.map((t) => t.name)).toEqual(['t_update_tickers']);
    } finally {
      writer.kill();
    }
  });

  it('a device is refused too, and a link to a regular file is read', async () => {
    const error = await loadConfigFile('/dev/null', context()).catch((e: unknown) => e);
    expect((error as ConfigError).message).toContain('it is not a regular file (a device)');
    const real = join(dir, 'real.yaml');
    writeFileSync(real, 'exchange: {id: sim}\ntasks: {t_update_tickers: {freq: 10}}\n');
    execFileSync('ln', ['-s', real, join(dir, 'link.yaml')]);
    const config = await loadConfigFile(join(dir, 'link.yaml'), context());
    expect(config.tasks.map((t) => t.name)).toEqual(['t_update_tickers']);
  });
});
