#!/usr/bin/env node
// The published entry point: runs the compiled CLI from dist/ (built by `npm run build`, which
// `npm ci` and `npm pack` run through `prepare`).
import { runCli } from '../dist/cli/main.js';

await runCli();
