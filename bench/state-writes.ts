/**
 * `npx tsx bench/state-writes.ts`: the cost of the state's hot writes, now that what it stores is
 * frozen (review 25-B F7). A ticker delivery merged into `last_price` at 500 and 2000 markets
 * (all of them, and 10 of them), the first fill of a candle attribute, and a kline push merged
 * into one window of it. Microseconds per write, after a warm-up; one process, no exchange.
 */
import { VirtualClock } from '../src/core/clock.js';
import { StateStore } from '../src/state/state-store.js';
import { mergeCandles, type CandleRow } from '../src/tasks/update-candles.js';

function time(label: string, n: number, fn: (i: number) => void): void {
  for (let i = 0; i < Math.min(n, 50); i++) fn(i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
  process.stdout.write(`| ${label} | ${us.toFixed(1)} |\n`);
}

process.stdout.write('| write | µs |\n| --- | --- |\n');
const clock = new VirtualClock();
for (const markets of [500, 2000]) {
  const state = new StateStore({ last_price: {} }, clock);
  const symbols = Array.from({ length: markets }, (_, i) => `S${i}/USD:USD`);
  time(`last_price: a delivery of all ${markets} markets`, 2000, (i) => {
    const prices: Record<string, number> = {};
    for (const s of symbols) prices[s] = 100 + (i % 7);
    state.merge('last_price', prices, 'ws');
  });
  time(`last_price: a delivery of 10 of ${markets} markets`, 20_000, (i) => {
    const prices: Record<string, number> = {};
    for (let k = 0; k < 10; k++) prices[symbols[(i * 10 + k) % markets]!] = 100 + (i % 7);
    state.merge('last_price', prices, 'ws');
  });
}
for (const markets of [40, 500]) {
  const state = new StateStore({ ohlcs: {} }, clock);
  const symbols = Array.from({ length: markets }, (_, i) => `S${i}/USD:USD`);
  const all: Record<string, CandleRow[]> = {};
  for (const s of symbols) all[s] = Array.from({ length: 1000 }, (_, t) => [t * 60_000, 1, 2, 0.5, 1.5, 10] as CandleRow);
  const t0 = process.hrtime.bigint();
  state.set('ohlcs', all, 't');
  process.stdout.write(`| ohlcs: first fill, ${markets} × 1000 candles (once) | ${(Number(process.hrtime.bigint() - t0) / 1000).toFixed(0)} |\n`);
  time(`ohlcs: a kline push into one window of ${markets}`, 20_000, (i) => {
    const s = symbols[i % markets]!;
    const have = (state.get('ohlcs') as Readonly<Record<string, CandleRow[]>>)[s]!;
    const last = have.at(-1)!;
    state.merge('ohlcs', { [s]: mergeCandles(have, [[last[0], 1, 2, 0.5, 1.5 + (i % 3), 10]], 1000) }, 'ws');
  });
}
