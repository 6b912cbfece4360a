/** `misso check` on a config with no task: refused as `misso run` refuses it, at the `tasks:` line (exit 2). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli as inProcess } from '../support/cli-in-process.js';

const dir = mkdtempSync(join(tmpdir(), 'misso-check-no-tasks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('misso check: no tasks', () => {
  it('exits 2 naming the tasks: line and both ways out, with no summary', async () => {
    for (const tasks of ['tasks: {}', 'tasks: {}   # to do']) {
      const file = join(dir, 'empty.yaml');
      writeFileSync(file, `exchange: {id: sim}\n${tasks}\n`);
      const r = await inProcess(['check', file]);
      expect({ tasks, code: r.code, out: r.out }).toEqual({ tasks, code: 2, out: '' });
      expect(r.err).toContain(`${file}:2:1: tasks: no tasks: misso would start, keep nothing fresh and report healthy`);
      expect(r.err).toContain('`t_update_tickers: {freq: 10}`');
    }
  });
});
