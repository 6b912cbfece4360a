import { describe, expect, it } from 'vitest';
import { cutText } from '../../src/notify/cut-text.js';

/** Whether `text` is well-formed UTF-16 (a lone surrogate does not survive UTF-8). */
const wellFormed = (text: string): boolean => Buffer.from(text, 'utf8').toString('utf8') === text;

describe('cutText', () => {
  it('returns text that fits as it is', () => {
    expect(cutText('hello', 5)).toBe('hello');
    expect(cutText('😀😀', 4)).toBe('😀😀');
  });

  it('cuts on a code-point boundary: never inside a surrogate pair', () => {
    // 'aaa' + '😀' is 5 units; room for 4 before the ellipsis would end inside the pair.
    const cut = cutText('aaa😀😀', 5);
    expect(cut).toBe('aaa…');
    expect(wellFormed(cut)).toBe(true);
    for (let max = 1; max < 45; max++) {
      const text = cutText('x😀'.repeat(20), max);
      expect(text.length).toBeLessThanOrEqual(max);
      expect(wellFormed(text)).toBe(true);
    }
  });

  it('keeps a grapheme cluster whole (ZWJ family, flag, skin tone, combining accent)', () => {
    for (const cluster of ['👨‍👩‍👧‍👦', '🇩🇪', '👍🏽', 'é']) {
      const text = `ab${cluster}cd`;
      for (let max = 3; max < text.length; max++) {
        const cut = cutText(text, max);
        expect(cut.length).toBeLessThanOrEqual(max);
        expect([`ab…`, `ab${cluster}…`, `ab${cluster}c…`]).toContain(cut);
      }
    }
  });

  it('cuts a single cluster longer than the room between code points', () => {
    const zalgo = `z${'\u0301'.repeat(50)}`;
    const cut = cutText(zalgo, 10);
    expect(cut).toBe(`z${'\u0301'.repeat(8)}…`);
    expect(cutText('😀'.repeat(5), 4)).toBe('😀…');
  });

  it('takes another suffix', () => {
    expect(cutText('abcdef', 5, '...')).toBe('ab...');
  });
});
