import { VirtualClock } from '../../src/core/clock.js';
import { weightOf } from '../../src/exchange/priority.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';
import { mergeCandles, type CandleRow } from '../../src/tasks/update-candles.js';
import type { Arm, Scenario } from '../harness.js';
import { ensure, loadedSim, swapSymbols } from '../support.js';

const LIMIT = 1000;
const MINUTE = 60_000;

/**
 * `t_update_candles` keeping 1000 one-minute candles for each of the 40 perpetuals, once a
 * (virtual) minute. Baseline: refetch all 1000 candles of every market each time. Subject: what
 * the task does, fetch from the last candle held (`since`) and merge with `mergeCandles`. Both
 * arms hold the same window afterwards (checked against a fresh full fetch). Each arm has its
 * own virtual clock and sim of the same seed; one op is one pass over all markets after the
 * clock moved a minute.
 */
export const candlesScenario: Scenario = {
  id: 'candles',
  title: 'Candles: incremental refresh (since + merge) vs full refetch, 40 markets × 1000 1m',
  op: 'one refresh pass over 40 markets',
  async prepare(mode) {
    const full = await CandleKeeper.create();
    const incremental = await CandleKeeper.create();
    const coldMs = await full.fill();
    const warmMs = await incremental.fill();
    const symbols = full.symbols;
    const weightFull = symbols.length * weightOf('fetchOHLCV', [symbols[0], '1m', undefined, LIMIT]);
    const weightIncremental = symbols.length * weightOf('fetchOHLCV', [symbols[0], '1m', 0]);

    const arm = (label: string, keeper: CandleKeeper, refresh: (symbol: string) => Promise<void>): Arm => ({
      label,
      ...(mode.smoke ? {} : { maxOps: 2_000 }),
      async run(n) {
        for (let i = 0; i < n; i++) {
          await keeper.clock.advance(MINUTE);
          for (const symbol of symbols) await refresh(symbol);
        }
      },
      check: () => keeper.check(),
    });

    return {
      baseline: arm('full refetch of 1000', full, (s) => full.refetch(s)),
      subjects: [arm('since last + mergeCandles', incremental, (s) => incremental.update(s))],
      notes: () => [
        `${symbols.length} markets; start-up fill of ${LIMIT} candles each: ${coldMs.toFixed(0)} ms on a fresh venue ` +
          `(${warmMs.toFixed(0)} ms for the second venue, JIT warm)`,
        `rate-budget weight per pass (Binance figures): full ${weightFull}, incremental ${weightIncremental}`,
      ],
      async close() {
        await full.sim.close();
        await incremental.sim.close();
      },
    };
  },
};

// One arm's clock, sim and candle window per symbol.
class CandleKeeper {
  readonly clock: VirtualClock;
  readonly sim: SimExchange;
  readonly symbols: string[];
  readonly #window = new Map<string, CandleRow[]>();

  private constructor(clock: VirtualClock, sim: SimExchange) {
    this.clock = clock;
    this.sim = sim;
    this.symbols = swapSymbols(sim);
  }

  static async create(): Promise<CandleKeeper> {
    const clock = new VirtualClock();
    return new CandleKeeper(clock, await loadedSim(clock));
  }

  /** The start-up load: 1000 candles of every market. Returns the ms it took. */
  async fill(): Promise<number> {
    const t0 = process.hrtime.bigint();
    for (const symbol of this.symbols) await this.refetch(symbol);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  }

  async refetch(symbol: string): Promise<void> {
    this.#window.set(symbol, rowsOf(await this.sim.fetchOHLCV(symbol, '1m', undefined, LIMIT)));
  }

  // What t_update_candles does per symbol: from the last candle held (it may have been forming).
  async update(symbol: string): Promise<void> {
    const have = this.#window.get(symbol) ?? [];
    const last = have.at(-1);
    const fresh = rowsOf(await this.sim.fetchOHLCV(symbol, '1m', last ? last[0] : undefined, last ? undefined : LIMIT));
    this.#window.set(symbol, mergeCandles(have, fresh, LIMIT));
  }

  /** Every window is the latest 1000 candles, minute by minute, and equal to a fresh full fetch. */
  async check(): Promise<void> {
    const currentOpen = Math.floor(this.clock.now() / MINUTE) * MINUTE;
    for (const symbol of this.symbols) {
      const rows = this.#window.get(symbol) ?? [];
      ensure(rows.length === LIMIT, `${symbol} holds ${rows.length} candles`);
      ensure(rows.at(-1)?.[0] === currentOpen, `${symbol}'s last candle opens at ${rows.at(-1)?.[0]}, not ${currentOpen}`);
      const truth = rowsOf(await this.sim.fetchOHLCV(symbol, '1m', undefined, LIMIT));
      ensure(JSON.stringify(rows) === JSON.stringify(truth), `${symbol}'s window differs from a fresh fetch`);
    }
  }
}

function rowsOf(raw: readonly (readonly unknown[])[]): CandleRow[] {
  return raw.map((r) => r.map(Number) as CandleRow);
}
