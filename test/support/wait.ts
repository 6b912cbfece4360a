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

/** The streams of `u` not fresh yet, with their phase and last error: what a start-up wait that timed out was missing. */
export function notFresh(u: { streamStats(): readonly { name: string; fresh: boolean; phase?: string; lastError?: string | null }[] }): string {
  const waiting = u.streamStats().filter((s) => !s.fresh);
  if (u.streamStats().length === 0) return 'no stream started';
  return waiting.map((s) => `${s.name} (${s.phase ?? '?'}${s.lastError ? `: ${s.lastError}` : ''})`).join(', ') || 'all fresh';
}
