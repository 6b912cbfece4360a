import { describe, expect, it } from 'vitest';
import { editDistance, closest } from '../../src/config/suggest.js';
import { parseYamlWithPositions } from '../../src/config/yaml-positions.js';
import { braceHint } from '../../src/config/yaml-syntax.js';
import { INLINE, lines, problemsOf } from './problems.js';
import { loadConfigText } from '../../src/config/load.js';
import { FIXTURES, testContext } from './context.js';

describe('parseYamlWithPositions', () => {
  it('reads a plain None as null but keeps a quoted one', () => {
    const { value } = parseYamlWithPositions('a: None\nb: "None"\nc: [None, ~, null]\nd:\n', 'f.yaml');
    expect(value).toEqual({ a: null, b: 'None', c: [null, null, null], d: null });
  });

  it('records key and value positions for every node', () => {
    const { positions } = parseYamlWithPositions('top:\n  list:\n    - 1\n    - {k: v}\n', 'f.yaml');
    expect(positions.get(['top', 'list'])).toEqual({ key: { line: 2, col: 3 }, value: { line: 3, col: 5 } });
    expect(positions.get(['top', 'list', 1, 'k'])).toEqual({ key: { line: 4, col: 8 }, value: { line: 4, col: 11 } });
    expect(positions.locate(['top', 'list', 1, 'missing'])).toEqual({ line: 4, col: 7 });
  });

  it('expands aliases and points at the alias', () => {
    const { value, positions } = parseYamlWithPositions('base: &b {x: 1}\ncopy: *b\n', 'f.yaml');
    expect(value).toEqual({ base: { x: 1 }, copy: { x: 1 } });
    expect(positions.get(['copy'])?.value).toEqual({ line: 2, col: 7 });
  });

  it('reports unresolved tags, which a config must not rely on', () => {
    const { problems } = parseYamlWithPositions('a: !!python/tuple [1, 2]\n', 'f.yaml');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'f.yaml', line: 1, path: '' });
  });
});

describe('YAML merge keys (<<), as the seed\'s Python loader reads them', () => {
  it('merges the keys a map does not write itself, the first source winning, each placed at its `<<` line', () => {
    const { value, positions, problems } = parseYamlWithPositions(
      lines('a: &a {freq: 5, timeout_secs: 9}', 'b:', '  freq: 7', '  <<: *a', 'c:', '  <<: [*a, {freq: 3, max_age_secs: 40}]', "  '<<': 1"),
      'f.yaml',
    );
    expect(problems).toEqual([]);
    expect(value).toEqual({
      a: { freq: 5, timeout_secs: 9 },
      b: { freq: 7, timeout_secs: 9 },
      c: { freq: 5, timeout_secs: 9, max_age_secs: 40, '<<': 1 },
    });
    expect(positions.get(['b', 'timeout_secs'])?.key).toEqual({ line: 4, col: 3 });
    expect(positions.get(['b', 'freq'])?.key).toEqual({ line: 3, col: 3 });
  });

  it('an alias to no anchor (a misspelt `*name`) is named at its line, with the anchor it likely meant, not dropped', async () => {
    const problems = await problemsOf(lines('x-fast: &fast {freq: 2}', 'tasks:', '  t_update_tickers:', '    <<: *fsat', '    name: a', '  t_update_balance: *fats', '  t_get_open_positions: *zzzzzzz'));
    expect(problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`)).toEqual([
      '4:9 tasks.t_update_tickers.<<: YAML: no anchor `&fsat` for the alias `*fsat` (did you mean `*fast`?)',
      '6:21 tasks.t_update_balance: YAML: no anchor `&fats` for the alias `*fats` (did you mean `*fast`?)',
      '7:25 tasks.t_get_open_positions: YAML: no anchor `&zzzzzzz` for the alias `*zzzzzzz`; anchor the node to copy with `&name` before the alias',
    ]);
  });

  it('a config using them checks as the expanded one, a typo in a merged map named', async () => {
    const problems = await problemsOf(lines('tasks:', '  t_update_tickers: &t', '    freq: 5', '  t_update_balance:', '    <<: [*t, {frq: 3}]', '  t_get_open_positions:', '    <<: 5'));
    expect(problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`)).toEqual([
      '7:5 tasks.t_get_open_positions.<<: YAML: `<<` merges a map, or a list of maps, into this one (`<<: *defaults`)',
    ]);
    const typo = await problemsOf(lines('tasks:', '  t_update_tickers: &t', '    freq: 5', '  t_update_balance:', '    <<: [*t, {frq: 3}]'));
    expect(typo.map((p) => `${p.line}:${p.col} ${p.path}`)).toEqual(['5:5 tasks.t_update_balance.frq']);
  });
});

describe('a top-level block of shared values for merge keys', () => {
  it('is kept under an `x-` key, which misso does not read; another unknown top-level key says where such a block goes', async () => {
    const shared = (top: string) => lines(`${top}: &d`, '  freq: 7', '  timeout_secs: 20', 'tasks:', '  t_update_tickers:', '    <<: *d', '  t_update_balance:', '    <<: *d', '    freq: 30');
    const config = await loadConfigText(shared('x-defaults'), INLINE, testContext(), { baseDir: FIXTURES });
    expect(config.tasks.map((t) => [t.key, t.freqSecs, t.timeoutSecs])).toEqual([['t_update_tickers', 7, 20], ['t_update_balance', 30, 20]]);
    const problems = await problemsOf(shared('defaults'));
    expect(problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`)).toEqual(['1:1 defaults: unknown key `defaults`']);
    expect(problems[0]?.hint).toContain('a block of shared values for anchors goes under a key starting with `x-` (`x-defaults: &d`)');
  });
});

describe('a second YAML document', () => {
  it("is named at its `---` in a config's words, not the yaml library's (which names its own API)", async () => {
    const problems = await problemsOf(lines('tasks:', '  t_update_tickers: {freq: 5}', '---', 'tasks: {}'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: INLINE, line: 3, col: 1, message: 'YAML: a second YAML document starts here, and a config is one document' });
    expect(problems[0]?.hint).toContain('remove this `---` line');
    expect(JSON.stringify(problems)).not.toContain('parseAllDocuments');
  });
});

describe('the quoting hint of a YAML syntax error', () => {
  it('quotes the value that starts with { or ${ before the error, in the quotes it does not hold', () => {
    expect(braceHint('    message: {total_capital} USD "net"', 30)).toBe('a value starting with `{` or `${` opens a map in YAML; quote it: `message: \'{total_capital} USD "net"\'`');
    expect(braceHint('  telegram: {token: ${T}, chat: ${C}}', 22)).toContain('`token: "${T}"`');
  });

  it('says nothing for a flow map meant as one, or a brace after the error', () => {
    expect(braceHint('  telegram: {token: "x" chat_id: 1}', 25)).toBeUndefined();
    expect(braceHint('  a: [1, 2  b: ${X}', 10)).toBeUndefined();
  });
});

describe('suggestions', () => {
  it('counts a transposition as one edit', () => {
    expect(editDistance('nmae', 'name')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests only plausible typos', () => {
    expect(closest('freqq', ['freq', 'name'])).toBe('freq');
    expect(closest('zzz', ['freq', 'name'])).toBeUndefined();
    expect(closest('get_ohlcv', ['get_ohlcv_data', 'get_open_positions'])).toBe('get_ohlcv_data');
    expect(closest('FREQ', ['freq'])).toBe('freq');
  });
});
