#!/usr/bin/env node
// The published entry point: runs the compiled CLI from dist/ (built by `npm run build`, which
// `npm ci`, `npm install` and `npm pack` run through `prepare`).
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('misso: dist/ is not built; run `npm run build` in the misso checkout (npm ci does it)\n');
  process.exit(1);
}
const { runCli } = await import(main.href);
await runCli();
