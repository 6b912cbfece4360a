import type { Exchange } from 'ccxt';
import { BadResponse } from './ccxt-lib.js';
import { HTTP_STATUS_PROP, RETRY_AFTER_PROP, parseRetryAfter } from './classify.js';

type RestResponseHandler = (response: unknown, ...rest: unknown[]) => Promise<unknown>;

interface ResponseLike {
  status?: unknown;
}

const INSTRUMENTED = Symbol.for('misso.httpErrorInfo');

/**
 * Makes every error a ccxt REST call throws carry the HTTP status and the `Retry-After` of the
 * response that caused it, as non-enumerable `httpStatus` / `retryAfterMs` properties, and turns
 * an HTML page where JSON was expected into ccxt's `BadResponse` (classified retryable).
 *
 * ccxt parses the response and throws from inside `handleRestResponse`, but only keeps headers in
 * `last_response_headers`, which concurrent calls overwrite. Wrapping `handleRestResponse` on the
 * instance ties each error to its own response. Idempotent; a no-op for an exchange without HTTP.
 *
 * @param now - the time source that turns an HTTP-date Retry-After into a wait.
 */
export function instrumentHttpErrors(exchange: Exchange, now: () => number): void {
  const target = exchange as unknown as Record<PropertyKey, unknown>;
  const original = target['handleRestResponse'];
  if (typeof original !== 'function' || target[INSTRUMENTED] === true) return;
  const handle = original as RestResponseHandler;
  const wrapped: RestResponseHandler = function (this: Exchange, response, ...rest) {
    let result: Promise<unknown>;
    try {
      result = Promise.resolve(handle.call(this, response, ...rest));
    } catch (err: unknown) {
      annotate(this, err, response, now);
      throw err;
    }
    return result.then(
      (parsed) => {
        // ccxt hands back the raw text when the body is not JSON. An HTML page (a proxy's or a
        // maintenance page, answered with 200) then parses into empty balances, null candles or
        // one "order" per character; refusing it here keeps junk out of every caller's state.
        if (typeof parsed === 'string' && parsed.trimStart().startsWith('<')) {
          const err = new BadResponse(`${this.id} answered with an HTML page instead of JSON`);
          annotate(this, err, response, now);
          throw err;
        }
        return parsed;
      },
      (err: unknown) => {
        annotate(this, err, response, now);
        throw err;
      },
    );
  };
  Object.defineProperty(target, 'handleRestResponse', { value: wrapped, configurable: true, writable: true });
  Object.defineProperty(target, INSTRUMENTED, { value: true });
}

function annotate(exchange: Exchange, err: unknown, response: unknown, now: () => number): void {
  if (typeof err !== 'object' || err === null || !Object.isExtensible(err)) return;
  const status = (response as ResponseLike | null)?.status;
  if (typeof status === 'number') define(err, HTTP_STATUS_PROP, status);
  let headers: Record<string, unknown> = {};
  try {
    headers = exchange.getResponseHeaders(response) as Record<string, unknown>;
  } catch {
    return;
  }
  const retryAfterMs = parseRetryAfter(headers['Retry-After'], now());
  if (retryAfterMs !== undefined) define(err, RETRY_AFTER_PROP, retryAfterMs);
}

function define(err: object, prop: string, value: number): void {
  Object.defineProperty(err, prop, { value, enumerable: false, configurable: true, writable: true });
}
