import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadModule } from '../../src/engine/module-registry.js';
import type { Updater } from '../../src/engine/updater.js';
import { startVirtual, virtualUpdater } from '../support/virtual-updater.js';

let current: Updater | null = null;
afterEach(async () => {
  await current?.stop();
  current = null;
});

describe('user helper modules and task kinds (examples/user-helper)', () => {
  it('runs helpers from ./my-helpers.ts and the kind ./my-tasks.ts#t_count_updates', async () => {
    const { updater, clock } = await virtualUpdater(null, { file: 'examples/user-helper/config.yaml' });
    current = updater;
    await startVirtual(updater, clock);
    await clock.advance(10_500);
    const spreads = updater.state.get<Record<string, number>>('spreads');
    expect(Object.keys(spreads).sort()).toEqual(['BTC/USD:USD', 'ETH/USD:USD', 'SOL/USD:USD']);
    for (const bps of Object.values(spreads)) expect(bps).toBeGreaterThan(0);
    // The standard (plain) helper ran on the async one's result.
    const widest = updater.state.get<string[]>('widest_symbols');
    expect(widest).toHaveLength(2);
    expect(spreads[widest[0]!]).toBeGreaterThanOrEqual(spreads[widest[1]!]!);
    // The user kind ran every second under the supervisor.
    expect(updater.state.get<number>('update_count')).toBeGreaterThanOrEqual(10);
    expect(updater.taskStatuses()['count_updates']).toMatchObject({ kind: './my-tasks.ts#t_count_updates', ok: true });
  });

  it("finds a helper package in the config's project (its node_modules), and says why one fails to load", async () => {
    const project = mkdtempSync(join(tmpdir(), 'misso-pkg-'));
    const pkg = (name: string, main: string): void => {
      mkdirSync(join(project, 'node_modules', name), { recursive: true });
      writeFileSync(join(project, 'node_modules', name, 'package.json'), JSON.stringify({ name, main: 'index.js' }));
      writeFileSync(join(project, 'node_modules', name, 'index.js'), main);
    };
    pkg('project-helpers', 'module.exports = { double: (x) => 2 * x };\n');
    pkg('broken-helpers', 'throw new Error("DB_URL is not set");\n');
    const mod = await loadModule('project-helpers', project);
    expect((mod['double'] as (x: number) => number)(21)).toBe(42);
    await expect(loadModule('broken-helpers', project)).rejects.toThrow(/^cannot import package 'broken-helpers': DB_URL is not set \(built-in modules/);
    await expect(loadModule('not-installed-anywhere', project)).rejects.toThrow(/^cannot import package 'not-installed-anywhere': Cannot find package/);
    // An ESM-only package (exports for `import` only), and a dual one: its ES module build, as `import` would load.
    const esm = (name: string, pkgJson: Record<string, unknown>, files: Record<string, string>): void => {
      mkdirSync(join(project, 'node_modules', name), { recursive: true });
      writeFileSync(join(project, 'node_modules', name, 'package.json'), JSON.stringify({ name, ...pkgJson }));
      for (const [file, text] of Object.entries(files)) writeFileSync(join(project, 'node_modules', name, file), text);
    };
    esm('esm-only', { type: 'module', exports: { '.': { import: './index.js' } } }, { 'index.js': 'export const which = "esm-only";\n' });
    esm('dual', { exports: { import: './esm.mjs', require: './cjs.cjs' } }, { 'esm.mjs': 'export const which = "esm";\n', 'cjs.cjs': 'exports.which = "cjs";\n' });
    const sub = join(project, 'configs', 'deeper');
    mkdirSync(sub, { recursive: true });
    expect((await loadModule('esm-only', sub))['which']).toBe('esm-only');
    expect((await loadModule('dual', sub))['which']).toBe('esm');
  });

  it('a helper whose top level never finishes loading fails, saying so, instead of hanging the check', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'misso-hang-'));
    writeFileSync(join(dir, 'stuck.mjs'), 'await new Promise(() => {});\nexport const f = 1;\n');
    await expect(loadModule('./stuck.mjs', dir, 200)).rejects.toThrow('./stuck.mjs did not finish loading within 0.2 s (a top-level await that never settles?)');
  });
});
