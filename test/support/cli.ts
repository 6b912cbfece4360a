import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Node arguments that run the `misso` CLI from its TypeScript sources, as `npm run misso` does:
 * `spawn(process.execPath, [...CLI_FROM_SOURCE, 'run', file])`. Tests follow the code as edited,
 * without a build; the compiled bin/misso.js (dist/) is exercised from the packed tarball in
 * test/package/. tsx is named by absolute URL so it resolves from any working directory.
 */
export const CLI_FROM_SOURCE: readonly string[] = [
  '--import',
  pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href,
  join(ROOT, 'src/cli/main.ts'),
];
