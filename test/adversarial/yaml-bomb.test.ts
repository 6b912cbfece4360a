import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfigFile } from '../../src/config/load.js';
import { CONFIG_LIMITS } from '../../src/config/limits.js';
import { parseYamlWithPositions } from '../../src/config/yaml-positions.js';
import { CLI_FROM_SOURCE } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'misso-bomb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The "billion laughs": each level is a list of nine aliases of the level before. */
function aliasBomb(levels: number): string {
  const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < levels; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(', ')}]`);
  lines.push('tasks: {t_update_tickers: {freq: 10}}', '');
  return lines.join('\n');
}

/**
 * Runs the real `misso check` with its V8 heap capped at 150 MB: a file that made it expand the
 * bomb would die of heap exhaustion (exit 134), not exit 2.
 */
function check(file: string): Promise<{ code: number | null; err: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--max-old-space-size=150', ...CLI_FROM_SOURCE, 'check', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout.resume();
  return new Promise((r) => child.on('exit', (code) => r({ code, err, ms: Date.now() - started })));
}

describe('YAML alias bombs', () => {
  it.each([6, 8, 10])('a %i-level bomb makes misso check exit 2 with the position and the reason', async (levels) => {
    const file = join(dir, `bomb-${levels}.yaml`);
    writeFileSync(file, aliasBomb(levels));
    const r = await check(file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`bomb-${levels}\\.yaml:\\d+:\\d+: .*more than ${CONFIG_LIMITS.maxAliasCount} alias expansions`));
    expect(r.err).not.toMatch(/\n\s+at /);
    // A generous bound that only an expansion could break (today's code needs minutes at 8 levels).
    expect(r.ms).toBeLessThan(20_000);
  }, 30_000);

  it('the walker stops at the alias limit even when the expansion is not nested', () => {
    const anchors = 'base: &b {x: 1}\n' + Array.from({ length: CONFIG_LIMITS.maxAliasCount + 1 }, (_, i) => `c${i}: *b`).join('\n');
    const parsed = parseYamlWithPositions(anchors, 'f.yaml');
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]?.message).toContain('alias expansions');
    // Up to the limit, aliases expand as before.
    const fine = parseYamlWithPositions('base: &b {x: 1}\na: *b\nb: *b\n', 'f.yaml');
    expect(fine.problems).toEqual([]);
    expect(fine.value).toEqual({ base: { x: 1 }, a: { x: 1 }, b: { x: 1 } });
  });

  it('a wide anchor copied a few times is stopped by the node limit', () => {
    const items = Array.from({ length: 40_000 }, (_, i) => i).join(', ');
    const text = `big: &big [${items}]\nc1: *big\nc2: *big\nc3: *big\n`;
    const parsed = parseYamlWithPositions(text, 'f.yaml');
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]?.message).toContain(`more than ${CONFIG_LIMITS.maxNodes} values`);
  });

  it('a config over the size cap is refused before it is parsed', async () => {
    const file = join(dir, 'huge.yaml');
    writeFileSync(file, `# ${'x'.repeat(CONFIG_LIMITS.maxBytes)}\ntasks: {}\n`);
    const error = await loadConfigFile(file, () => Promise.reject(new Error('the context must not be needed'))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(`larger than ${CONFIG_LIMITS.maxBytes} bytes`);
  });
});
