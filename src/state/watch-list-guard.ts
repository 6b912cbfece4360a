import { watchListProblem, watchListProblemText } from '../config/watch-list-shape.js';

/**
 * A write of `watch_list` in a shape the market-data tasks cannot read (`'BTC/USD:USD'` alone, a
 * number, a list holding a non-symbol), refused at the call that makes it, state unchanged: kept,
 * it would fail (or quietly empty) every task that reads the watch list afterwards, far from the
 * cause. `problem` says which item, or the value as a whole, is wrong.
 */
export class WatchListShapeError extends TypeError {
  override name = 'WatchListShapeError';
  /** The attribute written: `watch_list`. */
  readonly attribute: string;
  /** What is wrong: `index` the item of a list that is no symbol (null: the value as a whole), and what it `got`. */
  readonly problem: { readonly index: number | null; readonly got: unknown };

  constructor(attribute: string, source: string, problem: { index: number | null; got: unknown }) {
    super(`${source} cannot write '${attribute}': ${watchListProblemText(`\`${attribute}\``, problem)}; write a list of symbols (e.g. ["BTC/USD:USD"]), a map keyed by them, or null`);
    this.attribute = attribute;
    this.problem = problem;
  }
}

/** The attributes whose every write must be a watch list (see `watchListProblem`). */
const WATCH_LISTS: ReadonlySet<string> = new Set(['watch_list']);

/** Throws a {@link WatchListShapeError} for a write of `value` into `name` that is no watch list. */
export function refuseWrongWatchList(name: string, value: unknown, source: string): void {
  if (!WATCH_LISTS.has(name)) return;
  const problem = watchListProblem(value);
  if (problem) throw new WatchListShapeError(name, source, problem);
}
