import type { Logger } from '../core/logger.js';

/** The verdict of {@link evaluateSystemStatus}. */
export interface SystemStatusReport {
  /** Tasks that reported success in the window. */
  up: string[];
  /** Tasks that failed (false) or did not report (null / undefined). */
  down: string[];
  /** `'N modules down: a, b'` or `'all N modules up'`. */
  message: string;
}

/**
 * Judges the seed's `system_status` after a window: `true` is up; `false` (failed) and `null`
 * (no report since the last reset) are down. When a logger is given (the seed passed its error
 * logger) the message is logged too, at warn level when something is down.
 */
export function evaluateSystemStatus(
  status: Readonly<Record<string, boolean | null | undefined>> | null | undefined,
  logger?: Pick<Logger, 'info' | 'warn'> | null,
): SystemStatusReport {
  const up: string[] = [];
  const down: string[] = [];
  for (const [name, value] of Object.entries(status ?? {})) (value === true ? up : down).push(name);
  const total = up.length + down.length;
  const message = down.length > 0 ? `${down.length} modules down: ${down.join(', ')}` : `all ${total} modules up`;
  if (logger) {
    if (down.length > 0) logger.warn({ down }, message);
    else logger.info(message);
  }
  return { up, down, message };
}
