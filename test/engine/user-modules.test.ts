import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfigText } from '../../src/config/load.js';
import { ModuleLoadError } from '../../src/core/errors.js';
import { configContext } from '../../src/engine/config-context.js';
import { loadModule } from '../../src/engine/module-registry.js';
import { taskKindTable } from '../../src/engine/task-kinds.js';
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
    // The package's own error, where its code threw, and a hint about that (not about what a modul may be).
    const broken = await loadModule('broken-helpers', project).catch((e: unknown) => e as ModuleLoadError);
    expect(broken).toBeInstanceOf(ModuleLoadError);
    expect(broken.message).toBe('it threw while loading: Error: DB_URL is not set (at node_modules/broken-helpers/index.js:1:7)');
    expect(broken.hint).toMatch(/^the error is the module's own, thrown by its top-level code as it was imported: fix the module, or give it what it reads then \(an environment variable/);
    // Not installed: said from where it was looked up (the config's folder), not from misso's own files.
    const missing = await loadModule('not-installed-anywhere', project).catch((e: unknown) => e as ModuleLoadError);
    expect(missing.message).toBe(`no package \`not-installed-anywhere\` in node_modules of the config's folder ${project} or of a folder above it`);
    expect(missing.hint).toBe("install it there (npm install not-installed-anywhere), or name Misso.services.async_helper or Misso.services.helper, or a file from the config's folder (./my-helpers.ts)");
    const scoped = await loadModule('@nobody/helpers/sub', project).catch((e: unknown) => e as ModuleLoadError);
    expect(scoped.message).toBe(`no package \`@nobody/helpers\` in node_modules of the config's folder ${project} or of a folder above it`);
    // A package it imports is missing: named, with what to install.
    pkg('needs-dep', 'require("left-pad-not-here");\n');
    const dep = await loadModule('needs-dep', project).catch((e: unknown) => e as ModuleLoadError);
    expect(dep.message).toMatch(/^it (could not be loaded|threw while loading): .*left-pad-not-here/);
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

  // A file that does not parse: test/cli/cli.test.ts, through node's own loader (vitest's reads it first, in its own words).
  it('a helper file that throws is reported by its own error, where it threw, with a hint for that', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'misso-throws-'));
    writeFileSync(join(dir, 'throws.mjs'), '// reads its settings at import\nthrow new Error("API_URL is not set");\n');
    const threw = await loadModule('./throws.mjs', dir).catch((e: unknown) => e as ModuleLoadError);
    expect(threw.message).toBe('it threw while loading: Error: API_URL is not set (at throws.mjs:2:7)');
    expect(threw.hint).toContain("the error is the module's own");
    const none = await loadModule('./nope.mjs', dir).catch((e: unknown) => e as ModuleLoadError);
    expect(none.message).toBe(`no file ${join(dir, 'nope.mjs')}`);
    expect(none.hint).toBe(`a path is read from the config's folder (${dir}): check the name and where the file is`);
  });

  // A .cts file, which vitest's own loader does not compile: test/cli/cli.test.ts, through tsx.
  it('loads a helper named by its .cjs file, which the extension check took for a missing .cjs.ts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'misso-cjs-'));
    writeFileSync(join(dir, 'helpers.cjs'), 'module.exports = { f: () => 1 };\n');
    expect((await loadModule('./helpers.cjs', dir))['f']).toBeTypeOf('function');
  });

  it("a node error code thrown by the module's own code (ERR_INVALID_URL, ERR_ASSERTION, ERR_INVALID_ARG_TYPE) is the module's error, not a load failure", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'misso-codes-'));
    writeFileSync(join(dir, 'url.mjs'), 'export const api = new URL(process.env.MISSO_TEST_UNSET_API_URL);\n');
    writeFileSync(join(dir, 'assert.mjs'), 'import assert from "node:assert";\nassert.ok(process.env.MISSO_TEST_UNSET_TOKEN, "TOKEN is not set");\n');
    writeFileSync(join(dir, 'argtype.mjs'), 'import { readFileSync } from "node:fs";\nexport const cfg = readFileSync(process.env.MISSO_TEST_UNSET_FILE);\n');
    for (const [file, error] of [
      ['url.mjs:1:', /^it threw while loading: TypeError: Invalid URL \(at url\.mjs:1:\d+\)$/],
      ['assert.mjs:2:', /^it threw while loading: AssertionError: TOKEN is not set \(at assert\.mjs:2:\d+\)$/],
      ['argtype.mjs:2:', /^it threw while loading: TypeError: The "path" argument must be .* \(at argtype\.mjs:2:\d+\)$/],
    ] as const) {
      const e = await loadModule(`./${file.split(':')[0]}`, dir).catch((err: unknown) => err as ModuleLoadError);
      expect(e).toBeInstanceOf(ModuleLoadError);
      expect(e.message).toMatch(error);
      expect(e.hint).toContain("the error is the module's own");
    }
  });

  it("a package whose package.json does not parse is a ModuleLoadError naming the file, with a hint", async () => {
    const project = mkdtempSync(join(tmpdir(), 'misso-badpkg-'));
    mkdirSync(join(project, 'node_modules', 'bad-json'), { recursive: true });
    writeFileSync(join(project, 'node_modules', 'bad-json', 'package.json'), '{ "name": "bad-json", "main": "index.js", }\n');
    writeFileSync(join(project, 'node_modules', 'bad-json', 'index.js'), 'exports.x = 1;\n');
    const e = await loadModule('bad-json', project).catch((err: unknown) => err as ModuleLoadError);
    expect(e).toBeInstanceOf(ModuleLoadError);
    expect(e.message).toMatch(new RegExp(`^it could not be loaded: its package\\.json \\(${join(project, 'node_modules', 'bad-json', 'package.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) does not parse: `));
    expect(e.hint).toBe('fix or reinstall the package `bad-json` (npm install bad-json), then run misso check again');
  });

  it("misso check prints the loader's hint beside its message", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'misso-check-modul-'));
    writeFileSync(join(dir, 'throws.mjs'), 'throw new Error("API_URL is not set");\n');
    const ctx = configContext(taskKindTable());
    const sub = (modul: string): string => `{type: async, modul: ${modul}, method: f, target_attr: x}`;
    const text = ['class_attributes: {x: None}', 'tasks:', '  t_update_template:', '    subtasks:', `      s0: ${sub('./throws.mjs')}`, `      s1: ${sub('no-such-helpers')}`, '  mine: {kind: ./throws.mjs#t_mine, freq: 1}', ''].join('\n');
    const error = await loadConfigText(text, 'c.yaml', ctx, { baseDir: dir }).then(
      () => null,
      (e: unknown) => e as ConfigError,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems.map((p) => [p.path, p.message, p.hint])).toEqual([
      [
        'tasks.t_update_template.subtasks.s0.modul',
        'cannot load module `./throws.mjs`: it threw while loading: Error: API_URL is not set (at throws.mjs:1:7)',
        expect.stringMatching(/^the error is the module's own/),
      ],
      [
        'tasks.t_update_template.subtasks.s1.modul',
        `cannot load module \`no-such-helpers\`: no package \`no-such-helpers\` in node_modules of the config's folder ${dir} or of a folder above it`,
        expect.stringMatching(/^install it there \(npm install no-such-helpers\)/),
      ],
      // A task kind's module alike.
      ['tasks.mine.kind', 'cannot load task kind `./throws.mjs#t_mine`: it threw while loading: Error: API_URL is not set (at throws.mjs:1:7)', expect.stringMatching(/^the error is the module's own/)],
    ]);
    expect(error!.message).not.toMatch(/module-registry|imported from/);
  });

  it('a helper whose top level never finishes loading fails, saying so, instead of hanging the check', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'misso-hang-'));
    writeFileSync(join(dir, 'stuck.mjs'), 'await new Promise(() => {});\nexport const f = 1;\n');
    await expect(loadModule('./stuck.mjs', dir, 200)).rejects.toThrow('./stuck.mjs did not finish loading within 0.2 s (a top-level await that never settles?)');
  });
});
