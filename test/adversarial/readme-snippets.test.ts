import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/config/config-error.js';
import { loadConfigText } from '../../src/config/load.js';
import { parseYamlWithPositions } from '../../src/config/yaml-positions.js';
import { configContext } from '../../src/engine/config-context.js';
import { BUILTIN_TASK_KINDS } from '../../src/tasks/registry.js';

const ROOT = resolve(import.meta.dirname, '../..');
const README = readFileSync(resolve(ROOT, 'README.md'), 'utf8');

/** Every ```yaml block of the README, with the line it starts on. */
function yamlSnippets(markdown: string): { line: number; text: string }[] {
  const snippets: { line: number; text: string }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== '```yaml') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]?.trim() !== '```') end++;
    snippets.push({ line: start + 1, text: lines.slice(start, end).join('\n') });
    i = end;
  }
  return snippets;
}

const snippets = yamlSnippets(README);

describe('README YAML snippets', () => {
  it('there are snippets to check', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(4);
  });

  it.each(snippets.map((s) => [s.line, s.text] as const))('the snippet at README.md:%i is valid YAML', (line, text) => {
    const parsed = parseYamlWithPositions(text, `README.md snippet at line ${line}`);
    expect(parsed.problems.map(formatProblem)).toEqual([]);
  });

  // A snippet of top-level sections is checked as a config; one without tasks gets an empty list.
  it.each(snippets.filter((s) => /^[a-z_]+:/.test(s.text)).map((s) => [s.line, s.text] as const))(
    'the sections at README.md:%i pass misso check',
    async (line, snippet) => {
      const text = /^tasks:/m.test(snippet) ? snippet : `${snippet}\ntasks: {}\n`;
      // Every variable the snippet names is set, as the reader would before running it.
      const env = Object.fromEntries([...text.matchAll(/\$\{(\w+)\}/g)].map((m) => [m[1]!, `value-of-${m[1]!}`]));
      const ctx = configContext(new Map(Object.entries(BUILTIN_TASK_KINDS)), env);
      await expect(loadConfigText(text, resolve(ROOT, `README-snippet-${line}.yaml`), ctx)).resolves.toBeDefined();
    },
  );
});
