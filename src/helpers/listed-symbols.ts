/**
 * Watch-list symbols the exchange does not list (a typo, a delisting): the market-data paths skip
 * them instead of failing the pass for every other symbol, and say so once per set of them.
 */
import type { Logger } from '../core/logger.js';
import { isListed, type MarketView } from '../orders/intent-market.js';

type Warn = Pick<Logger, 'warn'>;

/** The logger the engine registers for the exchange object it hands the helpers (`self.aftx`). */
const helperLoggers = new WeakMap<object, Warn>();

/** Registers the logger that the built-in helpers called with `exchange` warn on. */
export function registerHelperLogger(exchange: object, logger: Warn): void {
  helperLoggers.set(exchange, logger);
}

/** The logger registered for `exchange`, if the engine runs it. */
export function helperLoggerOf(exchange: unknown): Warn | undefined {
  return typeof exchange === 'object' && exchange !== null ? helperLoggers.get(exchange) : undefined;
}

/** Per owner (a state, an exchange) and caller: the skipped set last logged. */
const logged = new WeakMap<object, Map<string, string>>();

/** Who skips, for {@link warnSkippedOnce}: its log line, and what it is remembered by. */
export interface SkipReport {
  /** The object the memory lives with (one per updater: its state, or its exchange). */
  owner: object;
  /** The caller, as its log line names it: `candles`, `get_ohlcv_data`. */
  caller: string;
  logger: Warn | undefined;
  /** Fields added to the log line (`{task}`). */
  fields?: Record<string, unknown>;
}

/**
 * Logs `skipped` once per distinct set and caller: a watch list that keeps the same unlisted
 * symbol says so at the first pass, not at every one; a new set is logged again, and after a pass
 * that skipped nothing the same set counts as new.
 */
export function warnSkippedOnce(skipped: readonly string[], report: SkipReport): void {
  const set = [...skipped].sort().join(', ');
  let byCaller = logged.get(report.owner);
  if (!byCaller) logged.set(report.owner, (byCaller = new Map()));
  if (set !== '' && byCaller.get(report.caller) !== set) {
    report.logger?.warn({ ...report.fields, symbols: set }, `${report.caller}: watch-list symbols the exchange does not list are skipped`);
  }
  byCaller.set(report.caller, set);
}

/** `symbols` split into those `exchange` lists and those it does not (all listed before its markets are loaded). */
export function splitListed(exchange: unknown, symbols: readonly string[]): { listed: string[]; skipped: string[] } {
  const listed: string[] = [];
  const skipped: string[] = [];
  for (const s of symbols) (isListed(exchange as MarketView, s) ? listed : skipped).push(s);
  return { listed, skipped };
}
