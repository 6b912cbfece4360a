import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { evaluateSystemStatus } from '../../src/helpers/system-status.js';

describe('evaluateSystemStatus', () => {
  it('counts true as up and false or null (no report) as down', () => {
    const report = evaluateSystemStatus({ tickers: true, balance: false, orders: null, ohlcv: true, extra: undefined });
    expect(report.up).toEqual(['tickers', 'ohlcv']);
    expect(report.down).toEqual(['balance', 'orders', 'extra']);
    expect(report.message).toBe('3 modules down: balance, orders, extra');
  });

  it('says all are up when nothing is down', () => {
    expect(evaluateSystemStatus({ a: true, b: true }).message).toBe('all 2 modules up');
    expect(evaluateSystemStatus({}).message).toBe('all 0 modules up');
    expect(evaluateSystemStatus(null)).toEqual({ up: [], down: [], message: 'all 0 modules up' });
  });

  it('logs the verdict when given a logger, at warn when something is down', () => {
    const lines: { level: number; msg: string }[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _e, cb) {
        lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        cb();
      },
    });
    const logger = pino(stream);
    evaluateSystemStatus({ a: false }, logger);
    evaluateSystemStatus({ a: true }, logger);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, '1 modules down: a'],
      [30, 'all 1 modules up'],
    ]);
  });
});
