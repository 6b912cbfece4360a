/**
 * `misso sim-server`: the simulated venue behind a Binance USD-M futures REST face, so that an
 * unmodified `ccxt.binanceusdm` whose `urls.api` origins point here (paths kept, e.g.
 * `http://127.0.0.1:8555/fapi/v1`; the engine's `exchange.urls: {api: URL}` config does it) can load
 * markets, read tickers, candles, balance and positions, and place, query and cancel orders.
 *
 * ## Endpoints
 * Public: `GET /fapi/v1/{ping,time,exchangeInfo,klines,depth,premiumIndex,aggTrades,trades,ticker/24hr,ticker/bookTicker,ticker/price}`
 * (and `/api/v3/{ping,time}`); `GET /fapi/v1/{openInterest,fundingRate}` and `GET
 * /sapi/v1/system/status` (see `binance-market-info-routes.ts`). Signed (HMAC-SHA256 of query +
 * body, `X-MBX-APIKEY`): `GET /fapi/v{2,3}/{account,balance,positionRisk}`, `GET /fapi/v1/leverageBracket`, `POST|GET|PUT|DELETE
 * /fapi/v1/order` (PUT: modify), `GET /fapi/v1/{openOrders,allOrders,userTrades}`, `DELETE
 * /fapi/v1/allOpenOrders`, `POST /fapi/v1/leverage` (see `binance-account-routes.ts`); `GET
 * /fapi/v1/income` (funding and liquidation clearance fees, see `income-route.ts`); `GET /fapi/v1/forceOrders` (the
 * account's liquidation orders, see `force-orders-route.ts`); `GET
 * /fapi/v1/{commissionRate,symbolConfig}`, `POST /fapi/v1/marginType`, `GET|POST
 * /fapi/v1/positionSide/dual` (see `binance-config-routes.ts`); conditional
 * orders through the algo-order API: `POST|GET|DELETE /fapi/v1/algoOrder`, `GET
 * /fapi/v1/{openAlgoOrders,allAlgoOrders}`, `DELETE /fapi/v1/algoOpenOrders`. Anything else
 * answers 404 `{code:-5000}` and is counted.
 *
 * ## Websockets
 * Binance USD-M's stream dialect on the same host and port (see `ws/binance-ws-face.ts`):
 * `/market/ws/N`, `/public/ws/N`, `/ws` for market streams and `/private/ws?listenKey=K` for user
 * data; `POST|PUT|DELETE /fapi/v1/listenKey` (API key only) manage the key.
 *
 * ## Credentials
 * Only the configured key and secret are accepted; the defaults are {@link DEFAULT_SIM_API_KEY}
 * and {@link DEFAULT_SIM_SECRET}. Error answers follow Binance (see `binance-error.ts`).
 *
 * ## Faults
 * Chosen with `faults` / `--faults SPEC` and switchable at run time with `server.faults.set(spec)`
 * or `POST /__misso/faults` (JSON body `{"spec": "..."}`). The syntax, from
 * {@link describeFaultSyntax}:
 * ```
 * RULE    = KIND[:RATE][:OPTION=VALUE]...        (rules separated by commas; "none" = no faults)
 * KIND    = 5xx | 500 | 502 | 503 | 504 | 429 | 418 | hang | reset | html | lost | visibility:MS
 * OPTIONS = calls=N|A-B  path=P[|P]  method=M[|M]  retry=SECS  ban=SECS  status=N  as=reset|5xx|hang
 * e.g.      5xx:0.1,429:0.05:retry=2,418:calls=10-20,hang:0.02,reset:0.02,html:0.01,lost:0.2:path=order,visibility:2000
 * ```
 * `lost` applies the request and then loses the answer; every other request fault answers before
 * the request reaches the venue. `visibility:MS` keeps new orders invisible to queries for MS ms.
 *
 * ## Admin (never faulted, no auth; loopback test hooks)
 * `GET /__misso/counters`, `POST /__misso/counters/reset`, `GET|POST /__misso/faults`,
 * `POST /__misso/wallet` (a wallet change without an order, see `admin-bodies.ts`). A web page
 * must not be able to switch faults from a browser: requests from another origin are refused
 * (403), and a POST must be `Content-Type: application/json` (415 otherwise), which a browser
 * cannot send cross-origin without a preflight this server never grants.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { SystemClock, type Clock } from '../../core/clock.js';
import { coerceError } from '../../core/errors.js';
import { OffsetClock } from '../../core/offset-clock.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import { universeOf } from '../universe.js';
import { SimVenue } from '../venue.js';
import { DEFAULT_SIM_API_KEY, DEFAULT_SIM_SECRET, verifyApiKey, verifySignedRequest } from './binance-auth.js';
import { isLoopbackHost } from '../../config/http-exposure.js';
import { adminRefusal, NON_LOOPBACK_WARNING } from './admin-guard.js';
import { adminSpec, adminWallet } from './admin-bodies.js';
import { BinanceApiError, BINANCE_ERRORS } from './binance-error.js';
import { createAccountRoutes } from './binance-account-routes.js';
import { createAlgoRoutes } from './binance-algo-routes.js';
import { configRoutes } from './binance-config-routes.js';
import { marketInfoRoutes, SYSTEM_STATUS_PATH } from './binance-market-info-routes.js';
import { createBinanceRoutes, type Route } from './binance-routes.js';
import { incomeRoutes } from './income-route.js';
import { forceOrderRoutes } from './force-orders-route.js';
import { marketDataRoutes } from './market-data-routes.js';
import { injectFault, loseAnswer, send, sendJson } from './fault-answers.js';
import { FaultController } from './fault-controller.js';
import { describeFaultSyntax } from './fault-spec.js';
import { ServerCounters } from './server-counters.js';
import { BinanceWsFace } from './ws/binance-ws-face.js';
import { listenKeyRoutes } from './ws/listen-key-routes.js';
import { ListenKeys, LISTEN_KEY_VALIDITY_MS } from './ws/listen-keys.js';

export { describeFaultSyntax } from './fault-spec.js';
export { DEFAULT_SIM_API_KEY, DEFAULT_SIM_SECRET } from './binance-auth.js';
export { isLoopbackHost } from '../../config/http-exposure.js';
export { NON_LOOPBACK_WARNING } from './admin-guard.js';

/** The port `misso sim-server` listens on unless told otherwise. */
export const DEFAULT_SIM_PORT = 8555;
/** The seed used when none is given. */
export const DEFAULT_SIM_SEED = 7;
const MAX_BODY_BYTES = 1_000_000;
const ADMIN_PREFIX = '/__misso/';

