/**
 * Waits on the wall clock (tests against real servers and sockets) until `predicate` holds,
 * polling every 25 ms; fails naming `what` after `ms` (a function: read at the failure).
 */
export async function until(predicate: () => boolean, ms: number, what: string | (() => string)): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
