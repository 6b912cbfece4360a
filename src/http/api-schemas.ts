/*
 * JSON schemas of the /api routes. Fastify validates requests with them and @fastify/swagger
 * builds /api/openapi.json from them, so the document cannot drift from what the routes accept.
 */

const nullableNumber = { type: ['number', 'null'] } as const;
const nullableString = { type: ['string', 'null'] } as const;

/** An error answer: what is wrong, and the request field at fault when there is one. */
export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'string' }, field: nullableString },
} as const;

/** {@link OrderView} */
export const orderSchema = {
  type: 'object',
  properties: {
    clientOrderId: { type: 'string' },
    id: nullableString,
    symbol: { type: 'string' },
    side: { type: 'string' },
    type: { type: 'string' },
    price: nullableNumber,
    amount: { type: 'number' },
    filled: { type: 'number' },
    remaining: { type: 'number' },
    average: nullableNumber,
    status: { type: 'string' },
    reason: nullableString,
    tag: nullableString,
    createdAt: { type: 'number' },
    updatedAt: { type: 'number' },
    closedAt: nullableNumber,
  },
} as const;

const positionSchema = {
  type: 'object',
  properties: {
    symbol: { type: 'string' },
    side: { type: ['string', 'null'], enum: ['long', 'short', null] },
    size: { type: 'number' },
    entryPrice: nullableNumber,
    markPrice: nullableNumber,
    unrealizedPnl: nullableNumber,
    notional: nullableNumber,
    leverage: nullableNumber,
  },
} as const;

const bearer = [{ bearer: [] }];

/** `GET /api/orders` */
export const listOrdersSchema = {
  summary: 'Orders: open (queued, in flight, resting), recent (finished lately) or failed (with reason)',
  security: bearer,
  querystring: {
    type: 'object',
    properties: { status: { type: 'string', enum: ['open', 'recent', 'failed'], default: 'open' } },
    additionalProperties: false,
  },
  // 503: `open` while misso is starting (its orders not loaded yet).
  response: { 200: { type: 'object', properties: { orders: { type: 'array', items: orderSchema } } }, 503: errorSchema },
} as const;

/** `GET /api/state` */
export const stateSchema = {
  summary: 'Values of state attributes, as plain JSON',
  security: bearer,
  querystring: {
    type: 'object',
    required: ['keys'],
    properties: { keys: { type: 'string', minLength: 1, description: 'attribute names, comma-separated', examples: ['watch_list,last_price'] } },
    additionalProperties: false,
  },
  response: {
    200: { type: 'object', properties: { state: { type: 'object', additionalProperties: true } } },
    400: errorSchema,
    404: errorSchema,
  },
} as const;

/** `GET /api/candles/:symbol` */
export const candlesSchema = {
  summary: "A market's candles, [t, o, h, l, c, v] oldest first",
  security: bearer,
  params: { type: 'object', required: ['symbol'], properties: { symbol: { type: 'string', minLength: 1 } } },
  querystring: {
    type: 'object',
    properties: {
      timeframe: { type: 'string', pattern: '^[0-9]{1,3}[smhdwM]$', default: '1m', description: 'a count and a unit of s, m, h, d, w or M (1m, 15m, 1h, 1d)' },
      limit: { type: 'integer', minimum: 1, maximum: 1500, default: 500 },
    },
    additionalProperties: false,
  },
  response: {
    200: {
      type: 'object',
      properties: {
        symbol: { type: 'string' },
        timeframe: { type: 'string' },
        candles: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
      },
    },
    400: errorSchema,
    404: errorSchema,
    429: errorSchema,
    503: errorSchema,
  },
} as const;

/** `GET /api/positions` */
export const positionsSchema = {
  summary: 'Open positions with entry, mark, size and unrealised PnL',
  security: bearer,
  response: { 200: { type: 'object', properties: { positions: { type: 'array', items: positionSchema } } } },
} as const;

/** `GET /api/capital` */
export const capitalSchema = {
  summary: 'Total capital since start',
  security: bearer,
  response: {
    200: {
      type: 'object',
      properties: { points: { type: 'array', items: { type: 'object', properties: { at: { type: 'number' }, total: { type: 'number' } } } } },
    },
  },
} as const;

