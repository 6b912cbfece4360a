import { isPlainObject } from './env.js';
import { describeValue } from './zod-issues.js';

/**
 * Why a value is no watch list, or undefined when it is one: `index` names the item of a list
 * that is not a symbol, null the value as a whole.
 */
export interface WatchListProblem {
  index: number | null;
  got: unknown;
}

/**
 * The shapes of a watch list the market-data tasks and helpers read: None (the init update fills
 * it), a list of symbols, or a map keyed by them (`wl_ranges`, read by its keys as Python reads a
 * dict). Anything else (`BTC/USD:USD` alone, a number) would be read as no symbol at all, or
 * character by character. `misso check` applies it to the class attribute, a subtask's store and
 * the built-in helpers to what they are handed.
 */
export function watchListProblem(value: unknown): WatchListProblem | undefined {
  if (value === undefined || value === null || isPlainObject(value)) return undefined;
  if (!Array.isArray(value)) return { index: null, got: value };
  const index = value.findIndex((s) => typeof s !== 'string' || s === '');
  return index >= 0 ? { index, got: value[index] } : undefined;
}

/** A problem of {@link watchListProblem} as a sentence about `name` (`watch_list`, a helper's argument). */
export function watchListProblemText(name: string, problem: WatchListProblem): string {
  const got = problem.index === null ? describeValue(problem.got, true) : `a list whose item ${problem.index} is ${describeValue(problem.got, false)}`;
  return `${name} must be a list of symbols (or None), got ${got}`;
}

/**
 * The symbols of a watch list handed to a built-in helper: a list's items, a map's keys, none for
 * None. Any other shape throws a TypeError naming `name` and what it got.
 */
export function watchListSymbols(value: unknown, name: string): string[] {
  const problem = watchListProblem(value);
  if (problem) throw new TypeError(watchListProblemText(name, problem));
  if (Array.isArray(value)) return [...(value as string[])];
  return isPlainObject(value) ? Object.keys(value) : [];
}
