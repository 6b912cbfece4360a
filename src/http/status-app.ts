import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { coerceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { registerReadRoutes } from './api-routes.js';
import { registerControlRoutes } from './control-routes.js';
import { DASHBOARD_CSP, dashboardAsset, renderDashboard } from './dashboard.js';
import type { EventHistory } from './event-history.js';
import type { EventStreamHub } from './event-stream-hub.js';
import type { OperatorMetrics } from './operator-metrics.js';
import { evaluateReadiness } from './readiness.js';
import { frameworkError, frameworkRefusal, MAX_PARAM_LENGTH, notFound, useJsonBodyParser } from './request-errors.js';
import { RouteMethods } from './route-methods.js';
import { guardRequests, type RequestGuardOptions } from './request-guard.js';
import { redactSecrets, toSafeJson } from './safe-json.js';
import type { StatusMetrics } from './status-metrics.js';
import type { StatusSource } from './types.js';
import { validationWords, type ValidatorError } from './validation-words.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** What {@link buildStatusApp} wires together. */
export interface StatusAppParts {
  source: StatusSource;
  metrics: StatusMetrics;
  operatorMetrics: OperatorMetrics;
  hub: EventStreamHub;
  history: EventHistory;
  logger: Logger;
  guard: RequestGuardOptions;
  /** The bearer token of the control routes. */
  controlToken: string;
  controlRateLimit?: { max: number; windowMs: number };
  version: string;
}

/** The status server's Fastify app, every route registered, not yet listening. */
export async function buildStatusApp(parts: StatusAppParts): Promise<FastifyInstance> {
  const { source, metrics, hub, logger, guard } = parts;
  // Our pino logger is a different major than Fastify's; errors are logged in the handler below.
  // removeAdditional off: an unknown field is a 400 naming it, not silently dropped. verbose: a
  // refusal quotes the value refused and the schema's allowed keys (validationWords).
  const app = Fastify({
    logger: false,
    // Closing ends the idle connections at once and lets the requests under way finish (a stop
    // sent at the same time as another is answered, not reset); the server's close forces the
    // rest after a grace (see CLOSE_GRACE_MS in status-server.ts).
    forceCloseConnections: 'idle',
    // Those requests are served as usual, not refused with a bare 503: the updater has stopped,
    // its state stands, and a stop is idempotent.
    return503OnClosing: false,
    ajv: { customOptions: { removeAdditional: false, verbose: true } },
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: frameworkError,
  });

  app.setErrorHandler((error, request, reply) => {
    const err = coerceError(error);
    const refused = clientFault(error, request);
    if (refused) return reply.code(refused.status).type(JSON_TYPE).send(toSafeJson({ error: refused.message, field: refused.field }));
    logger.warn({ err }, 'status request failed');
    void reply
      .code(500)
      .type(JSON_TYPE)
      .send(toSafeJson({ error: `status unavailable: ${err.message}` }));
  });

  // JSON only: a plain-text body is what a cross-site form can send without a preflight.
  app.removeContentTypeParser('text/plain');
  useJsonBodyParser(app);
  // A route's methods, so that a wrong one is told apart from a path that is no route (405).
  const routes = new RouteMethods();
  app.addHook('onRoute', (route) => routes.add(route.method, route.url));
  app.setNotFoundHandler((request, reply) => notFound(request, reply, routes.allowed(request.url.split('?')[0] ?? '')));
  guardRequests(app, guard);
  await registerApi(app, parts);

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    // /api answers are serialised from their schemas, not by toSafeJson: scrub them here.
    return typeof payload === 'string' && request.url.startsWith('/api/') ? redactSecrets(payload) : payload;
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

  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const asset = dashboardAsset(request.params.name);
    if (!asset) return reply.code(404).type(JSON_TYPE).send('{"error":"no such asset"}');
    return reply.type(asset.type).header('content-security-policy', DASHBOARD_CSP).send(asset.body);
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

async function registerApi(app: FastifyInstance, parts: StatusAppParts): Promise<void> {
  const operator = parts.source.operator;
  await app.register(swagger, {
    openapi: {
      info: { title: 'misso control API', version: parts.version, description: 'Orders, state, candles, positions and control of one misso updater.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'http.token' } } },
    },
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async (_request, reply) => reply.type(JSON_TYPE).send(JSON.stringify(app.swagger())));
  if (!operator) return;
  registerReadRoutes(app, operator, parts.history);
  await registerControlRoutes(app, {
    operator,
    token: parts.controlToken,
    tokenMadeUp: parts.guard.token === null,
    logger: parts.logger,
    metrics: parts.operatorMetrics,
    ...(parts.controlRateLimit ? { rateLimitMax: parts.controlRateLimit.max, rateLimitWindowMs: parts.controlRateLimit.windowMs } : {}),
  });
}

/**
 * A request the client got wrong: a failed schema check (400, naming the field, in the words of
 * {@link validationWords}), a body type other than JSON (415), too many control requests (429).
 * Null for our own faults.
 */
function clientFault(error: unknown, request: FastifyRequest): { status: number; message: string; field: string | null } | null {
  if (typeof error !== 'object' || error === null) return null;
  const e = error as { statusCode?: unknown; message?: unknown; validation?: unknown; validationContext?: unknown; field?: unknown };
  if (Array.isArray(e.validation) && e.validation.length > 0) {
    const part = typeof e.validationContext === 'string' ? e.validationContext : 'request';
    const words = validationWords(e.validation as ValidatorError[], { method: request.method, route: request.routeOptions.url ?? request.url, part });
    return { status: 400, ...words };
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 0;
  const framework = frameworkRefusal(error, request);
  if (framework) return { status, message: framework, field: null };
  if (status >= 400 && status < 500) {
    return { status, message: typeof e.message === 'string' ? e.message : 'bad request', field: typeof e.field === 'string' ? e.field : null };
  }
  return null;
}
