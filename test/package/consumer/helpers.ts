/** A user helper in TypeScript: loading it needs misso to register tsx on demand. */
export async function spread_count(watchList: string[] | null): Promise<Record<string, number>> {
  return Object.fromEntries((watchList ?? []).map((symbol): [string, number] => [symbol, symbol.length]));
}
