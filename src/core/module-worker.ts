import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread running the module at `url`, a sibling module given as its compiled
 * `.js` URL (`new URL('./x.js', import.meta.url)`).
 *
 * From the published package that file exists and runs as it is. From the sources (tests, the
 * benchmarks, `npm run misso`) the sibling is `.ts`, which a bare worker cannot load: the thread
 * then registers tsx (a development dependency, resolved from `fromModule`, whatever the
 * working directory) before importing it.
 */
export function startModuleWorker(url: URL, fromModule: string, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  if (!fromModule.endsWith('.ts')) return new Worker(url, options);
  const source = new URL(url.href.replace(/\.js$/, '.ts'));
  // Resolved from here, not from the thread's working directory (`[worker eval]`), which need
  // not be the checkout.
  const tsx = tsxEsmApi(fromModule);
  const code = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source.href)}); })`;
  return new Worker(code, { ...options, eval: true });
}

/** tsx's `tsx/esm/api` (its ESM build: a `require` resolution would give the CJS one), found from `fromModule`. */
function tsxEsmApi(fromModule: string): string {
  const require = createRequire(fromModule);
  const manifest = require.resolve('tsx/package.json');
  const { exports } = require(manifest) as { exports?: Record<string, { import?: string | { default?: string } } | undefined> };
  const entry = exports?.['./esm/api']?.import;
  const file = typeof entry === 'string' ? entry : entry?.default;
  // Another layout than tsx 4's: the bare name, resolved from the working directory.
  return file ? new URL(file, pathToFileURL(manifest)).href : 'tsx/esm/api';
}
