import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread running the module at `url`, a sibling module given as its compiled
 * `.js` URL (`new URL('./x.js', import.meta.url)`).
 *
 * From the published package that file exists and runs as it is. From the sources (tests, the
 * benchmarks, `npm run misso`) the sibling is `.ts`, which a bare worker cannot load: the thread
 * then registers tsx (a development dependency, resolved from the working directory, the
 * checkout) before importing it.
 */
export function startModuleWorker(url: URL, fromModule: string, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  if (!fromModule.endsWith('.ts')) return new Worker(url, options);
  const source = new URL(url.href.replace(/\.js$/, '.ts'));
  const code = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(source.href)}); })`;
  return new Worker(code, { ...options, eval: true });
}
