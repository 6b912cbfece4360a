/**
 * Tickers of watch-list symbols, sparing the others a symbol the exchange refuses (`BadSymbol`)
 * though its markets still list it (delisted mid-day, the markets loaded before): one such symbol
 * failed the whole `fetchTickers` call, pass after pass, and every price went stale.
 */
import type { Exchange, Ticker } from 'ccxt';
import { BadSymbol } from '../exchange/ccxt-lib.js';
import type { Logger } from '../core/logger.js';
import { splitListed } from './listed-symbols.js';
import { mapLimit } from './map-limit.js';

/** Passes a refused symbol is left out for before it is asked again (alone: one request). */
export const REFUSED_ASK_AGAIN_PASSES = 30;

/** Who asks, for {@link fetchTickersSparing}. */
export interface TickerAsker {
  /** The object the refused symbols are remembered with (one per updater: its state, or its exchange). */
  owner: object;
  /** The caller, as its log line names it: `t_update_tickers`, `get_last_prices_from_watch_list`. */
  caller: string;
  logger: Pick<Logger, 'warn'> | undefined;
  /** Fields added to the log line (`{task}`). */
  fields?: Record<string, unknown>;
  /** One `fetchTickers` call (true), or a `fetchTicker` call per symbol, `concurrency` at a time. */
  batch: boolean;
  concurrency: number;
  /** Per-symbol calls not yet made when it aborts are not made. */
  signal?: AbortSignal;
}

/** What {@link fetchTickersSparing} got: tickers by the symbol asked, and the symbols left out as refused. */
export interface SparedTickers {
  tickers: Record<string, Ticker>;
  refused: string[];
}

/** Per owner and caller: each refused symbol, and the passes since it was last asked. */
const memory = new WeakMap<object, Map<string, Map<string, number>>>();

/**
 * The tickers of `symbols`. A listed symbol the exchange refuses as `BadSymbol` is left out: named
 * by the error's message when it names it (as a unified symbol or the market's id), else found by
 * halving the request (a few calls, each through the rate budget like any other; too many and the
 * pass fails as before). It is warned about once, left out of the following passes and asked
 * again alone every {@link REFUSED_ASK_AGAIN_PASSES} passes; once answered it is back (and warned
 * about again if refused later). A symbol the markets do not list, a refusal of every symbol
 * asked, and any other error fail the call as they did.
 */
export async function fetchTickersSparing(exchange: Exchange, symbols: readonly string[], asker: TickerAsker): Promise<SparedTickers> {
  let byCaller = memory.get(asker.owner);
  if (!byCaller) memory.set(asker.owner, (byCaller = new Map()));
  let refusedBefore = byCaller.get(asker.caller);
  if (!refusedBefore) byCaller.set(asker.caller, (refusedBefore = new Map()));
  const ask: string[] = [];
  const askAgain: string[] = [];
  const leftOut: string[] = [];
  for (const symbol of symbols) {
    const passes = refusedBefore.get(symbol);
    if (passes === undefined) ask.push(symbol);
    else if (passes + 1 >= REFUSED_ASK_AGAIN_PASSES) askAgain.push(symbol);
    else {
      refusedBefore.set(symbol, passes + 1);
      leftOut.push(symbol);
    }
  }
  const first = await isolate(exchange, ask, asker, { calls: callBudget(ask.length) });
  const again = await isolate(exchange, askAgain, asker, { calls: callBudget(askAgain.length) }, true);
  for (const symbol of [...first.refused, ...again.refused]) refusedBefore.set(symbol, 0);
  for (const symbol of askAgain) if (!again.refused.includes(symbol)) refusedBefore.delete(symbol);
  if (first.refused.length > 0) {
    asker.logger?.warn(
      { ...asker.fields, symbols: [...first.refused].sort().join(', ') },
      `${asker.caller}: the exchange refuses watch-list symbols its markets list (BadSymbol: delisted?); left out until it answers them, asked again every ${REFUSED_ASK_AGAIN_PASSES} passes`,
    );
  }
  return { tickers: { ...first.tickers, ...again.tickers }, refused: [...leftOut, ...first.refused, ...again.refused] };
}

/** Calls a search may make for `n` symbols: about two refused symbols' halvings. */
function callBudget(n: number): number {
  return 2 + 4 * Math.ceil(Math.log2(Math.max(2, n)));
}

/**
 * `symbols`' tickers, the refused ones found and left out. `mayAllBeRefused`: the symbols asked
 * again, all refused before, may all be refused still; for the others, every symbol refused is
 * no delisting of some, and fails the call.
 */
async function isolate(
  exchange: Exchange,
  symbols: readonly string[],
  asker: TickerAsker,
  budget: { calls: number },
  mayAllBeRefused = false,
): Promise<SparedTickers> {
  if (symbols.length === 0) return { tickers: {}, refused: [] };
  if (!asker.batch) return perSymbol(exchange, symbols, asker, mayAllBeRefused);
  try {
    budget.calls--;
    return { tickers: await exchange.fetchTickers([...symbols]), refused: [] };
  } catch (err: unknown) {
    if (!isRefusalOfListed(err, exchange, symbols)) throw err;
    if (symbols.length === 1) return { tickers: {}, refused: [...symbols] };
    if (budget.calls <= 0) throw err;
    const named = namedIn(exchange, err.message, symbols);
    const parts = named.length > 0 && named.length < symbols.length ? [symbols.filter((s) => !named.includes(s))] : halves(symbols);
    const found: SparedTickers = { tickers: {}, refused: parts.length === 1 ? named : [] };
    for (const part of parts) {
      const got = await isolate(exchange, part, asker, budget, true);
      Object.assign(found.tickers, got.tickers);
      found.refused.push(...got.refused);
    }
    if (!mayAllBeRefused && found.refused.length === symbols.length) throw err;
    return found;
  }
}

/** One `fetchTicker` per symbol: a refused one is known by its own call. */
async function perSymbol(exchange: Exchange, symbols: readonly string[], asker: TickerAsker, mayAllBeRefused: boolean): Promise<SparedTickers> {
  const found: SparedTickers = { tickers: {}, refused: [] };
  let firstRefusal: unknown = null;
  await mapLimit([...symbols], asker.concurrency, async (symbol) => {
    if (asker.signal?.aborted) return;
    try {
      found.tickers[symbol] = await exchange.fetchTicker(symbol);
    } catch (err: unknown) {
      if (!isRefusalOfListed(err, exchange, [symbol])) throw err;
      firstRefusal ??= err;
      found.refused.push(symbol);
    }
  });
  if (!mayAllBeRefused && found.refused.length === symbols.length) throw firstRefusal;
  return found;
}

/** A `BadSymbol` for symbols the markets all list (an unlisted one is the config's mistake, refused as before). */
function isRefusalOfListed(err: unknown, exchange: Exchange, symbols: readonly string[]): err is Error {
  return err instanceof BadSymbol && splitListed(exchange, symbols).skipped.length === 0;
}

/** The symbols `message` names, by unified symbol or market id, as a whole word. */
function namedIn(exchange: Exchange, message: string, symbols: readonly string[]): string[] {
  const words = new Set(message.split(/[^A-Za-z0-9/:._-]+/).flatMap((w) => [w, w.replace(/[.:]+$/, '')]));
  return symbols.filter((s) => words.has(s) || words.has(String(exchange.markets?.[s]?.id ?? '\0')));
}

function halves(symbols: readonly string[]): string[][] {
  const mid = Math.ceil(symbols.length / 2);
  return [symbols.slice(0, mid), symbols.slice(mid)];
}
