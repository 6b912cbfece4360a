import { createHmac, timingSafeEqual } from 'node:crypto';
import { BINANCE_ERRORS } from './binance-error.js';

/** The API key the sim server accepts unless told otherwise (`--api-key`). */
export const DEFAULT_SIM_API_KEY = 'misso-sim-key';
/** The secret the sim server accepts unless told otherwise (`--secret`). */
export const DEFAULT_SIM_SECRET = 'misso-sim-secret';

/** Binance's default and largest `recvWindow`, in ms. */
const DEFAULT_RECV_WINDOW_MS = 5_000;
const MAX_RECV_WINDOW_MS = 60_000;
/** Binance refuses timestamps more than this far ahead of its clock. */
const MAX_AHEAD_MS = 1_000;

/** One signed request, as the server received it. */
export interface SignedRequest {
  /** The `X-MBX-APIKEY` header, if sent. */
  apiKey: string | undefined;
  /** The raw query string, without the `?`. */
  rawQuery: string;
  /** The raw request body (form-encoded for POST/DELETE), or `''`. */
  rawBody: string;
  /** Query and body parameters merged. */
  params: URLSearchParams;
}

/** The credentials and clock a check runs against. */
export interface AuthContext {
  apiKey: string;
  secret: string;
  nowMs: number;
}

/**
 * Checks a signed (USER_DATA / TRADE) request the way Binance does, throwing the matching
 * {@link BinanceApiError}: the key, then the HMAC-SHA256 of the query string followed by the body
 * (the `signature` parameter removed), then `timestamp` against `recvWindow`.
 */
export function verifySignedRequest(request: SignedRequest, auth: AuthContext): void {
  verifyApiKey(request.apiKey, auth.apiKey);

  const signature = request.params.get('signature');
  if (signature === null || signature === '') throw BINANCE_ERRORS.missingParam('signature');
  const payload = withoutSignature(request.rawQuery) + withoutSignature(request.rawBody);
  const expected = createHmac('sha256', auth.secret).update(payload).digest('hex');
  if (!sameText(signature.toLowerCase(), expected)) throw BINANCE_ERRORS.badSignature();

  const timestampText = request.params.get('timestamp');
  if (timestampText === null || timestampText === '') throw BINANCE_ERRORS.missingParam('timestamp');
  const timestamp = Number(timestampText);
  if (!Number.isInteger(timestamp)) throw BINANCE_ERRORS.badParam('timestamp');
  const windowText = request.params.get('recvWindow');
  const recvWindow = windowText === null ? DEFAULT_RECV_WINDOW_MS : Number(windowText);
  if (!Number.isFinite(recvWindow) || recvWindow <= 0 || recvWindow > MAX_RECV_WINDOW_MS) {
    throw BINANCE_ERRORS.badParam('recvWindow');
  }
  if (timestamp > auth.nowMs + MAX_AHEAD_MS) throw BINANCE_ERRORS.timestampAhead();
  if (auth.nowMs - timestamp > recvWindow) throw BINANCE_ERRORS.timestampOutsideWindow();
}

/** Checks the `X-MBX-APIKEY` header alone (USER_STREAM endpoints such as the listenKey). */
export function verifyApiKey(given: string | undefined, expected: string): void {
  if (given === undefined || given === '') throw BINANCE_ERRORS.missingApiKey();
  if (!sameText(given, expected)) throw BINANCE_ERRORS.unknownApiKey();
}

/** Signs a query the way a Binance client does (for tests and raw callers). */
export function signQuery(query: string, secret: string): string {
  return createHmac('sha256', secret).update(query).digest('hex');
}

/** Removes the `signature=…` pair from a raw form/query string, keeping the rest byte for byte. */
function withoutSignature(raw: string): string {
  if (raw === '') return raw;
  return raw
    .split('&')
    .filter((pair) => !pair.startsWith('signature='))
    .join('&');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
