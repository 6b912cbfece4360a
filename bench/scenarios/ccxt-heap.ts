import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Arm, Scenario } from '../harness.js';
import { ensure } from '../support.js';

const CHILD = resolve(import.meta.dirname, '../ccxt-heap-child.ts');

interface Answer {
  done: number;
  heapUsed: number;
  held: boolean;
}

interface Child {
  process: ChildProcess;
  ask(gcs: number): Promise<Answer>;
  first: Promise<Answer>;
}

function startChild(how: 'whole' | 'lib'): Child {
  const child = fork(CHILD, [how], { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let waiting: ((a: Answer) => void) | null = null;
  let first: ((a: Answer) => void) | null = null;
  const firstAnswer = new Promise<Answer>((r) => (first = r));
  child.on('message', (a: Answer) => {
    if (first) {
      const f = first;
      first = null;
      f(a);
      return;
    }
    const w = waiting;
    waiting = null;
    w?.(a);
  });
  return {
    process: child,
    first: firstAnswer,
    ask: (gcs) =>
      new Promise<Answer>((r) => {
        waiting = r;
        child.send({ gcs });
      }),
  };
}

/**
 * What a full garbage collection costs a process trading on one venue, depending on how it
 * loaded ccxt: the whole package (`import 'ccxt'`, what misso did before: the baseline) against
 * misso's loader (`src/exchange/ccxt-lib.ts`: the error classes, the base class and the one
 * venue's classes). Each process holds one binanceusdm client; an op is one forced full
 * collection (`gc()`, which marks and compacts the whole heap), timed from the bench process
 * around an IPC round trip. The notes give each process's live heap after collection.
 */
export const ccxtHeapScenario: Scenario = {
  id: 'ccxt-heap',
  title: "full GC of a process holding a binanceusdm client: the whole ccxt package vs misso's loader",
  op: 'one full garbage collection',
  async prepare() {
    const children = { whole: startChild('whole'), lib: startChild('lib') };
    const heap: Record<string, number> = {};
    for (const [how, child] of Object.entries(children)) {
      const a = await child.first;
      ensure(a.held, `${how}: no client held`);
      heap[how] = a.heapUsed;
    }
    const arm = (label: string, child: Child, key: string): Arm => ({
      label,
      maxOps: 200,
      async run(n) {
        const a = await child.ask(n);
        heap[key] = a.heapUsed;
        ensure(a.done === n, `${label}: ${a.done} collections for ${n}`);
      },
    });
    return {
      baseline: arm("import 'ccxt' (the whole package)", children.whole, 'whole'),
      subjects: [arm("misso's loader (one venue's classes)", children.lib, 'lib')],
      notes: () => [
        `live heap after a full collection: whole package ${(heap['whole']! / 1e6).toFixed(1)} MB, misso's loader ${(heap['lib']! / 1e6).toFixed(1)} MB`,
      ],
      async close() {
        for (const child of Object.values(children)) {
          child.process.disconnect();
          await new Promise((r) => (child.process.exitCode !== null ? r(null) : child.process.once('exit', r)));
        }
      },
    };
  },
};
