// `npm run build` (also run by `prepare`, so `npm ci` and `npm pack` build): compiles src/ to
// dist/ (ESM, .d.ts, source maps) and copies the non-TypeScript assets the code reads at run
// time beside their modules. dist/ is rebuilt from nothing so a renamed source leaves no stale
// module behind.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
const ASSET = /\.(html|css|json)$/;
// The dashboard's browser scripts are plain files served as they are, not TypeScript.
const BROWSER_SCRIPT = /[\\/]http[\\/]dashboard[\\/][^\\/]+\.js$/;

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const built = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);

let copied = 0;
for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  const from = join(entry.parentPath, entry.name);
  if (!entry.isFile() || !(ASSET.test(entry.name) || BROWSER_SCRIPT.test(from))) continue;
  cpSync(from, join(dist, relative(src, from)));
  copied += 1;
}
process.stdout.write(`misso: built dist/ (${copied} asset${copied === 1 ? '' : 's'} copied)\n`);
