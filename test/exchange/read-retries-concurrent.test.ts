/**
 * Reads retried side by side in one scope (the init update's subtasks, a reconciliation's
 * fetches) share the scope's retry log: one read that works while another still fails must not
 * log that the calls work again, nor start the log's decay over (virtual time).
 */
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import type { Logger } from '../../src/core/logger.js';
import { loadCcxtCore, NetworkError } from '../../src/exchange/ccxt-lib.js';
import { sendWithReadRetries, withReadRetries } from '../../src/exchange/read-retries.js';

interface Line {
  level: number;
  msg: string;
  method?: string;
  failures?: number;
  failedTries?: number;
}

beforeAll(async () => {
  await loadCcxtCore();
});

function capture(): { lines: Line[]; logger: Logger } {
  const lines: Line[] = [];
  return { lines, logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) }) };
}

const RECOVERED = 'start: exchange calls work again';

describe('reads retried side by side in one scope', () => {
  it('say the calls work again only once none of them fails, and keep one decaying run of warnings', async () => {
    const clock = new VirtualClock();
    const { lines, logger } = capture();
    let tickerUp = false;
    let tickerFailures = 0;
    let balanceTries = 0;
    const answered: string[] = [];
    const scope = { clock, logger, signal: new AbortController().signal, baseMs: 500, maxMs: 5000, random: () => 1 };
    let done = false;
    const run = withReadRetries(scope, async () => {
      const ticker = sendWithReadRetries('fetchTicker', [], () => {
        if (!tickerUp) {
          tickerFailures++;
          return Promise.reject(new NetworkError('connect ECONNREFUSED (ticker)'));
        }
        answered.push('ticker');
        return Promise.resolve('ticker');
      });
      // A read that works at once, and one that works on its second try, while the ticker fails on.
      await clock.sleep(10_000);
      answered.push(await sendWithReadRetries('fetchTime', [], () => Promise.resolve('time')));
      answered.push(
        await sendWithReadRetries('fetchBalance', [], () =>
          ++balanceTries === 1 ? Promise.reject(new NetworkError('connect ECONNREFUSED (balance)')) : Promise.resolve('balance'),
        ),
      );
      return ticker;
    }).then(() => (done = true));

    await clock.advanceUntil(() => answered.includes('balance'), 60_000);
    await clock.advance(50_000);
    expect(answered).toEqual(['time', 'balance']);
    expect(lines.filter((l) => l.msg === RECOVERED)).toEqual([]);

    tickerUp = true;
    await clock.advanceUntil(() => done, 10_000);
    await run;
    const recovered = lines.filter((l) => l.msg === RECOVERED);
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toMatchObject({ method: 'fetchTicker' });
    // The balance's failure and every ticker's: one run, counted whole.
    const warnings = lines.filter((l) => l.level === 40);
    expect(tickerFailures).toBeGreaterThan(10);
    expect(recovered[0]!.failedTries).toBe(tickerFailures + 1);
    const counts = warnings.map((l) => l.failures!);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(new Set(counts).size).toBe(counts.length);
    expect(counts[0]).toBe(1);
    expect(lines.indexOf(recovered[0]!)).toBe(lines.length - 1);
  });
});
