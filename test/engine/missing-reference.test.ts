import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Updater } from '../../src/engine/updater.js';
import { MissingReferenceError } from '../../src/tasks/args.js';
import { SubtaskError } from '../../src/tasks/subtask.js';
import { startVirtual, virtualUpdater } from '../support/virtual-updater.js';

// `self.watch_list_filter.nope.deeper`: the first segment is checked at load, the rest only exists
// at run time. The helper was handed undefined for a key that is not there (the seed's Python
// raised KeyError / AttributeError). Now the pass fails, naming the argument's line.
const HELPERS = resolve(import.meta.dirname, 'fixtures', 'arg-helpers.mjs');
const dir = mkdtempSync(join(tmpdir(), 'misso-missing-ref-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let current: Updater | null = null;
afterEach(async () => {
  await current?.stop();
  current = null;
});

let n = 0;
/** A config whose periodic template task calls `keep(arg)`, the argument on line 8, column 11. */
function configWith(arg: string): string {
  const file = join(dir, `config-${++n}.yaml`);
  writeFileSync(
    file,
    [
      'class_attributes:',
      '  watch_list: ["BTC/USD:USD"]',
      '  watch_list_filter: {info.volumeUsd24h: {value: 2000000, type: greater_or_equal}, unset: None}',
      '  got: 0',
      'tasks:',
      '  t_update_template:',
      '    freq: 10',
      `    subtasks: {subtask_0: {type: standard, modul: ${JSON.stringify(HELPERS)}, method: keep, target_attr: got, input_args: [`,
      `          ${JSON.stringify(arg)}]}}`,
      '',
    ].join('\n'),
  );
  return file;
}

async function started(file: string) {
  const built = await virtualUpdater(null, { file });
  current = built.updater;
  const errors: unknown[] = [];
  built.updater.on('task', (e) => {
    if (e.name === 't_update_template' && e.error) errors.push(e.error);
  });
  await startVirtual(built.updater, built.clock);
  return { ...built, errors };
}

describe('a self. reference whose deeper key is missing at run time', () => {
  it('fails each pass with the reference, the key and the line of the argument, and the helper is not called', async () => {
    const file = configWith('self.watch_list_filter.nope.deeper');
    const { updater, clock, errors } = await started(file);
    await clock.advance(25_000);
    const health = updater.taskStatuses()['t_update_template']!;
    const why = `${file}:9:11: input_args[0] \`self.watch_list_filter.nope.deeper\`: watch_list_filter has no key 'nope' (its keys: info.volumeUsd24h, unset); fix the reference`;
    expect(health).toMatchObject({ ok: false, lastErrorKind: 'usage', lastErrorClass: 'MissingReferenceError' });
    expect(health.lastError).toBe(`${file}:8:16: tasks.t_update_template.subtasks.subtask_0: ${HELPERS}.keep failed: ${why}`);
    // Retried by the supervisor like any failure: every pass fails the same way.
    expect(health.failures).toBeGreaterThanOrEqual(2);
    expect(health.failures).toBe(health.runs);
    expect(updater.state.get<Record<string, boolean>>('system_status')['t_update_template']).toBe(false);
    expect(errors[0]).toBeInstanceOf(SubtaskError);
    expect((errors[0] as Error).cause).toBeInstanceOf(MissingReferenceError);
    expect(updater.state.get('got')).toBe(0);
  });

  it('a key the config set to None is there: the helper gets null, and the pass is ok', async () => {
    const { updater, clock } = await started(configWith('self.watch_list_filter.unset'));
    await clock.advance(1000);
    expect(updater.taskStatuses()['t_update_template']).toMatchObject({ ok: true, failures: 0 });
    expect(updater.state.get('got')).toBeNull();
    expect(updater.state.meta('got')?.source).toBe('t_update_template');
  });

  it('a dotted key of the seed\'s filter reads whole', async () => {
    const { updater, clock } = await started(configWith('self.watch_list_filter.info.volumeUsd24h.value'));
    await clock.advance(1000);
    expect(updater.state.get('got')).toBe(2_000_000);
  });
});