/** `GET /api/events` */
export const eventsSchema = {
  summary: 'The last 500 events that matter (orders, notifications, tasks down or back, phases), after `since`',
  security: bearer,
  querystring: {
    type: 'object',
    properties: { since: { type: 'integer', minimum: 0, default: 0 } },
    additionalProperties: false,
  },
  response: {
    200: {
      type: 'object',
      properties: {
        lastSeq: { type: 'integer' },
        events: { type: 'array', items: { type: 'object', additionalProperties: true } },
      },
    },
  },
} as const;

/** `POST /api/orders` */
export const placeOrderSchema = {
  summary: 'Queue an order (as pending_orders.pushOrRefuse, which reads the body as push does: side in any case, size for amount, id for tag, or the list form [id, size, price, side, symbol]; what the market cannot take, or an order over an orders.risk limit judged already, is a 400, nothing queued); answers with its client order id',
  security: bearer,
  body: {
    type: 'object',
    required: ['symbol', 'side', 'amount'],
    additionalProperties: false,
    properties: {
      symbol: { type: 'string', minLength: 1 },
      side: { type: 'string', enum: ['buy', 'sell'], description: 'buy or sell, in any case' },
      amount: { type: 'number', exclusiveMinimum: 0, description: 'or size' },
      price: { type: ['number', 'null'], exclusiveMinimum: 0 },
      type: { type: 'string', enum: ['limit', 'market'] },
      tag: { type: 'string', maxLength: 64 },
      params: { type: 'object' },
    },
  },
  response: {
    201: { type: 'object', properties: { clientOrderId: { type: 'string' }, order: orderSchema } },
    400: errorSchema,
  },
} as const;

const orderParams = {
  type: 'object',
  required: ['clientOrderId'],
  properties: { clientOrderId: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

const orderAnswer = {
  200: { type: 'object', properties: { order: orderSchema } },
  400: errorSchema,
  404: errorSchema,
  409: errorSchema,
  502: errorSchema,
  503: errorSchema,
} as const;

/** `DELETE /api/orders/:clientOrderId` */
export const cancelOrderSchema = {
  summary: 'Cancel an order; answers once the exchange confirmed, or 502 after the answer deadline while the cancel goes on',
  security: bearer,
  params: orderParams,
  response: orderAnswer,
} as const;

/** `DELETE /api/orders` */
export const cancelAllSchema = {
  summary: 'Cancel every order of ours not finished (queued ones too), optionally of one symbol and/or side; answers once each cancel settled',
  security: bearer,
  querystring: {
    type: 'object',
    properties: { symbol: { type: 'string', minLength: 1 }, side: { type: 'string', enum: ['buy', 'sell'] } },
    additionalProperties: false,
  },
  response: {
    200: {
      type: 'object',
      properties: {
        results: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              order: orderSchema,
              outcome: { type: 'string', enum: ['canceled', 'unsent', 'final', 'failed', 'aborted'] },
              reason: nullableString,
            },
          },
        },
      },
    },
    400: errorSchema,
    502: errorSchema,
    503: errorSchema,
  },
} as const;

/** `PATCH /api/orders/:clientOrderId` */
export const amendOrderSchema = {
  summary: "Change an order's price and/or amount (a change over an orders.risk limit judged already is a 400, nothing journaled); answers once the exchange confirmed, or 502 after the answer deadline while the amend goes on",
  security: bearer,
  params: orderParams,
  body: {
    type: 'object',
    minProperties: 1,
    additionalProperties: false,
    properties: { price: { type: 'number', exclusiveMinimum: 0 }, amount: { type: 'number', exclusiveMinimum: 0, description: 'the new total amount' } },
    examples: [{ price: 51000 }],
  },
  response: orderAnswer,
} as const;

/** `POST /api/control/*` */
export const controlSchema = (summary: string) =>
  ({
    summary,
    security: bearer,
    response: { 202: { type: 'object', properties: { accepted: { type: 'boolean' }, action: { type: 'string' } } } },
  }) as const;
