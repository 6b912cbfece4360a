import { spawn } from 'node:child_process';

/** How one run of a strategy child process ended. */
export interface StrategyRun<Done> {
  /** Whether the run ended by our SIGKILL. */
  killed: boolean;
  /** The JSON after the child's `done ` line, or null when it never got there. */
  done: Done | null;
  /** Its stdout and stderr, for failure messages. */
  output: string;
}

/**
 * Runs a strategy fixture in its own process (through tsx) and, when `killAfterMs` is set,
 * SIGKILLs it that long after it prints `started`. The e2e suites use it to kill a strategy in
 * the middle of its orders and start it again on the same journal.
 */
export function runStrategyProcess<Done>(script: string, args: readonly string[], killAfterMs: number | null): Promise<StrategyRun<Done>> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let armed = false;
  return new Promise((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (killAfterMs !== null && !armed && output.includes('started')) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (_code, signal) => {
      const line = output.split('\n').find((l) => l.startsWith('done '));
      resolve({ killed: signal === 'SIGKILL', done: line ? (JSON.parse(line.slice(5)) as Done) : null, output });
    });
  });
}
