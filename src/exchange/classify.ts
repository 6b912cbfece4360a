import { AccountSuspended, AuthenticationError, BadRequest, BadResponse, BadSymbol, ChecksumError, DDoSProtection, DuplicateOrderId, ExchangeError, InsufficientFunds, InvalidNonce, InvalidOrder, NetworkError, NotSupported, OperationRejected, OrderNotFound, PermissionDenied, RateLimitExceeded, ArgumentsRequired, CancelPending, OperationFailed } from './ccxt-lib.js';
import { ERROR_KIND_PROP, HTTP_STATUS_PROP, RETRY_AFTER_PROP } from '../core/log-error.js';
import type { ErrorKind } from './types.js';

/** What {@link classifyError} found out about one error. */
export interface ErrorClassification {
  kind: ErrorKind;
  /** The error's class name (`RateLimitExceeded`, `TypeError`, …), for logs and metrics. */
  name: string;
  message: string;
  /** How long the exchange asked us to wait, when it said so (Retry-After, "banned until"). */
  retryAfterMs?: number;
  /** A 418 / IP ban: nothing may be sent until it is lifted, orders included. */
  ban?: boolean;
  /**
   * The exchange refused an order because its client order id is already taken. For an order we
   * placed ourselves this means the order exists: resolve it by client id, don't report a failure.
   */
  duplicate?: boolean;
  /** HTTP status of the failed response, when the exchange instance was instrumented. */
  httpStatus?: number;
}

/**
 * Property names that the HTTP instrumentation (see http-error-info.ts) and the simulated
 * exchange may set on a thrown error. Reading them here keeps one classification path for both.
 */
export { HTTP_STATUS_PROP, RETRY_AFTER_PROP };
/** Where the session attaches the classification to the original error (the logger reads it too). */
export const KIND_PROP = ERROR_KIND_PROP;

// Binance puts the end of an IP ban in the 418 body: "IP banned until 1659146400000".
const BANNED_UNTIL = /banned until (\d{13})/i;
// Some exchanges only say it in prose: "retry after 5 seconds", "Retry-After: 5".
const RETRY_AFTER_TEXT = /retry[- ]after[:\s]+(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|sec|seconds?)?/i;
// Binance -4116 is raised as a plain InvalidOrder on USD-M futures, other venues use BadRequest.
const DUPLICATE_TEXT = /duplicat|-4116\b/i;
const BAN_STATUS_TEXT = /\b418\b/;
/**
 * Binance futures refusals whose ccxt class depends on the host: ccxt's futures table is keyed on
 * `https://fapi.binance.com`, so elsewhere (a sim-server, a proxy) only its generic table applies.
 * -5022 (post-only would take) is `OrderNotFillable` on Binance's host and a plain `InvalidOrder`
 * elsewhere; -2021 (trigger already reached) is `OrderImmediatelyFillable` there and a bare
 * `ExchangeError` elsewhere, and so is -2022 (a reduce-only order with nothing to reduce), an
 * `InvalidOrder` there. misso names them the same on every host, a crossing post-only order
 * being `OrderImmediatelyFillable` as ccxt's unified API calls that refusal.
 */
const BINANCE_REFUSALS: readonly { code: RegExp; name: string }[] = [
  { code: /"code":\s*-5022\b/, name: 'OrderImmediatelyFillable' },
  { code: /"code":\s*-2021\b/, name: 'OrderImmediatelyFillable' },
  { code: /"code":\s*-5021\b/, name: 'OrderNotFillable' },
  { code: /"code":\s*-2022\b/, name: 'InvalidOrder' },
];

/**
 * Classifies anything thrown by an exchange call into one {@link ErrorKind}. This is the ONE place
 * that knows ccxt's class hierarchy; everything else steers on the kind. The most specific classes
 * are checked first because ccxt nests them (`OrderNotFound` is an `InvalidOrder`, `InvalidNonce`
 * and `RateLimitExceeded` are `NetworkError`s).
 *
 * @param now - the current time, used to turn "banned until <epoch ms>" into a wait.
 *   @defaultValue Date.now()
 */
export function classifyError(err: unknown, now: number = Date.now()): ErrorClassification {
  const name = errorName(err);
  const message = err instanceof Error ? err.message : String(err);
  const result: ErrorClassification = { kind: kindOf(err), name, message };
  // ccxt maps Binance's -4116 only on Binance's own hosts; elsewhere (a local sim-server, a proxy)
  // it is a bare ExchangeError, and the text is all that says what happened.
  if (result.kind === 'unknown' && err instanceof ExchangeError && DUPLICATE_TEXT.test(message)) {
    result.kind = 'invalid_order';
  }
  const refusal = err instanceof ExchangeError ? BINANCE_REFUSALS.find((r) => r.code.test(message)) : undefined;
  if (refusal && (result.kind === 'unknown' || result.kind === 'invalid_order')) {
    result.kind = 'invalid_order';
    result.name = refusal.name;
  }
  const status = numericProp(err, HTTP_STATUS_PROP);
  if (status !== undefined) result.httpStatus = status;
  if (result.kind === 'rate_limit') {
    const retryAfterMs = retryAfterOf(err, message, now);
    if (retryAfterMs !== undefined) result.retryAfterMs = retryAfterMs;
    if (status === 418 || (status === undefined && BAN_STATUS_TEXT.test(message)) || BANNED_UNTIL.test(message)) {
      result.ban = true;
    }
  }
  if (err instanceof DuplicateOrderId || (result.kind === 'invalid_order' && DUPLICATE_TEXT.test(message))) {
    result.duplicate = true;
  }
  return result;
}

