import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'misso-layers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the project's layer rule (`npm run depcheck`'s config) over a made-up src/ tree. */
function cruise(files: Record<string, string>): { code: number | null; out: string } {
  const root = mkdtempSync(join(dir, 'tree-'));
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const bin = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
  const r = spawnSync(process.execPath, [bin, 'src', '--config', join(ROOT, '.dependency-cruiser.cjs')], { cwd: root, encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('the layer rule', () => {
  it('lets a layer import its own layer and the ones below', () => {
    const r = cruise({
      'src/core/clock.ts': 'export const now = (): number => 0;\n',
      'src/config/load.ts': "import { now } from '../core/clock.js';\nexport const at = now();\n",
      'src/orders/queue.ts': "import { at } from '../config/load.js';\nexport const q = at;\n",
      'src/tasks/run.ts': "import { q } from '../orders/queue.js';\nexport const t = q;\n",
      'src/engine/updater.ts': "import { t } from '../tasks/run.js';\nexport const u = t;\n",
      'src/cli/main.ts': "import { u } from '../engine/updater.js';\nexport const m = u;\n",
    });
    expect(r).toMatchObject({ code: 0 });
  }, 60_000);

  it('fails on an import of a higher layer, a type-only one too', () => {
    const r = cruise({
      'src/engine/updater.ts': 'export interface Updater { name: string }\n',
      'src/core/clock.ts': "import type { Updater } from '../engine/updater.js';\nexport type Owner = Updater;\n",
    });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('layer-core: src/core/clock.ts → src/engine/updater.ts');
  }, 60_000);

  it('fails when a task imports the engine (the task contract lives in tasks/)', () => {
    const r = cruise({
      'src/engine/task-kind.ts': 'export interface TaskKind { name: string }\n',
      'src/tasks/update-tickers.ts': "import type { TaskKind } from '../engine/task-kind.js';\nexport const kind: TaskKind = { name: 'x' };\n",
    });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('src/tasks/update-tickers.ts → src/engine/task-kind.ts');
  }, 60_000);

  it('fails on an import cycle inside one layer', () => {
    const r = cruise({
      'src/orders/a.ts': "import { b } from './b.js';\nexport const a = (): number => b();\n",
      'src/orders/b.ts': "import { a } from './a.js';\nexport const b = (): number => a();\n",
    });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('no-circular');
  }, 60_000);
});
