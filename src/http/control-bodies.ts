import type { FastifyReply, FastifyRequest } from 'fastify';
import { AmendError, amendValue } from '../orders/amend-changes.js';
import { IntentError, parseIntent } from '../orders/intent.js';

/** A body the library refuses: its words, and the field at fault. */
interface BodyRefusal {
  error: string;
  field: string | null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `POST /api/orders`: what `pending_orders.push` says of the body (its own check, {@link parseIntent}). */
export function orderBodyRefusal(body: unknown): BodyRefusal | null {
  if (!isPlainObject(body)) return null; // The schema says what the body must be.
  try {
    parseIntent(body);
    return null;
  } catch (error: unknown) {
    if (error instanceof IntentError) return { error: error.message, field: error.field };
    throw error;
  }
}

/** `PATCH /api/orders/:id`: what `orders.amend` says of the price and amount ({@link amendValue}). */
export function amendBodyRefusal(body: unknown): BodyRefusal | null {
  if (!isPlainObject(body)) return null;
  try {
    amendValue('price', body['price']);
    amendValue('amount', body['amount']);
    return null;
  } catch (error: unknown) {
    if (error instanceof AmendError) return { error: error.message, field: error.field };
    throw error;
  }
}

/**
 * A `preValidation` hook that answers 400 with the library's refusal of the body. It runs before
 * the schema's validator, which coerces types (`"0.01"` to 0.01, `true` to 1, `[5]` to 5): a
 * body the library refuses must not reach it as one it accepts. The schema then checks the
 * documented shape of what is left (and documents it in /api/openapi.json).
 */
export function refuseBodies(refusal: (body: unknown) => BodyRefusal | null) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const refused = refusal(request.body);
    if (refused) await reply.code(400).send(refused);
  };
}
