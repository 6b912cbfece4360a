/**
 * One page of a history, oldest first, as Binance pages its lists: from a start (a `startTime`,
 * `since` or `fromId`), the first `limit` rows; without one, the latest `limit`.
 */
export function historyPage<T>(rows: readonly T[], fromStart: boolean, limit: number): T[] {
  return fromStart ? rows.slice(0, limit) : rows.slice(-limit);
}
