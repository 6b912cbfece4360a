import { describeNonNumber, preview } from './intent.js';

/** What to change: the new limit price and/or the new total amount. */
export interface AmendChanges {
  price?: number;
  amount?: number;
}

/** How `orders.amend` takes a change. */
export interface AmendOptions {
  /**
   * Refuse (`AmendError` naming the field, nothing journaled) a change over a risk limit that can
   * be judged when it is asked for, as the control API does; else such an amend settles
   * `amended: false` once the send-time check refuses it. @defaultValue false
   */
  refuseOverLimits?: boolean;
}

/** Thrown for amend arguments that can never work (no change, not a number, a market order). */
export class AmendError extends Error {
  override name = 'AmendError';
  constructor(
    message: string,
    /** The change at fault (`price`, `amount`), when one is; null otherwise. */
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

/**
 * One value of an amend: undefined (not changed) gives null, a finite number above 0 itself; any
 * other value (a string of digits too) throws {@link AmendError} naming it. The one check of an
 * amend's values, for `orders.amend` and `PATCH /api/orders/:id` alike.
 */
export function amendValue(field: 'price' | 'amount', value: unknown): number | null {
  if (value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new AmendError(`${field} must be a number > 0, got ${describeNonNumber(value)}`, field);
  }
  return value;
}

const AMEND_KEYS: ReadonlySet<string> = new Set(['price', 'amount']);

/**
 * The changes an `orders.amend` caller gave, read as `{price?, amount?}`: anything else (null, a
 * number, a list) or a key beside those two throws {@link AmendError}, as a misspelt key must not
 * leave the change it meant unmade while the other one goes out.
 */
export function readAmendChanges(changes: unknown): { price: unknown; amount: unknown } {
  if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) {
    throw new AmendError(`amend changes must be an object {price?, amount?}, got ${preview(changes)}`);
  }
  const unknown = Object.keys(changes).filter((k) => !AMEND_KEYS.has(k));
  if (unknown.length > 0) throw new AmendError(`unknown key(s) in the amend changes: ${unknown.join(', ')}; give {price?, amount?}`);
  const { price, amount } = changes as Record<string, unknown>;
  return { price, amount };
}
