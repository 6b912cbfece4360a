#!/usr/bin/env node
// The published entry point: runs the compiled CLI from dist/ (built by `npm run build`, which
// `npm ci`, `npm install` and `npm pack` run through `prepare`).
import { existsSync } from 'node:fs';

// A signal before the CLI has loaded its handlers (node's default would end the process silently
// with 130 or 143): nothing has started, so misso says so and exits 0, as it does for one while
// its modules or the config load.
const early = (sig) => {
  process.stderr.write(`\nmisso: ${sig} received while misso was loading, stopping: nothing was started\n`);
  process.exit(0);
};
process.once('SIGINT', early);
process.once('SIGTERM', early);

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('misso: dist/ is not built; run `npm run build` in the misso checkout (npm ci does it)\n');
  process.exit(1);
}
const { runCli } = await import(main.href);
process.off('SIGINT', early);
process.off('SIGTERM', early);
await runCli();
