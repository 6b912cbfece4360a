/**
 * The order life cycle. `pending` covers everything before the exchange confirmed the order:
 * queued, being sent, or sent with the answer lost and still being resolved by client id.
 */
export type OrderStatus = 'pending' | 'open' | 'closed' | 'canceled' | 'rejected' | 'expired' | 'failed';

/** Every status, in life-cycle order. */
export const ORDER_STATUSES: readonly OrderStatus[] = [
  'pending',
  'open',
  'closed',
  'canceled',
  'rejected',
  'expired',
  'failed',
];

/** Statuses an order never leaves: the one list every part of misso uses. */
export const FINAL_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>([
  'closed',
  'canceled',
  'rejected',
  'expired',
  'failed',
]);

/**
 * Allowed moves. `failed` is ours alone (never reached the exchange, or refused for good);
 * `rejected` comes from the exchange or from the local stale-price guard. Staying in the same
 * status is always allowed: later answers may still carry new fills or fees.
 */
const TABLE: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ['open', 'closed', 'canceled', 'rejected', 'expired', 'failed'],
  open: ['closed', 'canceled', 'rejected', 'expired'],
  closed: [],
  canceled: [],
  rejected: [],
  expired: [],
  failed: [],
};

/** True when `status` is final (a status name from an event or a query may be any string). */
export function isFinalStatus(status: string): boolean {
  return (FINAL_STATUSES as ReadonlySet<string>).has(status);
}

/** True when moving from `from` to `to` is allowed (including staying put). */
export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return from === to || TABLE[from].includes(to);
}

/**
 * Thrown for a move the table forbids. It is a bug (or an exchange contradicting itself, such
 * as an order we proved absent turning up), never something to retry.
 */
export class IllegalTransitionError extends Error {
  override name = 'IllegalTransitionError';
  constructor(
    readonly clientOrderId: string,
    readonly from: OrderStatus,
    readonly to: OrderStatus,
  ) {
    super(`order ${clientOrderId}: illegal status change ${from} -> ${to}`);
  }
}

/** Throws {@link IllegalTransitionError} unless the move is allowed. */
export function assertTransition(clientOrderId: string, from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(clientOrderId, from, to);
}

/** Maps a ccxt status string to ours; undefined when the answer carries none we know. */
export function statusFromCcxt(status: unknown): OrderStatus | undefined {
  if (typeof status !== 'string') return undefined;
  switch (status.toLowerCase()) {
    case 'open':
    case 'new':
    case 'partially_filled':
      return 'open';
    case 'closed':
    case 'filled':
      return 'closed';
    case 'canceled':
    case 'cancelled':
      return 'canceled';
    case 'rejected':
      return 'rejected';
    case 'expired':
      return 'expired';
    default:
      return undefined;
  }
}
