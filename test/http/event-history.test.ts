import { describe, expect, it } from 'vitest';
import { EventHistory } from '../../src/http/event-history.js';
import type { StatusEvent, StatusSource, StatusSnapshot } from '../../src/http/types.js';

function source() {
  const listeners = new Set<(e: StatusEvent) => void>();
  const src: StatusSource = {
    snapshot: () => ({}) as StatusSnapshot,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { src, publish: (e: StatusEvent) => listeners.forEach((l) => l(e)) };
}

const stranger = (at: number): StatusEvent => ({ type: 'command', at, command: 'junk', outcome: 'unauthorized', chat: '999', count: 1 });

describe('EventHistory', () => {
  it("keeps at most maxUnauthorized refused commands, dropping the oldest of them, so strangers cannot push out the operator's events", () => {
    const { src, publish } = source();
    const history = new EventHistory(src, { capacity: 50, maxUnauthorized: 3 });
    publish({ type: 'notification', at: 1, level: 'warn', message: 'stale data' });
    publish({ type: 'command', at: 2, command: 'status', outcome: 'ok' });
    for (let i = 0; i < 500; i++) publish(stranger(10 + i));
    publish({ type: 'phase', at: 600, phase: 'running' });
    const kept = history.since(0);
    expect(kept.map((e) => e.type)).toEqual(['notification', 'command', 'command', 'command', 'command', 'phase']);
    expect(kept.filter((e) => e.type === 'command' && e.outcome === 'unauthorized').map((e) => e.at)).toEqual([507, 508, 509]);
    // Numbered as they came: a client that saw the dropped ones still joins the stream.
    expect(history.lastId).toBe(503);
    history.close();
  });

  it('counts refused commands dropped off the front by capacity, so the budget stays exact', () => {
    const { src, publish } = source();
    const history = new EventHistory(src, { capacity: 3, maxUnauthorized: 2 });
    publish(stranger(1));
    publish(stranger(2));
    for (let i = 0; i < 3; i++) publish({ type: 'phase', at: 10 + i, phase: 'running' });
    // Both strangers went off the front; two new ones fit the budget again.
    publish(stranger(20));
    publish(stranger(21));
    expect(history.since(0).map((e) => e.at)).toEqual([12, 20, 21]);
    history.close();
  });

  it('checks its options', () => {
    expect(() => new EventHistory(source().src, { maxUnauthorized: 0 })).toThrow('maxUnauthorized must be a positive integer, got 0');
  });
});
