import { pino } from 'pino';
import { withoutHtml } from './error-text.js';

/**
 * Where the exchange session attaches an error's classified kind (non-enumerable, so the error
 * prints and serialises as before). Defined here, below the exchange layer, so the logger can
 * tell an exchange fault from a bug without knowing ccxt.
 */
export const ERROR_KIND_PROP = 'missoKind';

/**
 * Where the exchange's HTTP instrumentation (and the simulated exchange) put the HTTP status of
 * the response an error came from, and the wait its `Retry-After` asked for, ms: non-enumerable
 * properties of the thrown error, read by the classification and copied into the log.
 */
export const HTTP_STATUS_PROP = 'httpStatus';
/** See {@link HTTP_STATUS_PROP}. */
export const RETRY_AFTER_PROP = 'retryAfterMs';

/** The key, inside a logged `err`, that holds an exchange fault's stack. */
export const FAULT_STACK_KEY = 'faultStack';

/** The key, inside a logged `err`, that holds its message's length before its HTML page was cut out. */
export const MESSAGE_CHARS_KEY = 'messageChars';

/**
 * pino's `err` serializer, with these changes:
 * - An exchange fault (an error the session classified as anything but `unknown`: timeouts, 5xx,
 *   rate limits, refusals) keeps its stack under {@link FAULT_STACK_KEY} instead of `stack`, so
 *   the terminal can leave it out (it is expected weather, not a crash) while the JSON log keeps
 *   it. Bugs keep `stack`. `kind` is added when known.
 * - An HTML error page in the message (ccxt puts a proxy's whole 5xx page there) becomes its
 *   title (see `withoutHtml`), in the message and in the stack: kilobytes of markup tell the
 *   reader nothing the title, the URL and the status before it do not. The length of the
 *   message as thrown is kept under {@link MESSAGE_CHARS_KEY}.
 * - The response's HTTP status and `Retry-After` wait, when known, are added as `httpStatus`
 *   and `retryAfterMs`.
 *
 * An error's message logged as a string (`{err: e.message}`) loses its page the same way.
 */
export function serializeLogError(err: unknown): unknown {
  if (typeof err === 'string') return withoutHtml(err);
  if (!(err instanceof Error)) return err;
  const out = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  tidy(out, err);
  const errors = out['aggregateErrors'];
  if (Array.isArray(errors) && err instanceof AggregateError) {
    errors.forEach((inner: unknown, i) => {
      const source: unknown = err.errors[i];
      if (typeof inner === 'object' && inner !== null && source instanceof Error) tidy(inner as Record<string, unknown>, source);
    });
  }
  const kind = (err as unknown as Record<string, unknown>)[ERROR_KIND_PROP];
  if (typeof kind !== 'string') return out;
  out['kind'] = kind;
  if (kind !== 'unknown' && typeof out['stack'] === 'string') {
    out[FAULT_STACK_KEY] = out['stack'];
    delete out['stack'];
  }
  return out;
}

/**
 * A logged string that may carry an exception's message (the `detail` of a classified failure):
 * its HTML page, if any, becomes its title.
 */
export function serializeLogText(text: unknown): unknown {
  return typeof text === 'string' ? withoutHtml(text) : text;
}

/** Takes the HTML pages out of one serialised error's message and stack; adds what the response said. */
function tidy(out: Record<string, unknown>, err: Error): void {
  const message = out['message'];
  if (typeof message === 'string') {
    const shown = withoutHtml(message);
    if (shown !== message) {
      out['message'] = shown;
      out[MESSAGE_CHARS_KEY] = message.length;
    }
  }
  const stack = out['stack'];
  if (typeof stack === 'string') out['stack'] = stackWithoutHtml(stack, err);
  for (const key of [HTTP_STATUS_PROP, RETRY_AFTER_PROP]) {
    const value = numberProp(err, key);
    if (value !== undefined) out[key] = value;
  }
}

/**
 * A stack (pino's: the error's, then each cause's after `caused by:`) with the HTML pages out.
 * Each message of the chain is replaced where it stands, so a page without its closing tag (cut
 * short) cannot swallow the frames after it; a page left over (a message changed after the
 * stack was taken) goes the general way.
 */
function stackWithoutHtml(stack: string, err: Error): string {
  let out = stack;
  let current: unknown = err;
  for (let depth = 0; depth < 10 && current instanceof Error; depth++) {
    const message = current.message;
    if (typeof message === 'string' && message !== '') {
      const shown = withoutHtml(message);
      if (shown !== message) out = out.split(message).join(shown);
    }
    current = current.cause;
  }
  return withoutHtml(out);
}

function numberProp(err: Error, key: string): number | undefined {
  try {
    const value: unknown = (err as unknown as Record<string, unknown>)[key];
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
