/**
 * Run from the sources (tsx): starts itself as a worker with {@link startModuleWorker} and
 * prints what the thread says, or why it failed (test/core/module-worker.test.ts).
 */
import { isMainThread, parentPort } from 'node:worker_threads';
import { startModuleWorker } from '../../src/core/module-worker.js';

if (isMainThread) {
  const worker = startModuleWorker(new URL('./module-worker-probe.js', import.meta.url), import.meta.url);
  const said = await new Promise<string>((resolve) => {
    worker.once('message', (m: string) => resolve(m));
    worker.once('error', (e) => resolve(`failed: ${e.message}`));
  });
  console.log(said);
  await worker.terminate();
} else {
  parentPort!.postMessage('thread up');
}
