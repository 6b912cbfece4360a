#!/usr/bin/env node
// The published entry point: runs the compiled CLI from dist/ (built by `npm run build`, which
// `npm ci`, `npm install` and `npm pack` run through `prepare`).
import { existsSync } from 'node:fs';

// A signal before the CLI has loaded its handlers (node's default would end the process silently
// with 130 or 143): nothing has started, so misso says so and exits 0, as it does for one while
// its modules or the config load. The listeners stay, doing nothing once the CLI's own are in:
// taking them off would let node close its signal watcher, losing a signal caught meanwhile.
let cliListens = false;
const early = (sig) => {
  if (cliListens) return;
  process.stderr.write(`\nmisso: ${sig} received while misso was loading, stopping: nothing was started\n`);
  process.exit(0);
};
process.on('SIGINT', early);
process.on('SIGTERM', early);

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('misso: dist/ is not built; run `npm run build` in the misso checkout (npm ci does it)\n');
  process.exit(1);
}
const { runCli } = await import(main.href);
cliListens = true;
await runCli();
