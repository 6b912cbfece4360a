import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { SystemClock, type Clock } from '../core/clock.js';
import { coerceError, UserError } from '../core/errors.js';
import { listenFault } from '../core/listen-fault.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { packageVersion } from '../core/package-info.js';
import { EventStreamHub } from './event-stream-hub.js';
import { exposureProblem, tokenProblem } from '../config/http-exposure.js';
import { HostAllowList } from './exposure.js';
import { EventHistory } from './event-history.js';
import { OperatorMetrics } from './operator-metrics.js';
import { EventMetricsRecorder } from './event-metrics.js';
import { buildStatusApp } from './status-app.js';
import { StatusMetrics } from './status-metrics.js';
import type { StatusSource } from './types.js';

/** Options for {@link startStatusServer}. */
export interface StatusServerOptions {
  /** Where the status comes from (the engine). */
  source: StatusSource;
  /** Interface to bind. Anything but loopback exposes positions and balances: think first. @defaultValue '127.0.0.1' */
  host?: string;
  /** TCP port; 0 picks a free one (see the returned `port`). @defaultValue 0 */
  port?: number;
  /** @defaultValue a silent logger */
  logger?: Logger;
  /** Drives the periodic snapshots of `/events`. @defaultValue a {@link SystemClock} */
  clock?: Clock;
  /** How often `/events` sends a full snapshot. @defaultValue 2000 */
  snapshotIntervalMs?: number;
  /** Export Node process metrics on `/metrics` as well. @defaultValue true */
  processMetrics?: boolean;
  /**
   * `http.token`. When set, every route but `/healthz` needs `Authorization: Bearer <token>`
   * (or, for browsers opening the dashboard, HTTP Basic with the token as password). Required
   * for any bind address that is not loopback. @defaultValue null
   */
  token?: string | null;
  /** Host header names accepted besides loopback and the bound address (`http.allowed_hosts`). @defaultValue [] */
  allowedHosts?: readonly string[];
  /** What the port is called where it was set, named in the advice when it cannot be bound. @defaultValue 'http.port' */
  portName?: string;
  /** Rate limit of the control routes. @defaultValue 60 requests per 60000 ms */
  controlRateLimit?: { max: number; windowMs: number };
  /** Shown in the OpenAPI document. @defaultValue misso's version, from its package.json */
  version?: string;
}

/** A running status server. */
export interface StatusServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /** The bearer token of the control routes: `http.token`, or one made up for this run when none is set. */
  readonly controlToken: string;
  /** The dashboard's address to print; with a made-up token it carries it in the fragment (`#token=`). */
  readonly dashboardUrl: string;
  /** Where the operator surface (interactor, order latencies) records its metrics. @internal */
  readonly operatorMetrics: OperatorMetrics;
  /** Ends the event streams and stops listening. Repeat calls return the same promise. */
  close(): Promise<void>;
}


/** How long closing waits for the requests under way before it closes their connections. */
const CLOSE_GRACE_MS = 2_000;

/**
 * Starts the HTTP face of an updater: `/healthz`, `/readyz`, `/status`, `/events` (SSE),
 * `/metrics` (Prometheus) and the dashboard at `/`. Resolves once it is listening.
 */
export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`status server port must be an integer from 0 to 65535, got ${port}`);
  }
  const token = options.token ?? null;
  const unusable = token ? tokenProblem(token) : null;
  if (unusable !== null) throw new UserError(`http.token: ${unusable}`);
  const problem = exposureProblem(host, token);
  if (problem !== null) throw new UserError(`http.host: ${problem}`);
  const logger = options.logger ?? silentLogger();
  const { source } = options;
  const metrics = new StatusMetrics({ processMetrics: options.processMetrics ?? true });
  const operatorMetrics = new OperatorMetrics(metrics.registry);
  // The history listens from now on, so a page opened later still sees what happened.
  const history = new EventHistory(source);
  const latency = new EventMetricsRecorder(source, operatorMetrics);
  const clock = options.clock ?? new SystemClock();
  const hub = new EventStreamHub({
    source: history.asSource(),
    logger,
    clock,
    ...(options.snapshotIntervalMs !== undefined ? { snapshotIntervalMs: options.snapshotIntervalMs } : {}),
  });

  const controlToken = token ?? randomBytes(18).toString('base64url');
  const app = await buildStatusApp({
    source: history.asSource(),
    metrics,
    operatorMetrics,
    hub,
    history,
    logger,
    guard: { token, hosts: new HostAllowList(host, options.allowedHosts ?? []), logger },
    controlToken,
    version: options.version ?? packageVersion(),
    ...(options.controlRateLimit ? { controlRateLimit: options.controlRateLimit } : {}),
  });
  try {
    await app.listen({ host, port });
  } catch (error: unknown) {
    hub.close();
    history.close();
    latency.close();
    await app.close().catch(() => undefined);
    const err = coerceError(error);
    const { hint } = listenFault((err as NodeJS.ErrnoException).code, { host: 'http.host', port: options.portName ?? 'http.port' });
    throw new Error(`status server could not listen on ${host}:${port}: ${err.message}. ${hint}`, { cause: err });
  }
  const bound = (app.server.address() as AddressInfo).port;
  // A wildcard bind is reached here by loopback (0.0.0.0 is no address to give anyone).
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const url = `http://${shown.includes(':') ? `[${shown}]` : shown}:${bound}`;
  logger.info({ url }, 'status server listening');

  let closing: Promise<void> | null = null;
  return {
    url,
    port: bound,
    controlToken,
    // The token rides in the fragment: browsers never send it to the server or put it in logs.
    dashboardUrl: token === null ? `${url}/#token=${controlToken}` : `${url}/`,
    operatorMetrics,
    close(): Promise<void> {
      closing ??= (async () => {
        // Streams first: Fastify's close waits for open connections, and an SSE stream never ends by itself.
        try {
          hub.close();
          history.close();
          latency.close();
        } catch (error: unknown) {
          logger.warn({ err: coerceError(error) }, 'closing status event streams failed');
        }
        // A request that never ends (a client sending its body slowly, or never) must not hold
        // the stop: after the grace, every connection left is closed.
        const graceOver = new AbortController();
        void clock.sleep(CLOSE_GRACE_MS, graceOver.signal).then((over) => over && app.server.closeAllConnections());
        try {
          await app.close();
        } finally {
          graceOver.abort();
        }
        logger.info({ url }, 'status server closed');
      })();
      return closing;
    },
  };
}

