import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Updater } from '../../src/engine/updater.js';
import { startVirtual, virtualUpdater } from '../support/virtual-updater.js';

const FIXTURES = resolve(import.meta.dirname, 'fixtures');

let current: Updater | null = null;
afterEach(async () => {
  await current?.stop();
  current = null;
});

describe('a helper result that cannot be serialised', () => {
  it('a getter that throws and a BigInt in a stored result leave --state-out and /status readable', async () => {
    const tasks = {
      hostile: {
        kind: 't_update_template',
        freq: 10,
        subtasks: { subtask_0: { type: 'standard', modul: './hostile-helper.mjs', method: 'returnsGetterBomb', input_args: [], target_attr: 'bomb' } },
      },
    };
    const { updater, clock } = await virtualUpdater({ tasks }, { baseDir: FIXTURES });
    current = updater;
    await startVirtual(updater, clock);
    await clock.advance(30_000);
    // --state-out writes exactly this; it threw "getter exploded" (and a BigInt cannot be JSON).
    const written = JSON.parse(JSON.stringify(updater.snapshot())) as { state: Record<string, unknown> };
    expect(written.state['bomb']).toMatch(/^\[not serialisable: /);
    expect(Object.keys(written.state)).toContain('first_update');
    expect(() => JSON.stringify(updater.snapshotStatus())).not.toThrow();
  });
});
