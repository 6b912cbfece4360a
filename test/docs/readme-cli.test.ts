import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECK_USAGE } from '../../src/cli/check.js';
import { RUN_USAGE } from '../../src/cli/run.js';
import { SIM_SERVER_USAGE } from '../../src/cli/sim-server.js';

const ROOT = resolve(import.meta.dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The `--flags` a usage text names, sorted (`--help` and `--version` are left out: every command has them). */
function flags(text: string): string[] {
  return [...new Set([...text.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]))].filter((f) => f !== '--help' && f !== '--version').sort();
}

/** The README's usage line for `misso <command>`, from the CLI section's code block. */
function readmeLine(command: string): string {
  const section = README.slice(README.indexOf('## The CLI'), README.indexOf('## The library API'));
  const line = section.split('\n').find((l) => l.startsWith(`misso ${command}`));
  if (line === undefined) throw new Error(`README's CLI section has no line for misso ${command}`);
  return line;
}

describe("README's CLI section", () => {
  it('starts with `npm ci && npm start` and `npm test`', () => {
    const quick = README.slice(README.indexOf('## Quick start'));
    const commands = quick.slice(quick.indexOf('```sh') + 6, quick.indexOf('```', quick.indexOf('```sh') + 6)).split('\n').map((l) => l.replace(/\s+#.*$/, '').trim());
    expect(commands.slice(0, 2)).toEqual(['npm ci && npm start', 'npm test']);
  });

  it("names every flag each command's usage names, and no other", () => {
    const usages: Record<string, string> = { run: RUN_USAGE, check: CHECK_USAGE, 'sim-server': SIM_SERVER_USAGE };
    for (const [command, usage] of Object.entries(usages)) {
      // The usage's first lines are its synopsis; the rest explains them.
      const synopsis = usage.split('\n\n')[0]!;
      expect({ command, flags: flags(readmeLine(command)) }).toEqual({ command, flags: flags(synopsis) });
    }
    expect(flags(SIM_SERVER_USAGE.split('\n\n')[0]!)).toContain('--markets');
  });
});