/** Options of {@link startSimServer}. */
export interface SimServerOptions {
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** 0 picks any free port. @defaultValue 8555 */
  port?: number;
  /** Seed of the venue (when none is given) and of the fault draws. @defaultValue 7 */
  seed?: number;
  /** The market to serve. @defaultValue a new `SimVenue({ seed, clock })` with `markets` perpetuals */
  venue?: SimVenue;
  /** Perpetuals in the default venue (ignored with `venue`). @defaultValue 40 */
  markets?: number;
  /** The default venue charges funding (see `funding-charges.ts`; ignored with `venue`). @defaultValue false */
  funding?: boolean;
  /** The default venue liquidates at maintenance margin (see `liquidation.ts`; ignored with `venue`). @defaultValue true */
  liquidation?: boolean;
  /** Server time (`/fapi/v1/time`, timestamp checks) and the default venue's clock. @defaultValue SystemClock */
  clock?: Clock;
  /**
   * Runs the server's clock this far ahead of `clock` (negative: behind), as a venue whose clock
   * disagrees with the client's: server time, every timestamp it serves and the `recvWindow`
   * check all use it. @defaultValue 0
   */
  clockOffsetMs?: number;
  /** @defaultValue DEFAULT_SIM_API_KEY ('misso-sim-key') */
  apiKey?: string;
  /** @defaultValue DEFAULT_SIM_SECRET ('misso-sim-secret') */
  secret?: string;
  /** A fault spec (see {@link describeFaultSyntax}). @defaultValue no faults */
  faults?: string;
  /** @defaultValue silentLogger() */
  logger?: Logger;
  /** Websocket market data is pushed every this many ms. @defaultValue 1000 */
  wsPushMs?: number;
  /**
   * A listenKey not kept alive expires after this many ms (`--listen-key-ttl SECS` of the CLI):
   * `listenKeyExpired` at the next push, then the user stream closes. More than 0, else a
   * `RangeError`. @defaultValue 3_600_000 (Binance's hour)
   */
  listenKeyValidityMs?: number;
}

