import type { FastifyReply, FastifyRequest } from 'fastify';
import { AmendError, amendValue } from '../orders/amend-changes.js';
import { IntentError, parseIntent, type OrderIntent } from '../orders/intent.js';

/** A body the library refuses: its words, and the field at fault. */
interface BodyRefusal {
  error: string;
  field: string | null;
}

/** How the library reads a body: the body to go on with, or its refusal. */
type BodyReading = { body: unknown } | BodyRefusal;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `POST /api/orders`: the body as `pending_orders.push` reads it ({@link parseIntent}, its own
 * check), written out in the documented form: `{"side": "BUY"}` is `buy`, `size` is `amount`, `id`
 * is `tag`, the list form `[id, size, price, side, symbol]` an object; or what push says of it.
 */
export function readOrderBody(body: unknown): BodyReading {
  if (!isPlainObject(body) && !Array.isArray(body)) return { body }; // The schema says what the body must be.
  try {
    return { body: documentedForm(parseIntent(body)) };
  } catch (error: unknown) {
    if (error instanceof IntentError) return { error: error.message, field: error.field };
    throw error;
  }
}

/** An intent as the documented body that means it: push reads it back as the same intent. */
function documentedForm(intent: OrderIntent): Record<string, unknown> {
  const { symbol, side, amount, type, price, tag, params } = intent;
  return {
    symbol,
    side,
    amount,
    type,
    ...(price === null ? {} : { price }),
    ...(tag === null ? {} : { tag }),
    ...(Object.keys(params).length === 0 ? {} : { params }),
  };
}

/** `PATCH /api/orders/:id`: what `orders.amend` says of the price and amount ({@link amendValue}). */
export function readAmendBody(body: unknown): BodyReading {
  if (!isPlainObject(body)) return { body };
  try {
    amendValue('price', body['price']);
    amendValue('amount', body['amount']);
    return { body };
  } catch (error: unknown) {
    if (error instanceof AmendError) return { error: error.message, field: error.field };
    throw error;
  }
}

/**
 * A `preValidation` hook that judges the body by the library's own check first: a refusal is a
 * 400 in its words, an accepted body goes on as the library read it. It runs before the schema's
 * validator, which coerces types (`"0.01"` to 0.01, `true` to 1, `[5]` to 5): a body the library
 * refuses must not reach it as one it accepts, and one it accepts must not be refused for its
 * spelling. The schema then checks the documented shape of what is left (and documents it in
 * /api/openapi.json).
 */
export function judgeBodies(read: (body: unknown) => BodyReading) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const reading = read(request.body);
    if ('body' in reading) request.body = reading.body;
    else await reply.code(400).send(reading);
  };
}
