/**
 * A Binance `{code, msg}` error answer. The codes and messages are the ones an unmodified
 * `ccxt.binanceusdm` maps to the right error class when it talks to a loopback URL: there ccxt
 * only consults its generic exception tables (the futures-only table is keyed on the
 * `https://fapi.binance.com` host), so where Binance's futures code is missing from the generic
 * table the message ccxt matches exactly is used instead (see {@link BINANCE_ERRORS}).
 */
export class BinanceApiError extends Error {
  override name = 'BinanceApiError';
  constructor(
    readonly status: number,
    readonly code: number,
    readonly msg: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`${status} ${code} ${msg}`);
  }

  /** The JSON body Binance sends. */
  body(): string {
    return JSON.stringify({ code: this.code, msg: this.msg });
  }
}

/** Builders for every error the server answers, with the ccxt class each one becomes. */
export const BINANCE_ERRORS = {
  /** → `AuthenticationError` */
  missingApiKey: () => new BinanceApiError(401, -2014, 'API-key format invalid.'),
  /** → `AuthenticationError` (the key is unknown) */
  unknownApiKey: () => new BinanceApiError(401, -2015, 'Invalid API-key, IP, or permissions for action.'),
  /** → `AuthenticationError` */
  badSignature: () => new BinanceApiError(400, -1022, 'Signature for this request is not valid.'),
  /** → `BadRequest` */
  missingParam: (name: string) =>
    new BinanceApiError(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`),
  /** → `BadRequest` */
  badParam: (name: string) => new BinanceApiError(400, -1100, `Illegal characters found in parameter '${name}'.`),
  /** → `InvalidNonce` */
  timestampOutsideWindow: () =>
    new BinanceApiError(400, -1021, 'Timestamp for this request is outside of the recvWindow.'),
  /** → `InvalidNonce` */
  timestampAhead: () =>
    new BinanceApiError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time."),
  /** → `BadSymbol` */
  badSymbol: () => new BinanceApiError(400, -1121, 'Invalid symbol.'),
  /** → `OrderNotFound` (query of an unknown order) */
  orderNotFound: () => new BinanceApiError(400, -2013, 'Order does not exist.'),
  /** → `OrderNotFound` (cancel of an unknown or finished order) */
  unknownOrderCancel: () => new BinanceApiError(400, -2011, 'Unknown order sent.'),
  /**
   * → `InsufficientFunds`. Binance futures says -2019 "Margin is insufficient.", which ccxt maps
   * only on the real host; the message below is matched exactly by ccxt's generic table.
   */
  insufficientMargin: () => new BinanceApiError(400, -2019, 'Account has insufficient balance for requested action.'),
  /**
   * → `InvalidOrder`. Binance futures says -4116 "ClientOrderId is duplicated.", mapped by ccxt
   * only on the real host; -2010 (order rejected) is mapped to `InvalidOrder` everywhere.
   */
  duplicateClientOrderId: () => new BinanceApiError(400, -2010, 'ClientOrderId is duplicated.'),
  /** → `InvalidOrder` (ccxt matches `PRICE_FILTER` in any 4xx body) */
  priceFilter: (why: string) => new BinanceApiError(400, -1013, `Filter failure: PRICE_FILTER (${why})`),
  /** → `InvalidOrder` (ccxt matches `LOT_SIZE` in any 4xx body) */
  lotSize: (why: string) => new BinanceApiError(400, -1013, `Filter failure: LOT_SIZE (${why})`),
  /** → `ExchangeError`: a conditional type sent to `POST /fapi/v1/order` instead of the algo-order API */
  algoOnlyType: () =>
    new BinanceApiError(400, -4120, 'Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.'),
  /**
   * → `ExchangeError` over loopback: a leverage above the market's maximum (ccxt itself refuses
   * one outside 1–125 before sending). Binance's -4028 is `BadRequest` only in ccxt's futures
   * table, which it keys on the real host.
   */
  invalidLeverage: (leverage: string) => new BinanceApiError(400, -4028, `Leverage ${leverage} is not valid`),
  /**
   * → `MarginModeAlreadySet` (ccxt matches this exact message on any host; its `setMarginMode`
   * throws it unless its `throwMarginModeAlreadySet` option is false)
   */
  marginTypeUnchanged: () => new BinanceApiError(400, -4046, 'No need to change margin type.'),
  /** → `OperationRejected` (ccxt's generic table) */
  positionSideUnchanged: () => new BinanceApiError(400, -4059, 'No need to change position side.'),
  /**
   * → `BadRequest` over loopback: an account setting the simulator does not model (isolated
   * margin, hedge mode). Binance's -1020 "This operation is not supported." is in ccxt's generic
   * table, where a venue-specific refusal such as -4168 would be a bare `ExchangeError`; the
   * message names what the simulator models instead.
   */
  notSimulated: (why: string) => new BinanceApiError(400, -1020, `This operation is not supported: ${why}`),
  /**
   * A reduce-only order with no position to reduce, as Binance says it. → `InvalidOrder` on
   * Binance's host; over loopback ccxt's generic table lacks -2022 and raises `ExchangeError`,
   * which misso's error classification takes for an invalid order by the code.
   */
  reduceOnlyRejected: () => new BinanceApiError(400, -2022, 'ReduceOnly Order is rejected.'),
  /** → `InvalidOrder` */
  orderRejected: (why: string) => new BinanceApiError(400, -2010, why),
  /** → `RateLimitExceeded` on the code alone; ccxt's binance raises `DDoSProtection` on the 429 status first */
  rateLimited: (retryAfterSecs: number) =>
    new BinanceApiError(
      429,
      -1003,
      'Too many requests; current limit of IP is 2400 requests per minute. Please use the websocket for live updates to avoid polling the API.',
      { 'Retry-After': String(retryAfterSecs) },
    ),
  /** → `DDoSProtection` */
  banned: (untilMs: number, retryAfterSecs: number) =>
    new BinanceApiError(
      418,
      -1003,
      `Way too many requests; IP banned until ${untilMs}. Please use the websocket for live updates to avoid bans.`,
      { 'Retry-After': String(retryAfterSecs) },
    ),
  /** → `ExchangeNotAvailable` (404 status; the code is unknown to ccxt so the status decides) */
  unhandledPath: (method: string, path: string) =>
    new BinanceApiError(404, -5000, `Path ${method} ${path}, Method ${method} is invalid (not served by misso sim-server)`),
  /** → `OperationFailed` */
  internal: (why: string) => new BinanceApiError(500, -1000, `An unknown error occurred while processing the request. (${why})`),
} as const;
