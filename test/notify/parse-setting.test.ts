import { describe, expect, it } from 'vitest';
import { parseSetting } from '../../src/notify/parse-setting.js';

describe('parseSetting: a number', () => {
  it.each([
    ['12', 12],
    ['-0.5', -0.5],
    ['+3', 3],
    ['.25', 0.25],
    ['7.', 7],
    ['1e6', 1_000_000],
    ['2.5E-3', 0.0025],
    [' 10000 ', 10_000],
    ['010', 10],
  ])('takes plain decimal %j', (text, value) => {
    expect(parseSetting(10_000, text)).toEqual({ ok: true, value });
  });

  // Number() takes every one of these; a typo must not become an unrelated number.
  it.each(['0x10', '0X1f', '0b101', '0o7', 'Infinity', '-Infinity', 'NaN', '', '1_000', '1e', 'e5', '1,5', '12abc', '--1', '1e999'])(
    'refuses %j with a reply saying what is taken',
    (text) => {
      const parsed = parseSetting(10_000, text);
      expect(parsed.ok).toBe(false);
      expect(parsed).toEqual({ ok: false, reason: `it holds a number; '${text.trim()}' is not a plain decimal number (such as 12, -0.5 or 1e6)` });
    },
  );
});
