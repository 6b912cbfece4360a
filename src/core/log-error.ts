import { pino } from 'pino';

/**
 * Where the exchange session attaches an error's classified kind (non-enumerable, so the error
 * prints and serialises as before). Defined here, below the exchange layer, so the logger can
 * tell an exchange fault from a bug without knowing ccxt.
 */
export const ERROR_KIND_PROP = 'missoKind';

/** The key, inside a logged `err`, that holds an exchange fault's stack. */
export const FAULT_STACK_KEY = 'faultStack';

/**
 * pino's `err` serializer, with one change: an exchange fault (an error the session classified
 * as anything but `unknown`: timeouts, 5xx, rate limits, refusals) keeps its stack under
 * {@link FAULT_STACK_KEY} instead of `stack`, so the terminal can leave it out (it is expected
 * weather, not a crash) while the JSON log keeps it. Bugs keep `stack`. `kind` is added when known.
 */
export function serializeLogError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const out = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  const kind = (err as unknown as Record<string, unknown>)[ERROR_KIND_PROP];
  if (typeof kind !== 'string') return out;
  out['kind'] = kind;
  if (kind !== 'unknown' && typeof out['stack'] === 'string') {
    out[FAULT_STACK_KEY] = out['stack'];
    delete out['stack'];
  }
  return out;
}
