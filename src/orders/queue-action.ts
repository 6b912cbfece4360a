import { IntentError, preview } from './intent.js';

/** A cancel or amend queued in the seed's list style. */
export type QueueAction =
  | { kind: 'cancel'; ref: string }
  | { kind: 'amend'; ref: string; amount: number | null; price: number | null };

/**
 * Recognises the seed-style action entries of `pending_orders`: `['cancel', clientOrderId]` and
 * `['amend', clientOrderId, size, price]` (size or price may be null to keep it). Returns
 * undefined for anything else (an order entry). Throws {@link IntentError} naming the bad element.
 */
export function parseQueueAction(entry: unknown): QueueAction | undefined {
  if (!Array.isArray(entry) || (entry[0] !== 'cancel' && entry[0] !== 'amend')) return undefined;
  const form = entry[0] === 'cancel' ? "['cancel', clientOrderId]" : "['amend', clientOrderId, size, price]";
  const expected = entry[0] === 'cancel' ? 2 : 4;
  if (entry.length !== expected) {
    throw new IntentError(`invalid ${entry[0]} ${preview(entry)}: the form is ${form}, got ${entry.length} element(s)`);
  }
  const ref: unknown = entry[1];
  if (typeof ref !== 'string' || ref.length === 0) {
    throw new IntentError(`invalid ${entry[0]} ${preview(entry)}: element 1 (clientOrderId) must be a non-empty string`, 'clientOrderId');
  }
  if (entry[0] === 'cancel') return { kind: 'cancel', ref };
  const num = (i: number, name: string): number | null => {
    const v: unknown = entry[i];
    if (v === null || v === undefined) return null;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new IntentError(`invalid amend ${preview(entry)}: element ${i} (${name}) must be a number > 0 or null`, name);
    }
    return v;
  };
  const amount = num(2, 'size');
  const price = num(3, 'price');
  if (amount === null && price === null) {
    throw new IntentError(`invalid amend ${preview(entry)}: elements 2 (size) and 3 (price) are both null; give at least one`, 'size');
  }
  return { kind: 'amend', ref, amount, price };
}
