import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Updater } from '../../src/engine/updater.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

const HELPER = resolve(import.meta.dirname, 'fixtures', 'watch-list-shapes.mjs');

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An updater of a config file whose template task stores `method`'s answer into `watch_list` every 10 s. */
async function storing(method: string): Promise<{ updater: Updater; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'misso-wl-store-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'wl.yaml');
  writeFileSync(
    file,
    [
      'class_attributes:',
      '  watch_list: ["BTC/USD:USD"]',
      'tasks:',
      '  t_update_template:',
      '    name: store_wl',
      '    freq: 10',
      '    subtasks:',
      `      s0: {type: standard, modul: ${JSON.stringify(HELPER)}, method: ${method}, target_attr: watch_list}`,
      'storage: {path: ":memory:"}',
      '',
    ].join('\n'),
  );
  const { updater, clock } = await virtualUpdater(null, { file });
  cleanups.push(() => updater.stop());
  await startVirtual(updater, clock);
  await advanceWithIo(clock, () => (updater.taskStatuses()['store_wl']?.runs ?? 0) >= 1, 30_000);
  return { updater, file };
}

describe('a subtask storing into watch_list', () => {
  it.each([
    ['wl_string', 'a string'],
    ['wl_number', 'a number'],
  ])('%s: the store is refused, the pass fails at the subtask\'s line, and the watch list held is kept', async (method, got) => {
    const { updater, file } = await storing(method);
    const task = updater.taskStatuses()['store_wl']!;
    expect(task.ok).toBe(false);
    expect(task.lastError).toBe(
      `${file}:8:7: tasks.t_update_template.subtasks.s0: ${HELPER}.${method} failed: \`watch_list\` must be a list of symbols (or None), got ${got}; return a list of symbols from the helper, e.g. ["BTC/USD:USD"]`,
    );
    expect(updater.state.get('watch_list')).toEqual(['BTC/USD:USD']);
  });

  it.each([
    ['wl_list', ['BTC/USD:USD', 'ETH/USD:USD']],
    ['wl_dict', { 'BTC/USD:USD': [1, 2], 'ETH/USD:USD': [1, 2] }],
  ])('%s: a list, or a map keyed by symbols, is stored', async (method, value) => {
    const { updater } = await storing(method);
    expect(updater.taskStatuses()['store_wl']!.ok).toBe(true);
    expect(updater.state.get('watch_list')).toEqual(value);
  });
});

describe("the seed's get_ohlcv_data template with a symbol the exchange does not list", () => {
  it('updates the listed symbols\' candles and stays up', async () => {
    const config = {
      class_attributes: { watch_list: ['BTC/USD:USD', 'BTCUSDT', 'FOO/USD:USD'], ohlcs: {} },
      tasks: {
        t_update_template: {
          name: 'update_ohlcv',
          freq: 2,
          subtasks: {
            s0: { type: 'async', modul: 'Misso.services.async_helper', method: 'get_ohlcv_data', input_args: ['self.aftx', 'self.watch_list', '1m', 10], target_attr: 'ohlcs' },
          },
        },
      },
    };
    const { updater, clock } = await virtualUpdater(config);
    cleanups.push(() => updater.stop());
    await startVirtual(updater, clock);
    await advanceWithIo(clock, () => (updater.taskStatuses()['update_ohlcv']?.runs ?? 0) >= 2, 30_000);
    const task = updater.taskStatuses()['update_ohlcv']!;
    expect(task.lastError).toBeNull();
    expect(task.ok).toBe(true);
    const ohlcs = updater.state.get('ohlcs') as Record<string, unknown[]>;
    expect(Object.keys(ohlcs)).toEqual(['BTC/USD:USD']);
    expect(ohlcs['BTC/USD:USD']).toHaveLength(10);
  });
});
