import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { OTHER_CHATS, UnauthorizedCommands, type UnauthorizedReport } from '../../src/notify/unauthorized-commands.js';

function rig(options: { maxChats?: number } = {}) {
  const clock = new VirtualClock();
  const reports: UnauthorizedReport[] = [];
  const fold = new UnauthorizedCommands({ clock, report: (r) => reports.push(r), ...options });
  return { clock, reports, fold };
}

describe('UnauthorizedCommands', () => {
  it("reports a quiet chat's first command at once and the rest of each window as one count", async () => {
    const { clock, reports, fold } = rig();
    fold.note('999', 'junk1');
    expect(reports).toEqual([{ chat: '999', command: 'junk1', count: 1 }]);
    for (let i = 2; i <= 500; i++) fold.note('999', `junk${i}`);
    expect(reports).toHaveLength(1);
    await clock.advance(59_999);
    expect(reports).toHaveLength(1);
    await clock.advance(1);
    expect(reports).toEqual([
      { chat: '999', command: 'junk1', count: 1 },
      { chat: '999', command: 'junk500', count: 499 },
    ]);
    // Still typing: one count per window.
    fold.note('999', 'more');
    fold.note('999', 'more');
    await clock.advance(60_000);
    expect(reports.at(-1)).toEqual({ chat: '999', command: 'more', count: 2 });
    // A window with nothing ends the chat's fold; its next command is told at once again.
    await clock.advance(60_000);
    expect(reports).toHaveLength(3);
    expect(clock.pending).toBe(0);
    fold.note('999', 'back');
    expect(reports.at(-1)).toEqual({ chat: '999', command: 'back', count: 1 });
    fold.close();
  });

  it('follows at most maxChats chats; commands from the rest are counted together', async () => {
    const { clock, reports, fold } = rig({ maxChats: 2 });
    for (const chat of ['1', '2', '3', '4', '5']) {
      fold.note(chat, 'x');
      fold.note(chat, 'y');
    }
    expect(reports).toEqual([
      { chat: '1', command: 'x', count: 1 },
      { chat: '2', command: 'x', count: 1 },
      { chat: OTHER_CHATS, command: 'x', count: 1 },
    ]);
    await clock.advance(60_000);
    expect(reports.slice(3)).toEqual([
      { chat: '1', command: 'y', count: 1 },
      { chat: '2', command: 'y', count: 1 },
      { chat: OTHER_CHATS, command: 'y', count: 5 },
    ]);
    expect(reports.reduce((n, r) => n + r.count, 0)).toBe(10);
    fold.close();
  });

  it('close reports what is still counted, stops its timers, and ignores later commands; idempotent', async () => {
    const { clock, reports, fold } = rig();
    fold.note('7', 'a');
    fold.note('7', 'b');
    fold.close();
    fold.close();
    expect(reports).toEqual([
      { chat: '7', command: 'a', count: 1 },
      { chat: '7', command: 'b', count: 1 },
    ]);
    await clock.advance(0);
    expect(clock.pending).toBe(0);
    fold.note('7', 'c');
    expect(reports).toHaveLength(2);
  });

  it('checks its options', () => {
    const clock = new VirtualClock();
    expect(() => new UnauthorizedCommands({ clock, report: () => undefined, windowMs: 0 })).toThrow('`windowMs` must be > 0, got 0');
    expect(() => new UnauthorizedCommands({ clock, report: () => undefined, maxChats: 0 })).toThrow('`maxChats` must be a positive integer, got 0');
  });
});
