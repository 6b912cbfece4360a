import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Arm, Scenario } from '../harness.js';
import { ensure, tempDir } from '../support.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/misso.js');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const STATUS_LINE = /^status: running /m;

/** The smallest useful run: the simulator, one price task, the journal in memory. */
const CONFIG = [
  'exchange: {id: sim, seed: 7}',
  'storage: {path: ":memory:"}',
  'class_attributes: {watch_list: ["BTC/USD:USD"], last_price: {}}',
  'tasks:',
  '  t_update_tickers: {freq: 10}',
  '',
].join('\n');

interface Started {
  child: ChildProcess;
  out: string;
  exited: Promise<number | null>;
}

/** Spawns the CLI and resolves once it printed its first status line (the updater is running). */
function startCli(args: string[], config: string): Promise<Started> {
  return new Promise((resolveStarted, reject) => {
    const child = spawn(process.execPath, [...args, 'run', config], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (STATUS_LINE.test(out)) resolveStarted({ child, out, exited });
    });
    void exited.then((code) => reject(new Error(`the CLI exited with ${code} before its first status:\n${out}${err.slice(-2000)}`)));
  });
}

/**
 * How long `misso run` takes from spawning the process to its first status line, printed once
 * `start()` has resolved (modules loaded, exchange session and journal open, orders reconciled,
 * tasks launched): the compiled CLI from dist/ (what `bin` runs,
 * the baseline) against the TypeScript sources under tsx's loader (what `npm run misso` runs).
 * Each op is one fresh node process; the graceful stop is untimed and checked for exit 0.
 */
export const cliStartScenario: Scenario = {
  id: 'cli-start',
  title: 'misso run: process start to first status, compiled dist/ vs tsx on src/',
  op: 'one CLI start',
  // Smoke: each arm starts once and stops cleanly; that proves both ways of running work.
  smokeReps: 1,
  async prepare() {
    ensure(existsSync(join(ROOT, 'dist/cli/main.js')), 'dist/ is not built: run `npm run build` first');
    const tmp = tempDir('cli-start');
    const config = join(tmp.dir, 'bench.yaml');
    writeFileSync(config, CONFIG);
    const arm = (label: string, args: string[]): Arm => {
      const running: Started[] = [];
      return {
        label,
        // One start is a whole process; a batch of one already takes far longer than targetMs.
        fixedOps: 1,
        async run(n) {
          for (let i = 0; i < n; i++) running.push(await startCli(args, config));
        },
        async check(n) {
          ensure(running.length === n, `${running.length} CLIs started for ${n}`);
          for (const started of running.splice(0)) {
            started.child.kill('SIGTERM');
            const code = await started.exited;
            ensure(code === 0, `${label}: the CLI exited ${code} after SIGTERM, not 0`);
          }
        },
      };
    };
    return {
      baseline: arm('node bin/misso.js (dist/)', [BIN]),
      subjects: [arm('node --import tsx src/cli/main.ts', ['--import', TSX, join(ROOT, 'src/cli/main.ts')])],
      notes: () => ['one op is one fresh node process to its first status line; tsx keeps its transform cache across runs, so its figure is the warm one'],
      async close() {
        tmp.remove();
      },
    };
  },
};
