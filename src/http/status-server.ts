import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { SystemClock, type Clock } from '../core/clock.js';
import { coerceError, UserError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { DASHBOARD_CSP, renderDashboard } from './dashboard.js';
import { EventStreamHub } from './event-stream-hub.js';
import { guardRequests, type RequestGuardOptions } from './request-guard.js';
import { exposureProblem } from '../config/http-exposure.js';
import { HostAllowList } from './exposure.js';
import { evaluateReadiness } from './readiness.js';
import { toSafeJson } from './safe-json.js';
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
}

/** A running status server. */
export interface StatusServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /** Ends the event streams and stops listening. Repeat calls return the same promise. */
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

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
  const problem = exposureProblem(host, token);
  if (problem !== null) throw new UserError(`http.host: ${problem}`);
  const logger = options.logger ?? silentLogger();
  const { source } = options;
  const metrics = new StatusMetrics({ processMetrics: options.processMetrics ?? true });
  const hub = new EventStreamHub({
    source,
    logger,
    clock: options.clock ?? new SystemClock(),
    ...(options.snapshotIntervalMs !== undefined ? { snapshotIntervalMs: options.snapshotIntervalMs } : {}),
  });

  const app = buildApp({ source, metrics, hub, logger, guard: { token, hosts: new HostAllowList(host, options.allowedHosts ?? []), logger } });
  try {
    await app.listen({ host, port });
  } catch (error: unknown) {
    hub.close();
    await app.close().catch(() => undefined);
    const err = coerceError(error);
    throw new Error(
      `status server could not listen on ${host}:${port}: ${err.message}. ` +
        'Pick another http.port (0 picks a free one) or stop the process holding it.',
      { cause: err },
    );
  }
  const bound = (app.server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  logger.info({ url }, 'status server listening');

  let closing: Promise<void> | null = null;
  return {
    url,
    port: bound,
    close(): Promise<void> {
      closing ??= (async () => {
        // Streams first: Fastify's close waits for open connections, and an SSE stream never ends by itself.
        try {
          hub.close();
        } catch (error: unknown) {
          logger.warn({ err: coerceError(error) }, 'closing status event streams failed');
        }
        await app.close();
        logger.info({ url }, 'status server closed');
      })();
      return closing;
    },
  };
}

interface AppParts {
  source: StatusSource;
  metrics: StatusMetrics;
  hub: EventStreamHub;
  logger: Logger;
  guard: RequestGuardOptions;
}

function buildApp({ source, metrics, hub, logger, guard }: AppParts): FastifyInstance {
  // Our pino logger is a different major than Fastify's; errors are logged in the handler below.
  const app = Fastify({ logger: false, forceCloseConnections: true });

  app.setErrorHandler((error, _request, reply) => {
    const err = coerceError(error);
    logger.warn({ err }, 'status request failed');
    void reply
      .code(500)
      .type(JSON_TYPE)
      .send(toSafeJson({ error: `status unavailable: ${err.message}` }));
  });

  guardRequests(app, guard);

  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
  });

  app.get('/healthz', async (_request, reply) => reply.type(JSON_TYPE).send('{"status":"ok"}'));

  app.get('/readyz', async (_request, reply) => {
    const verdict = evaluateReadiness(source.snapshot());
    return reply
      .code(verdict.ready ? 200 : 503)
      .type(JSON_TYPE)
      .send(toSafeJson(verdict));
  });

  app.get('/status', async (_request, reply) => reply.type(JSON_TYPE).send(toSafeJson(source.snapshot())));

  app.get('/metrics', async (_request, reply) => {
    try {
      const snapshot = source.snapshot();
      metrics.update(snapshot, evaluateReadiness(snapshot).ready);
    } catch (error: unknown) {
      // Still answer: a scrape that shows misso_up 0 is more useful than a failed scrape.
      logger.warn({ err: coerceError(error) }, 'status snapshot failed during a metrics scrape');
      metrics.markDown();
    }
    return reply.type(metrics.contentType).send(await metrics.render());
  });

  // No automatic HEAD twin: it would run this handler and open a stream nobody reads.
  app.get('/events', { exposeHeadRoute: false }, (request, reply) => {
    reply.hijack();
    hub.attach(reply.raw);
    // Fastify does not watch hijacked requests; a client abort only shows up on the raw objects.
    request.raw.on('error', () => reply.raw.destroy());
  });

  app.get('/', async (_request, reply) => {
    let name = 'misso';
    try {
      name = source.snapshot().name;
    } catch {
      // The page fills itself in from /events; a title is not worth a 500.
    }
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', DASHBOARD_CSP)
      .send(renderDashboard({ title: name }));
  });

  return app;
}
