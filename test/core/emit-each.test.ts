/**
 * What a listener's error becomes: logged each time, notified once per different message, and
 * at most NOTIFIED_ERRORS_PER_EVENT per event (a message naming an order would otherwise notify
 * at every order).
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { NOTIFIED_ERRORS_PER_EVENT, reportListenerFailures } from '../../src/core/emit-each.js';

describe('reportListenerFailures', () => {
  it('notifies each different error of an event once, up to the cap, and logs every one', () => {
    const lines: string[] = [];
    const notes: string[] = [];
    const report = reportListenerFailures('the order manager', pino({ level: 'info' }, { write: (l: string) => void lines.push(l) }), (text) => notes.push(text));
    report('order', new Error('same'));
    report('order', new Error('same'));
    report('fill', new Error('same'));
    expect(notes).toEqual([
      "a 'order' listener of the order manager threw: same (logged each time)",
      "a 'fill' listener of the order manager threw: same (logged each time)",
    ]);
    for (let i = 1; i <= NOTIFIED_ERRORS_PER_EVENT + 2; i++) report('order', new Error(`order ${i} is odd`));
    const orderNotes = notes.filter((n) => n.startsWith("a 'order'"));
    expect(orderNotes).toHaveLength(NOTIFIED_ERRORS_PER_EVENT);
    expect(orderNotes.at(-1)).toMatch(/further different errors of this event are logged only\)$/);
    expect(orderNotes).toContain("a 'order' listener of the order manager threw: order 1 is odd (logged each time)");
    expect(lines).toHaveLength(3 + NOTIFIED_ERRORS_PER_EVENT + 2);
  });
});
