import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { coerceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { sendRefusal } from './api-routes.js';
import { amendOrderSchema, cancelAllSchema, cancelOrderSchema, controlSchema, placeOrderSchema } from './api-schemas.js';
import { judgeBodies, readAmendBody, readOrderBody } from './control-bodies.js';
import { credentialOf } from './exposure.js';
import type { OperatorMetrics } from './operator-metrics.js';
import type { CancelFilter, OperatorSource, OrderChanges } from './types.js';

/** Options for {@link registerControlRoutes}. */
export interface ControlRoutesOptions {
  operator: OperatorSource;
  /** The bearer token control routes require (`http.token`, or one made up for this run). */
  token: string;
  /** Whether {@link token} was made up for this run (no `http.token`): a 401 then says where it is. @defaultValue false */
  tokenMadeUp?: boolean;
  logger: Logger;
  metrics: OperatorMetrics;
  /** Requests allowed per window on the control routes. @defaultValue 60 */
  rateLimitMax?: number;
  /** @defaultValue 60000 */
  rateLimitWindowMs?: number;
}

// With no http.token there is none to look up: the made-up one is only in the printed address.
// (`<token>,` and `#token= ` stay out of the body's redaction: a placeholder, no value.)
const MADE_UP_TOKEN =
  "control routes need Authorization: Bearer <token>, and no http.token is set: this run's token was made up at start, it is the text after #token= in the dashboard address misso printed then (updater.dashboardUrl); open that address, or set http.token to choose one";

/**
 * The acting half of `/api`: place, cancel and amend orders, stop, restart the exchange session.
 * Every route needs `Authorization: Bearer <token>`, always: browsers never add a bearer header
 * by themselves, so another site's page cannot act for the operator even on loopback. The
 * routes have their own rate limit, separate from reads.
 */
export async function registerControlRoutes(app: FastifyInstance, options: ControlRoutesOptions): Promise<void> {
  const { operator, token, logger, metrics } = options;
  await app.register(rateLimit, { global: false });
  const limit = { max: options.rateLimitMax ?? 60, timeWindow: options.rateLimitWindowMs ?? 60_000 };

  const refusal = options.tokenMadeUp === true ? MADE_UP_TOKEN : 'control routes need Authorization: Bearer <http.token>';
  const requireBearer = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (credentialOf(request.headers.authorization, token) === 'bearer') return;
    await reply.code(401).send({ error: refusal, field: null });
  };
  const config = { rateLimit: limit };
  const onRequest = requireBearer;

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route === undefined || !isControl(request.method, route)) return;
    metrics.controlRequest(`${request.method} ${route}`, reply.statusCode);
  });

  // Bodies are judged by the library's own checks first: the schema's validator coerces types,
  // and a body push takes (`"side": "BUY"`) must not be refused for its spelling.
  const preValidation = { order: judgeBodies(readOrderBody), amend: judgeBodies(readAmendBody) };

  app.post<{ Body: Record<string, unknown> }>('/api/orders', { schema: placeOrderSchema, config, onRequest, preValidation: preValidation.order }, async (request, reply) => {
    try {
      const order = operator.placeOrder(request.body);
      logger.info({ clientOrderId: order.clientOrderId, symbol: order.symbol, side: order.side }, 'order queued through the control API');
      return await reply.code(201).send({ clientOrderId: order.clientOrderId, order });
    } catch (error: unknown) {
      return sendRefusal(reply, error);
    }
  });

  app.delete<{ Params: { clientOrderId: string } }>(
    '/api/orders/:clientOrderId',
    { schema: cancelOrderSchema, config, onRequest },
    async (request, reply) => {
      try {
        return { order: await operator.cancelOrder(request.params.clientOrderId) };
      } catch (error: unknown) {
        return sendRefusal(reply, error);
      }
    },
  );

  app.delete<{ Querystring: CancelFilter }>('/api/orders', { schema: cancelAllSchema, config, onRequest }, async (request, reply) => {
    try {
      const results = await operator.cancelOrders(request.query);
      logger.info({ ...request.query, orders: results.length }, 'cancel-all through the control API');
      return { results };
    } catch (error: unknown) {
      return sendRefusal(reply, error);
    }
  });

  app.patch<{ Params: { clientOrderId: string }; Body: OrderChanges }>(
    '/api/orders/:clientOrderId',
    { schema: amendOrderSchema, config, onRequest, preValidation: preValidation.amend },
    async (request, reply) => {
      try {
        return { order: await operator.amendOrder(request.params.clientOrderId, request.body) };
      } catch (error: unknown) {
        return sendRefusal(reply, error);
      }
    },
  );

  app.post('/api/control/stop', { schema: controlSchema('Stop the updater gracefully'), config, onRequest }, async (_request, reply) => {
    logger.warn('stop requested through the control API');
    // Answer first: stopping closes this server.
    setImmediate(() => operator.stop('control API'));
    return reply.code(202).send({ accepted: true, action: 'stop' });
  });

  app.post(
    '/api/control/restart-exchange',
    { schema: controlSchema('Rebuild the exchange session (drain, reconnect, reconcile)'), config, onRequest },
    async (_request, reply) => {
      logger.warn('exchange restart requested through the control API');
      operator.restartExchange('control API').catch((error: unknown) => {
        logger.warn({ err: coerceError(error).message }, 'exchange restart from the control API failed');
      });
      return reply.code(202).send({ accepted: true, action: 'restart-exchange' });
    },
  );
}

function isControl(method: string, url: string): boolean {
  if (url === '/api/orders') return method !== 'GET';
  return url === '/api/orders/:clientOrderId' || url.startsWith('/api/control/');
}
