import { describe, expect, it } from 'vitest';
import { IntentError } from '../../src/orders/intent.js';
import { parseQueueAction } from '../../src/orders/queue-action.js';

// The IntentError quotes the entry so the author can find it; JSON would print NaN and Infinity
// as null, and the message would then say a null element must be "a number > 0 or null".
describe('seed-style queue actions: the refused entry is quoted as written', () => {
  it('shows NaN, Infinity and undefined elements as such', () => {
    for (const [entry, shown] of [
      [['amend', 'c-1', Number.NaN, 100], 'NaN'],
      [['amend', 'c-1', 1, Number.POSITIVE_INFINITY], 'Infinity'],
      [['cancel', undefined], 'undefined'],
      [['amend', 'c-1', BigInt(5), 100], '5n'],
    ] as const) {
      const run = (): unknown => parseQueueAction(entry);
      expect(run).toThrow(IntentError);
      expect(run).toThrow(new RegExp(`\\b${shown}\\b`));
    }
  });

  it('a cyclic or BigInt entry is an IntentError, not a TypeError from quoting it', () => {
    const cyclic: unknown[] = ['cancel'];
    cyclic.push(cyclic);
    expect(() => parseQueueAction(cyclic)).toThrow(IntentError);
    expect(() => parseQueueAction(['amend', 'c-1', BigInt(1), null])).toThrow(IntentError);
  });
});