function kindOf(err: unknown): ErrorKind {
  // ChecksumError extends InvalidNonce but is a websocket order-book desync, not clock skew.
  if (err instanceof ChecksumError) return 'retryable';
  if (err instanceof InvalidNonce) return 'nonce';
  if (err instanceof RateLimitExceeded || err instanceof DDoSProtection) return 'rate_limit';
  if (err instanceof NetworkError) return 'retryable';
  if (err instanceof AuthenticationError || err instanceof PermissionDenied || err instanceof AccountSuspended) {
    return 'auth';
  }
  if (err instanceof OrderNotFound) return 'not_found';
  if (err instanceof InsufficientFunds) return 'insufficient_funds';
  if (err instanceof NotSupported) return 'not_supported';
  if (
    err instanceof InvalidOrder ||
    err instanceof BadSymbol ||
    err instanceof BadRequest ||
    err instanceof ArgumentsRequired ||
    err instanceof OperationRejected
  ) {
    return 'invalid_order';
  }
  // A response that could not be understood, or a request stuck in a cancel: try again later.
  if (err instanceof BadResponse || err instanceof CancelPending) return 'retryable';
  // Binance answers -1000 "unknown error" (OperationFailed) on a 500: the server failed, not us.
  if (err instanceof OperationFailed) return 'retryable';
  const status = numericProp(err, HTTP_STATUS_PROP);
  if (status !== undefined && status >= 500) return 'retryable';
  // ccxt lets a TypeError escape when a 200 carries an HTML page (a proxy or maintenance page).
  if (err instanceof TypeError) return 'retryable';
  return 'unknown';
}

/**
 * True when the outcome of a write is unknown: the request may or may not have been applied
 * (timeouts, dropped connections, 5xx, unreadable answers). The order executor then looks the
 * order up by its client id instead of sending it again. Refusals that are known to happen
 * before execution (429/418, bad nonce, auth, validation) are not ambiguous.
 */
export function isAmbiguous(err: unknown): boolean {
  const kind = classifyError(err).kind;
  if (kind === 'retryable') return true;
  if (kind !== 'unknown') return false;
  // The exchange answered with a 4xx: it refused the request, so nothing was applied.
  const status = numericProp(err, HTTP_STATUS_PROP);
  return status === undefined || status < 400 || status >= 500;
}

/** The kind the session attached to an error it rethrew, or a fresh classification. */
export function errorKind(err: unknown): ErrorKind {
  return attachedKind(err) ?? classifyError(err).kind;
}

// Timeouts, 5xx, dropped connections, 429/418 and a clock just resynced: each says "try again",
// none says the request itself was wrong (a refusal says the same thing on every try).
const WEATHER: ReadonlySet<ErrorKind> = new Set(['retryable', 'rate_limit', 'nonce']);

/** Whether an exchange error is expected weather, which a later try of the same call may not meet. */
export function isWeather(err: unknown): boolean {
  return WEATHER.has(errorKind(err));
}

/**
 * The kind of an error a task saw. A task places no orders (the executor settles those itself),
 * so a request the exchange refused for its arguments (`BadRequest`, `BadSymbol`,
 * `ArgumentsRequired`: a timeframe it does not offer, an unknown symbol) is the config's or the
 * helper's mistake: `usage`, not `invalid_order`; so is a TypeError thrown outside any exchange call.
 */
export function taskErrorKind(err: unknown): ErrorKind {
  // Every exchange call's failure has its kind attached by the session. A TypeError without one
  // came from the task's own code (a helper reading a property of null): a bug to fix, not an
  // unreadable answer, and no reason to rebuild the exchange session.
  if (err instanceof TypeError && attachedKind(err) === null) return 'usage';
  const kind = errorKind(err);
  return kind === 'invalid_order' ? 'usage' : kind;
}

/** The kind the session attached to an error of an exchange call (see {@link attachKind}), or null. */
function attachedKind(err: unknown): ErrorKind | null {
  const attached = typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[KIND_PROP] : undefined;
  return typeof attached === 'string' ? (attached as ErrorKind) : null;
}

/** Attaches the kind to the original error without changing how it prints or serialises. */
export function attachKind(err: unknown, kind: ErrorKind): void {
  if (typeof err !== 'object' || err === null || !Object.isExtensible(err)) return;
  Object.defineProperty(err, KIND_PROP, { value: kind, enumerable: false, configurable: true, writable: true });
}

/**
 * Parses an HTTP `Retry-After` value (delta seconds or an HTTP date) into milliseconds.
 * Returns undefined for anything unreadable.
 */
export function parseRetryAfter(value: unknown, now: number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function retryAfterOf(err: unknown, message: string, now: number): number | undefined {
  const attached = numericProp(err, RETRY_AFTER_PROP);
  if (attached !== undefined) return attached;
  const banned = BANNED_UNTIL.exec(message);
  if (banned?.[1] !== undefined) return Math.max(0, Number(banned[1]) - now);
  const text = RETRY_AFTER_TEXT.exec(message);
  if (text?.[1] !== undefined) {
    const n = Number(text[1]);
    return text[2]?.toLowerCase().startsWith('m') ? n : n * 1000;
  }
  return undefined;
}

function numericProp(err: unknown, prop: string): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const value = (err as Record<string, unknown>)[prop];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function errorName(err: unknown): string {
  if (err instanceof Error) {
    // ccxt sets `name` on its classes; fall back to the constructor for anything that doesn't.
    return err.name && err.name !== 'Error' ? err.name : err.constructor.name;
  }
  return typeof err;
}
