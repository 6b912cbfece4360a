import { execFile, spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURES = join(import.meta.dirname, 'consumer');

interface PackedFile {
  path: string;
}
interface PackResult {
  filename: string;
  files: PackedFile[];
}
interface Manifest {
  dependencies: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
  bin: Record<string, string>;
}

let work = '';
let project = '';
let packed: PackResult;
let installed = '';

/** Builds dist/ when it is missing or older than a source file (CI has just built it in `npm ci`). */
function ensureBuilt(): void {
  const marker = join(ROOT, 'dist/index.js');
  const newest = (dir: string): number =>
    Math.max(...readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => statSync(join(e.parentPath, e.name)).mtimeMs));
  if (existsSync(marker) && statSync(marker).mtimeMs >= newest(join(ROOT, 'src'))) return;
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`build failed:\n${built.stdout}${built.stderr}`);
}

/**
 * A fresh project that installed the tarball: the package is unpacked into its node_modules as
 * npm would, with the `misso` bin linked. Its runtime dependencies are linked from this repo's
 * node_modules (only those the package declares), so nothing is fetched or rebuilt, and
 * anything the package uses but does not declare is missing, as in a real install.
 */
function installTarball(tarball: string, manifest: Manifest): string {
  const modules = join(project, 'node_modules');
  const target = join(modules, 'misso');
  mkdirSync(target, { recursive: true });
  const untar = spawnSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1'], { encoding: 'utf8' });
  if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr}`);
  // For the consumer's own compile only: Node's types, as any TypeScript project has them.
  for (const dep of [...Object.keys(manifest.dependencies), '@types/node']) {
    mkdirSync(dirname(join(modules, dep)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', dep), join(modules, dep), 'dir');
  }
  mkdirSync(join(modules, '.bin'));
  for (const [name, file] of Object.entries(manifest.bin)) {
    chmodSync(join(target, file), 0o755);
    symlinkSync(join('..', 'misso', file), join(modules, '.bin', name));
  }
  return target;
}

beforeAll(async () => {
  ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'misso-package-'));
  project = join(work, 'consumer');
  mkdirSync(project);
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT });
  packed = (JSON.parse(stdout) as PackResult[])[0]!;
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'a-strategy', private: true, type: 'module', dependencies: { misso: `file:../${packed.filename}` } }, null, 2)}\n`);
  for (const file of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, file), join(project, file));
  installed = installTarball(join(work, packed.filename), manifest);
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('holds the build, the bin, the examples and the README, and no tests, benchmarks, CI or config files', () => {
    const paths = packed.files.map((f) => f.path);
    const allowed = /^(dist\/|bin\/misso\.js$|examples\/|package\.json$|README\.md$|LICENSE$)/;
    expect(paths.filter((p) => !allowed.test(p))).toEqual([]);
    expect(paths.filter((p) => /(^|\/)(test|bench|\.ci|src|scripts)\//.test(p) || /tsconfig|eslint|vitest/.test(p))).toEqual([]);
    for (const entry of ['dist/index.js', 'dist/index.d.ts', 'dist/index.js.map', 'dist/sim/index.d.ts', 'dist/http/index.d.ts', 'dist/testing/index.d.ts', 'dist/http/dashboard/index.html', 'dist/http/dashboard/app.js', 'dist/http/dashboard/dashboard.css', 'dist/cli/main.js']) {
      expect(paths).toContain(entry);
    }
  });

  it('its published types import only Node built-ins and runtime dependencies that ship types', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Manifest;
    const declared = new Set(Object.keys(manifest.dependencies));
    const builtins = new Set(builtinModules);
    const bare = new Map<string, string>();
    const seen = new Set<string>();
    const queue = Object.values(manifest.exports).flatMap((e) => (typeof e === 'string' ? [] : [join(installed, e.types)]));
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*['"]([^'"]+)['"]/g)) {
        if (spec!.startsWith('.')) queue.push(resolve(dirname(file), spec!.replace(/\.js$/, '.d.ts')));
        else bare.set(spec!, file);
      }
    }
    expect(seen.size).toBeGreaterThan(10);
    for (const [spec, file] of bare) {
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
      if (spec.startsWith('node:') || builtins.has(name)) continue;
      expect({ spec, file, declared: declared.has(name) }).toEqual({ spec, file, declared: true });
      const dep = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as Record<string, unknown>;
      const shipsTypes = 'types' in dep || 'typings' in dep || JSON.stringify(dep['exports'] ?? {}).includes('"types"');
      expect({ spec, shipsTypes }).toEqual({ spec, shipsTypes: true });
    }
  });
});

/** Runs a strategy file of the consumer project with plain node: exit 0 expected; its stdout lines and stderr. */
function runStrategyFile(file: string): { lines: string[]; stderr: string } {
  const child = spawnSync(process.execPath, [file], { cwd: project, encoding: 'utf8', timeout: 90_000 });
  expect({ code: child.status, stderr: child.status === 0 ? '' : child.stderr }).toEqual({ code: 0, stderr: '' });
  return { lines: child.stdout.trim().split('\n'), stderr: child.stderr };
}

