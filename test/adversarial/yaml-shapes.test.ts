import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_FROM_SOURCE } from '../support/cli.js';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_LIMITS } from '../../src/config/limits.js';
import { parseYamlWithPositions } from '../../src/config/yaml-positions.js';

const dir = mkdtempSync(join(tmpdir(), 'misso-shapes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The real `misso check` with a 150 MB heap: a file that made it build a huge tree dies (exit 134) instead of exiting 2. */
function check(name: string, content: string | Buffer): Promise<{ code: number | null; err: string }> {
  const file = join(dir, name);
  writeFileSync(file, content);
  const child = spawn(process.execPath, ['--max-old-space-size=150', ...CLI_FROM_SOURCE, 'check', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout.resume();
  return new Promise((r) => child.on('exit', (code) => r({ code, err })));
}

const TASKS = 'tasks: {t_update_tickers: {freq: 10}}\n';

describe('hostile YAML shapes without aliases', () => {
  it('a flat list just under the size cap is refused by its count, with its line, before a tree is built', async () => {
    const items = Array.from({ length: 340_000 }, () => '1').join(',');
    const text = `class_attributes:\n  a: [${items}]\n${TASKS}`;
    expect(Buffer.byteLength(text)).toBeLessThan(CONFIG_LIMITS.maxBytes);
    const r = await check('flat.yaml', text);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/flat\.yaml:2:\d+: YAML: the file holds more than 100000 keys and values/);
    expect(r.err).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('deep nesting without aliases exits 2 with a position and no stack', async () => {
    const r = await check('deep.yaml', `class_attributes:\n  a: ${'['.repeat(200_000)}${']'.repeat(200_000)}\n${TASKS}`);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/deep\.yaml:2:\d+: YAML: /);
    expect(r.err).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('a wide map is parsed in one pass, and a duplicate key is reported at its line', () => {
    // The yaml library's own duplicate check compares every key with every other: 49,000 keys took over a minute.
    const keys = Array.from({ length: 49_000 }, (_, i) => `  k${i}: ${i}\n`).join('');
    const parsed = parseYamlWithPositions(`class_attributes:\n${keys}  k7: again\n${TASKS}`, 'wide.yaml');
    expect(parsed.problems).toEqual([{ file: 'wide.yaml', line: 49_002, col: 3, path: 'class_attributes.k7', message: 'YAML: map keys must be unique' }]);
    expect(Object.keys((parsed.value as { class_attributes: object }).class_attributes)).toHaveLength(49_000);
  }, 20_000);

  it.each([
    ['latin1.yaml', Buffer.from(`class_attributes:\n  name: "caf\xe9"\n${TASKS}`, 'latin1'), 2],
    ['utf16.yaml', Buffer.from(`\ufeff${TASKS}`, 'utf16le'), 1],
    ['binary.yaml', Buffer.from([0x74, 0x61, 0x0a, 0xff, 0xfe, 0x00, 0x80, 0x0a]), 2],
  ])('%s: bytes that are not UTF-8 are refused with their line, not run as U+FFFD', async (name, bytes, line) => {
    const r = await check(name, bytes);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${name}:${line}:1: this line is not UTF-8 text`);
    expect(r.err).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('a UTF-8 byte order mark is accepted', () => {
    const parsed = parseYamlWithPositions(`\ufeff${TASKS}`, 'bom.yaml');
    expect(parsed.problems).toEqual([]);
    expect(parsed.value).toEqual({ tasks: { t_update_tickers: { freq: 10 } } });
  });
});
