import type { FastifyInstance, FastifyReply } from 'fastify';
import { ControlRefusal } from './control-refusal.js';
import {
  candlesSchema,
  capitalSchema,
  eventsSchema,
  listOrdersSchema,
  positionsSchema,
  stateSchema,
} from './api-schemas.js';
import type { EventHistory } from './event-history.js';
import type { OperatorSource, OrderListKind } from './types.js';

/** Sends a refusal as `{error, field}` with its status (and `Retry-After` when it gives one); anything else is rethrown (a 500). */
export function sendRefusal(reply: FastifyReply, error: unknown): FastifyReply {
  if (!(error instanceof ControlRefusal)) throw error;
  if (error.retryAfterSecs !== null) void reply.header('retry-after', String(error.retryAfterSecs));
  return reply.code(error.status).send({ error: error.message, field: error.field });
}

/**
 * The read half of `/api`: orders, state, candles, positions, the capital curve and the event
 * history. Nothing here changes anything, so the routes share the server's read access rule
 * (open on loopback without `http.token`, the token otherwise).
 */
export function registerReadRoutes(app: FastifyInstance, operator: OperatorSource, history: EventHistory): void {
  app.get<{ Querystring: { status: OrderListKind } }>('/api/orders', { schema: listOrdersSchema }, async (request, reply) => {
    try {
      return { orders: operator.orders(request.query.status) };
    } catch (error: unknown) {
      return sendRefusal(reply, error);
    }
  });

  app.get<{ Querystring: { keys: string } }>('/api/state', { schema: stateSchema }, async (request, reply) => {
    const keys = request.query.keys
      .split(',')
      .map((k) => k.trim())
      .filter((k) => k !== '');
    if (keys.length === 0) return reply.code(400).send({ error: 'keys names no attribute; ask as GET /api/state?keys=watch_list,last_price', field: 'keys' });
    try {
      return { state: operator.state(keys) };
    } catch (error: unknown) {
      return sendRefusal(reply, error);
    }
  });

  app.get<{ Params: { symbol: string }; Querystring: { timeframe: string; limit: number } }>(
    '/api/candles/:symbol',
    { schema: candlesSchema },
    async (request, reply) => {
      const { symbol } = request.params;
      const { timeframe, limit } = request.query;
      try {
        return { symbol, timeframe, candles: await operator.candles(symbol, timeframe, limit) };
      } catch (error: unknown) {
        return sendRefusal(reply, error);
      }
    },
  );

  app.get('/api/positions', { schema: positionsSchema }, async () => ({ positions: operator.positions() }));

  app.get('/api/capital', { schema: capitalSchema }, async () => ({ points: operator.capital() }));

  app.get<{ Querystring: { since: number } }>('/api/events', { schema: eventsSchema }, async (request) => ({
    lastSeq: history.lastId,
    events: history.since(request.query.since),
  }));
}
