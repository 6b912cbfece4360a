import { spawn, type ChildProcess } from 'node:child_process';
import { CLI_FROM_SOURCE } from '../../support/cli.js';

/** What a `misso` process did. */
export interface MissoRun {
  code: number | null;
  out: string;
  err: string;
  /** Epoch ms of the exit. */
  exitedAt: number;
}

/**
 * Runs the `misso` CLI (from its sources) as a user would, in `cwd` with `env` added. `onOutput` sees all
 * output so far (stdout then stderr) and may signal the child.
 */
export function spawnMisso(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; onOutput?: (text: string, child: ChildProcess) => void },
): Promise<MissoRun> {
  const child = spawn(process.execPath, [...CLI_FROM_SOURCE, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    options.onOutput?.(out + err, child);
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    options.onOutput?.(out + err, child);
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err, exitedAt: Date.now() })));
}