/** A running sim server. */
export interface SimServer {
  /** `http://host:port`, to put in place of ccxt's API origins. */
  readonly url: string;
  readonly port: number;
  readonly venue: SimVenue;
  /** The fault rules in force (set them with `faults` or the admin routes). @internal */
  readonly faults: FaultController;
  /** @internal */
  readonly counters: ServerCounters;
  /** The websocket face (streams, user data), with its counters. @internal */
  readonly ws: BinanceWsFace;
  /** The account's user-data listenKey. @internal */
  readonly listenKeys: ListenKeys;
  /** Stops listening and drops every connection (hung ones included). Idempotent. */
  close(): Promise<void>;
}

/** Starts the Binance-dialect sim server; resolves once it listens. */
export async function startSimServer(options: SimServerOptions = {}): Promise<SimServer> {
  const host = options.host ?? '127.0.0.1';
  const seed = options.seed ?? DEFAULT_SIM_SEED;
  const baseClock = options.clock ?? new SystemClock();
  const clock = options.clockOffsetMs ? new OffsetClock(baseClock, options.clockOffsetMs) : baseClock;
  const venue = options.venue ?? new SimVenue({ seed, clock, markets: universeOf(options.markets ?? 40, seed), funding: options.funding ?? false, liquidation: options.liquidation ?? true });
  const apiKey = options.apiKey ?? DEFAULT_SIM_API_KEY;
  const secret = options.secret ?? DEFAULT_SIM_SECRET;
  const logger = options.logger ?? silentLogger();
  const counters = new ServerCounters();
  const baseVisibility = venue.visibilityDelayMs;
  const listenKeys = new ListenKeys(options.listenKeyValidityMs ?? LISTEN_KEY_VALIDITY_MS);
  const routes = new Map<string, Route>([
    ...createBinanceRoutes(venue, clock), ...createAccountRoutes(venue), ...createAlgoRoutes(venue),
    ...listenKeyRoutes(listenKeys, clock), ...marketDataRoutes(venue), ...configRoutes(venue), ...incomeRoutes(venue), ...forceOrderRoutes(venue),
    // The status route reads the faults in force, which are set up once every path is known.
    ...marketInfoRoutes(venue, (): boolean => faults.maintenance),
  ]);
  const faults = new FaultController({
    seed,
    counters,
    applyVisibility: (ms) => {
      venue.visibilityDelayMs = ms ?? baseVisibility;
    },
    httpPaths: [...routes.keys()].map((k) => k.slice(k.indexOf(' ') + 1)),
    statusPath: SYSTEM_STATUS_PATH,
  });
  if (options.faults !== undefined) faults.set(options.faults);
  const sockets = new Set<Socket>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const rawBody = await readBody(req);
    if (path.startsWith(ADMIN_PREFIX)) {
      const refusal = adminRefusal(req, method, url, host);
      if (refusal) {
        logger.warn({ method, path, origin: req.headers.origin ?? null, reason: refusal.error }, 'sim-server: admin request refused');
        sendJson(res, refusal.status, { error: refusal.error });
        return;
      }
      admin(method, path, rawBody, res);
      return;
    }
    counters.request(method, path);
    const decision = faults.decide(method, path, clock.now());
    if (decision && decision.rule.kind !== 'lost') {
      logger.debug({ method, path, fault: decision.rule.kind }, 'sim-server: fault injected');
      injectFault(decision, req, res, clock);
      return;
    }
    const rawQuery = url.search.startsWith('?') ? url.search.slice(1) : url.search;
    const answer = serve(routes.get(`${method} ${path}`), method, path, rawQuery, rawBody, req);
    if (decision) {
      logger.debug({ method, path, fault: 'lost' }, 'sim-server: answer lost after applying');
      loseAnswer(decision.rule, req, res);
      return;
    }
    send(res, answer.status, answer.body, answer.headers);
  };

  const serve = (
    route: Route | undefined,
    method: string,
    path: string,
    rawQuery: string,
    rawBody: string,
    req: IncomingMessage,
  ): { status: number; body: string; headers: Record<string, string> } => {
    try {
      if (!route) {
        counters.unhandledPath();
        logger.warn({ method, path }, 'sim-server: request for a path it does not serve');
        throw BINANCE_ERRORS.unhandledPath(method, path);
      }
      const params = new URLSearchParams(rawQuery);
      if (rawBody !== '' && method !== 'GET') {
        for (const [k, v] of new URLSearchParams(rawBody)) params.append(k, v);
      }
      if (route.apiKeyOnly) {
        const header = req.headers['x-mbx-apikey'];
        try {
          verifyApiKey(Array.isArray(header) ? header[0] : header, apiKey);
        } catch (error: unknown) {
          counters.authFailure();
          throw error;
        }
      }
      if (route.signed) {
        try {
          const header = req.headers['x-mbx-apikey'];
          verifySignedRequest(
            { apiKey: Array.isArray(header) ? header[0] : header, rawQuery, rawBody: method === 'GET' ? '' : rawBody, params },
            { apiKey, secret, nowMs: clock.now() },
          );
        } catch (error: unknown) {
          counters.authFailure();
          throw error;
        }
      }
      const body = route.handle({ method, path, params });
      return { status: 200, body: JSON.stringify(body), headers: {} };
    } catch (error: unknown) {
      const apiError = error instanceof BinanceApiError ? error : BINANCE_ERRORS.internal(coerceError(error).message);
      counters.error(apiError.code);
      if (apiError.status >= 500) logger.error({ method, path, err: apiError.message }, 'sim-server: internal error');
      return { status: apiError.status, body: apiError.body(), headers: { ...apiError.headers } };
    }
  };

  const admin = (method: string, path: string, rawBody: string, res: ServerResponse): void => {
    const key = `${method} ${path}`;
    if (key === `GET ${ADMIN_PREFIX}counters`) return sendJson(res, 200, { ...counters.snapshot(), ws: ws.counters });
    if (key === `POST ${ADMIN_PREFIX}counters/reset`) {
      counters.reset();
      return sendJson(res, 200, counters.snapshot());
    }
    if (key === `POST ${ADMIN_PREFIX}wallet`) return sendJson(res, ...adminWallet(venue, rawBody));
    if (key === `GET ${ADMIN_PREFIX}faults`) return sendJson(res, 200, { spec: faults.spec, syntax: describeFaultSyntax() });
    if (key === `POST ${ADMIN_PREFIX}faults`) {
      try {
        faults.set(adminSpec(rawBody));
        logger.info({ faults: faults.spec }, 'sim-server: faults switched');
        return sendJson(res, 200, { spec: faults.spec });
      } catch (error: unknown) {
        return sendJson(res, 400, { error: coerceError(error).message });
      }
    }
    return sendJson(res, 404, { error: `no admin endpoint ${key}` });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: coerceError(error).message }, 'sim-server: request failed');
      const status = (error as { status?: unknown } | null)?.status === 413 ? 413 : 500;
      const message = coerceError(error).message;
      // Admin routes answer in their own shape (`{error}`), Binance's in Binance's.
      const body = (req.url ?? '').startsWith(ADMIN_PREFIX) ? JSON.stringify({ error: message }) : BINANCE_ERRORS.internal(message).body();
      if (!res.headersSent) send(res, status, body, { Connection: 'close' });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const ws = new BinanceWsFace(server, {
    venue,
    clock,
    keys: listenKeys,
    faults,
    logger,
    ...(options.wsPushMs === undefined ? {} : { pushMs: options.wsPushMs }),
  });
  // A destroyed client socket mid-request is normal under fault injection.
  server.on('clientError', (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_SIM_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? DEFAULT_SIM_PORT);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url, seed, faults: faults.spec, clockOffsetMs: options.clockOffsetMs ?? 0 }, 'sim-server: listening');
  if (!isLoopbackHost(host)) {
    logger.warn({ url }, `sim-server: ${NON_LOOPBACK_WARNING}`);
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    venue,
    faults,
    counters,
    ws,
    listenKeys,
    close() {
      closing ??= new Promise<void>((resolve) => {
        ws.close();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Answered 413 (see the server's handler), before the body when its declared length is over
    // the limit (a client may never send it all); the rest is read and dropped.
    const refuse = (): void => {
      reject(Object.assign(new Error(`request body over ${MAX_BODY_BYTES} bytes`), { status: 413 }));
      req.removeAllListeners('data').resume();
    };
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return refuse();
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return refuse();
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
