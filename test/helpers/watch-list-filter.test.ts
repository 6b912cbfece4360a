import { describe, expect, it } from 'vitest';
import { castValue, parseWatchListFilter, passesRules, readPath } from '../../src/helpers/watch-list-filter.js';

const market = (volume: unknown, extra: Record<string, unknown> = {}) => ({
  symbol: 'X/USD:USD',
  info: { volumeUsd24h: volume, ...extra },
});

describe('parseWatchListFilter', () => {
  it("reads the seed's filter", () => {
    const rules = parseWatchListFilter({
      'info.volumeUsd24h': { value: 2000000, type: 'greater_or_equal', value_type: 'float' },
    });
    expect(rules).toEqual([{ path: 'info.volumeUsd24h', type: 'greater_or_equal', valueType: 'float', value: 2_000_000 }]);
  });

  it('treats null or an empty mapping as no rules', () => {
    expect(parseWatchListFilter(null)).toEqual([]);
    expect(parseWatchListFilter({})).toEqual([]);
  });

  it('defaults value_type from the value and casts the value', () => {
    expect(parseWatchListFilter({ a: { value: '5', type: 'equal' } })[0]?.valueType).toBe('str');
    expect(parseWatchListFilter({ a: { value: '5.9', type: 'equal', value_type: 'int' } })[0]?.value).toBe(5);
  });

  it('rejects unknown operators and value types with the accepted ones', () => {
    expect(() => parseWatchListFilter({ a: { value: 1, type: 'bigger' } })).toThrow(
      "watch_list_filter.a.type: unknown operator 'bigger'; use one of greater_or_equal, greater, smaller_or_equal, smaller, equal",
    );
    expect(() => parseWatchListFilter({ a: { value: 1, type: 'equal', value_type: 'double' } })).toThrow(
      "watch_list_filter.a.value_type: unknown value type 'double'; use one of float, int, str",
    );
    expect(() => parseWatchListFilter({ a: { value: 'lots', type: 'greater', value_type: 'float' } })).toThrow(
      "watch_list_filter.a.value: 'lots' is not a valid float",
    );
    expect(() => parseWatchListFilter([1])).toThrow(/must be a mapping/);
    expect(() => parseWatchListFilter({ a: 5 })).toThrow('watch_list_filter.a must be a mapping {value, type, value_type}, got 5');
  });
});

describe('rules', () => {
  const rule = (type: string, value: unknown, value_type?: string) =>
    parseWatchListFilter({ 'info.volumeUsd24h': value_type ? { value, type, value_type } : { value, type } });

  it('applies each of the five operators at, below and above the boundary', () => {
    const cases: [string, boolean[]][] = [
      ['greater_or_equal', [false, true, true]],
      ['greater', [false, false, true]],
      ['smaller_or_equal', [true, true, false]],
      ['smaller', [true, false, false]],
      ['equal', [false, true, false]],
    ];
    for (const [op, expected] of cases) {
      const rules = rule(op, 100, 'float');
      expect([99, 100, 101].map((v) => passesRules(market(v), rules)), op).toEqual(expected);
    }
  });

  it('casts numeric strings from the exchange, truncates for int, compares text for str', () => {
    expect(passesRules(market('2500000.5'), rule('greater_or_equal', 2_000_000, 'float'))).toBe(true);
    expect(passesRules(market('100.9'), rule('equal', 100, 'int'))).toBe(true);
    expect(passesRules(market('100.9'), rule('equal', 100, 'float'))).toBe(false);
    expect(passesRules(market(100), rule('equal', '100', 'str'))).toBe(true);
    expect(passesRules(market('abc'), rule('smaller', 'abd', 'str'))).toBe(true);
  });

  it('fails a market that lacks the path or holds junk there', () => {
    const rules = rule('smaller', 1e12, 'float');
    expect(passesRules({ symbol: 'Y/USD:USD', info: {} }, rules)).toBe(false);
    expect(passesRules({ symbol: 'Y/USD:USD' }, rules)).toBe(false);
    expect(passesRules(market(null), rules)).toBe(false);
    expect(passesRules(market(''), rules)).toBe(false);
    expect(passesRules(market({ n: 1 }), rules)).toBe(false);
  });

  it('requires every rule to pass', () => {
    const rules = parseWatchListFilter({
      'info.volumeUsd24h': { value: 10, type: 'greater', value_type: 'float' },
      'info.kind': { value: 'perp', type: 'equal', value_type: 'str' },
    });
    expect(passesRules(market(11, { kind: 'perp' }), rules)).toBe(true);
    expect(passesRules(market(11, { kind: 'future' }), rules)).toBe(false);
    expect(passesRules(market(9, { kind: 'perp' }), rules)).toBe(false);
  });
});

describe('readPath and castValue', () => {
  it('walk dotted paths and refuse what cannot be cast', () => {
    expect(readPath({ a: { b: { c: 3 } } }, 'a.b.c')).toBe(3);
    expect(readPath({ a: 1 }, 'a.b')).toBeUndefined();
    expect(castValue(true, 'float')).toBeUndefined();
    expect(castValue('1e3', 'int')).toBe(1000);
    expect(castValue(Number.POSITIVE_INFINITY, 'float')).toBeUndefined();
  });
});
