import type { Clock } from '../core/clock.js';
import { ControlRefusal } from '../http/control-refusal.js';

/**
 * How long an operator's cancel or amend may wait for the exchange before the HTTP request is
 * answered anyway: two calls of `exchange.timeout_ms` (the cancel and its check) plus 10 s.
 */
export function controlAnswerMs(exchangeTimeoutMs: number): number {
  return 2 * exchangeTimeoutMs + 10_000;
}

const LATE = Symbol('late');

/**
 * Awaits `work` for up to `ms`. Past that, the request is refused with a 502 saying that `what`
 * goes on in the background: `work` is not aborted (the order manager keeps resolving the order,
 * exactly once), only no longer awaited.
 */
export async function boundedAnswer<T>(clock: Clock, ms: number, what: string, work: Promise<T>): Promise<T> {
  const timer = new AbortController();
  const late = clock.sleep(ms, timer.signal).then((full) => (full ? LATE : null));
  try {
    const first = await Promise.race([work, late]);
    if (first !== LATE) return first as T;
  } finally {
    timer.abort();
  }
  // Its outcome shows in the order's status and events; nobody awaits the rejection any more.
  work.catch(() => undefined);
  throw new ControlRefusal(
    `no answer from the exchange within ${Math.round(ms / 1000)} s; the ${what} is still being resolved and completes in the background (GET /api/orders shows the outcome)`,
    502,
  );
}