describe('a project that installed the tarball', () => {
  it('runs a plain node ESM strategy: prices, a resting and a crossing order, their events, a clean stop with exit 0', async () => {
    const child = runStrategyFile('strategy.mjs');
    // Only the strategy's own lines on stdout: misso's JSON log goes to stderr.
    expect(child.lines).toEqual([
      'price ok',
      'resting open',
      'crossing closed, filled 0.01',
      'amended true by edit, price new',
      'cancel canceled, status canceled, replacedBy null',
      'late amend false: order already canceled; event amend:refused: order already canceled',
      'mistakes: OrderRefError AmendError',
      'status running, dashboard 200, assets 200 200',
      'stopped: stopped',
    ]);
    expect(child.stderr).toContain('"msg":"updater stopped"');
    expect(child.stderr).not.toMatch(/tsx|ERR_UNKNOWN_FILE_EXTENSION/);
  }, 120_000);

  it('requires every entry of the exports map from CommonJS: none waits at the top level', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Manifest;
    const entries = Object.keys(manifest.exports).filter((e) => e !== './package.json');
    expect(entries).toEqual(['.', './sim', './http', './testing']);
    const specs = entries.map((e) => (e === '.' ? 'misso' : `misso/${e.slice(2)}`));
    // Each in a process of its own, so one entry's graph is not already loaded by another's.
    for (const spec of specs) {
      const script = `const m = require(${JSON.stringify(spec)}); console.log(Object.keys(m).length > 0 ? 'ok' : 'empty');`;
      const child = spawnSync(process.execPath, ['--input-type=commonjs', '-e', script], { cwd: project, encoding: 'utf8', timeout: 60_000 });
      expect({ spec, code: child.status, out: child.stdout.trim(), err: child.stderr }).toEqual({ spec, code: 0, out: 'ok', err: '' });
    }
  }, 120_000);

  it('runs a CommonJS strategy that requires misso, misso/sim, misso/http and misso/testing', () => {
    const child = runStrategyFile('strategy.cjs');
    expect(child.lines).toEqual([
      'required: function function function',
      'required misso/sim: InvalidOrder',
      'price: true',
      'stopped',
    ]);
    expect(child.stderr).not.toMatch(/ExperimentalWarning|ERR_REQUIRE/);
  }, 120_000);

  it('compiles a strict TypeScript consumer (NodeNext, skipLibCheck) against the published types', async () => {
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', join(project, 'tsconfig.json')], { cwd: project, encoding: 'utf8' });
    expect({ code: result.status, out: result.stdout }).toEqual({ code: 0, out: '' });
  }, 120_000);

  it('runs `npx misso run --for` on the bundled example and stops it with exit 0', async () => {
    const r = spawnSync('npx', ['--no-install', 'misso', 'run', '--for', '4', '--http-port', '0'], { cwd: project, encoding: 'utf8', timeout: 60_000 });
    expect({ code: r.status, stack: /\n\s+at /.test(r.stderr) }).toEqual({ code: 0, stack: false });
    expect(r.stdout).toMatch(/status: running tasks \d+\/12 up/);
    // Stopped, no task is up any more: the line says so instead of counting them up.
    expect(r.stdout).toMatch(/status: stopped \(12 tasks, none running(; last run failed: [^)]*)?\), watch list 9 items/);
    expect(r.stderr).toContain('"msg":"updater stopped"');
  }, 60_000);

  it('runs `npx misso check`, loading the project’s own TypeScript helper', async () => {
    const ok = spawnSync('npx', ['--no-install', 'misso', 'check', 'config.yaml'], { cwd: project, encoding: 'utf8' });
    expect({ code: ok.status, err: ok.stderr }).toEqual({ code: 0, err: '' });
    expect(ok.stdout).toMatch(/spreads\s+t_update_template\s+every 10s/);
    expect(ok.stdout).toContain('spread_count(self.watch_list) → spreads');

    writeFileSync(join(project, 'bad.yaml'), 'tasks:\n  t_update_tickers: {freq: fast}\n');
    const bad = spawnSync('npx', ['--no-install', 'misso', 'check', 'bad.yaml'], { cwd: project, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('bad.yaml:2:');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('loads TypeScript and CommonJS helpers in a CommonJS project too (npm init\'s default type)', async () => {
    const cjs = join(project, 'cjs-project');
    mkdirSync(cjs);
    writeFileSync(join(cjs, 'package.json'), '{"name": "a-cjs-strategy", "private": true, "type": "commonjs"}\n');
    copyFileSync(join(FIXTURES, 'helpers.ts'), join(cjs, 'helpers.ts'));
    writeFileSync(join(cjs, 'more.js'), 'module.exports = { twice: (x) => 2 * x };\n');
    const config = readFileSync(join(FIXTURES, 'config.yaml'), 'utf8');
    const extra = '      subtask_1:\n        type: standard\n        modul: ./more.js\n        method: twice\n        input_args: [2]\n        target_attr: four\n';
    writeFileSync(join(cjs, 'config.yaml'), `${config.replace('  spreads: {}', '  spreads: {}\n  four: None')}${extra}`);
    const ok = spawnSync(join(project, 'node_modules/.bin/misso'), ['check', 'config.yaml'], { cwd: cjs, encoding: 'utf8' });
    expect({ code: ok.status, err: ok.stderr }).toEqual({ code: 0, err: '' });
    expect(ok.stdout).toContain('spread_count(self.watch_list) → spreads');
    expect(ok.stdout).toContain('./more.js.twice(2) → four');
  }, 60_000);
});
