/**
 * The start's retries against an exchange that stays unreachable for an hour (virtual time): the
 * log says so at a decaying rate (the 1st, 2nd, 4th … failure, then once a minute with the
 * failures since the line before), not once per try, and once when it connects, with how long
 * that took.
 */
import type { Exchange } from 'ccxt';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { silentLogger, type Logger } from '../../src/core/logger.js';
import { RetryLog } from '../../src/core/retry-log.js';
import { loadCcxtCore, NetworkError } from '../../src/exchange/ccxt-lib.js';
import { createExchangeFactory } from '../../src/exchange/factory.js';
import { openSessionWithRetry } from '../../src/exchange/open-session.js';
import { exchangeConfig } from './helpers.js';

interface Line {
  level: number;
  msg: string;
  failures?: number;
  failuresSinceLastLine?: number;
  failingForMs?: number;
  failedTries?: number;
  tookMs?: number;
}

const HOUR = 3_600_000;

// As the factory does: ccxt's classes must be loaded before an error of theirs is built.
beforeAll(async () => {
  await loadCcxtCore();
});

function capture(): { lines: Line[]; logger: Logger } {
  const lines: Line[] = [];
  return { lines, logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) }) };
}

describe('the start against an unreachable exchange', () => {
  it('logs an hour of failed tries (~1800, one every 2 s) in about 70 lines, and the connection once, with how long it took', async () => {
    const clock = new VirtualClock();
    const { lines, logger } = capture();
    const startedAt = clock.now();
    // Refused first while building the client (the open's own loop), then while loading the
    // markets (the read retries inside it): one run of failures, logged as one.
    let phase: 'build' | 'markets' | 'up' = 'build';
    const base = createExchangeFactory(exchangeConfig({ id: 'sim' }), { clock, logger: silentLogger() });
    let tries = 0;
    const factory = async (): Promise<Exchange> => {
      if (phase === 'build') {
        tries++;
        throw new NetworkError('connect ECONNREFUSED 127.0.0.1:8555');
      }
      // Building loads the simulator's module (real I/O): virtual time waits for it.
      const building = base();
      clock.track(building);
      const ex = await building;
      const fetchMarkets = ex.fetchMarkets.bind(ex);
      ex.fetchMarkets = async (params) => {
        if (phase !== 'up') {
          tries++;
          throw new NetworkError('connect ECONNREFUSED 127.0.0.1:8555');
        }
        return fetchMarkets(params);
      };
      return ex;
    };
    let opened = false;
    const told: string[] = [];
    const opening = openSessionWithRetry(
      { config: exchangeConfig({ id: 'sim' }), clock, logger, factory },
      { signal: new AbortController().signal, random: () => 1, onFirstFailure: (e) => told.push(`down: ${e.message}`), onConnectedAfterFailure: (ms) => told.push(`up after ${ms}`) },
    ).then((s) => {
      opened = true;
      return s;
    });

    await clock.advance(60_000);
    phase = 'markets';
    await clock.advance(HOUR - 60_000);
    phase = 'up';
    await clock.advanceUntil(() => opened, 10_000);
    const session = await opening;
    await session.close();

    const warned = lines.filter((l) => l.msg === 'exchange unreachable at start; retrying');
    expect(lines.filter((l) => l.level >= 40 && l.msg !== 'exchange unreachable at start; retrying')).toEqual([]);
    expect(tries).toBeGreaterThan(1700);
    expect(warned.length).toBeGreaterThanOrEqual(60);
    expect(warned.length).toBeLessThanOrEqual(70);
    // The first failure at once, then the 2nd, 4th, 8th …; the counts run on across both phases.
    expect(warned.slice(0, 5).map((l) => l.failures)).toEqual([1, 2, 4, 8, 16]);
    for (let i = 1; i < warned.length; i++) {
      const [prev, line] = [warned[i - 1]!, warned[i]!];
      expect(line.failuresSinceLastLine).toBe(line.failures! - prev.failures!);
      // Never a silent minute (plus the 2 s between tries) while it fails.
      expect(line.failingForMs! - prev.failingForMs!).toBeLessThanOrEqual(62_000);
    }
    const connected = lines.filter((l) => l.msg === 'exchange reachable at start; connected');
    expect(connected).toHaveLength(1);
    expect(connected[0]).toMatchObject({ level: 30, failedTries: tries });
    expect(connected[0]!.tookMs).toBeGreaterThanOrEqual(HOUR - 2_000);
    expect(connected[0]!.tookMs).toBeLessThanOrEqual(clock.now() - startedAt);
    // The operator hears of it twice: the first failure, and the connection that closes it (an hour on).
    expect(told).toHaveLength(2);
    expect(told[0]).toBe('down: connect ECONNREFUSED 127.0.0.1:8555');
    expect(Number(told[1]!.slice('up after '.length))).toBeGreaterThanOrEqual(HOUR - 2_000);
  });

  it('a start that works at once logs neither, and tells neither', async () => {
    const clock = new VirtualClock();
    const { lines, logger } = capture();
    const told: string[] = [];
    const session = await openSessionWithRetry(
      { config: exchangeConfig({ id: 'sim' }), clock, logger },
      { signal: new AbortController().signal, onFirstFailure: () => told.push('down'), onConnectedAfterFailure: () => told.push('up') },
    );
    await session.close();
    expect(lines.filter((l) => /unreachable|reachable/.test(l.msg))).toEqual([]);
    expect(told).toEqual([]);
  });
});

describe('RetryLog', () => {
  it('logs failures 1, 2, 4, 8 … while they come fast, at most once a minute when they come slowly, and starts over after a success', async () => {
    const clock = new VirtualClock();
    const { lines, logger } = capture();
    const log = new RetryLog({ clock, logger, failing: 'down', recovered: 'up' });
    const fail = async (n: number, everyMs: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        log.failed({});
        await clock.advance(everyMs);
      }
    };
    await fail(20, 100);
    expect(lines.map((l) => l.failures)).toEqual([1, 2, 4, 8, 16]);
    lines.length = 0;
    // Slow tries (every 30 s): the next doubling (32) is 6 minutes away; a line a minute instead.
    await fail(6, 30_000);
    expect(lines.map((l) => l.failuresSinceLastLine)).toEqual([7, 2]);
    log.succeeded();
    expect(lines.at(-1)).toMatchObject({ msg: 'up', failedTries: 26 });
    lines.length = 0;
    log.failed({});
    expect(lines.map((l) => [l.msg, l.failures])).toEqual([['down', 1]]);
  });
});
