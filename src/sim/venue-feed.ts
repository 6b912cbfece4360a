import { copyOrder } from './order-store.js';
import type { SimFill, SimOrder } from './venue-types.js';

/** What happened to an order, in Binance's execution-type words (`AMENDMENT`: modified in place). */
export type SimExecution = 'NEW' | 'TRADE' | 'CANCELED' | 'EXPIRED' | 'AMENDMENT';

/** One change of one order, with the order as it was right after the change. */
export interface SimOrderEvent {
  readonly execution: SimExecution;
  /** A copy taken when the change happened. */
  readonly order: SimOrder;
  /** The execution, for `TRADE`. */
  readonly fill?: SimFill;
  /** Venue time of the change. */
  readonly at: number;
}

/** Why the wallet may be moved without an order from outside (`adjustWallet`), in Binance's `ACCOUNT_UPDATE` reason words (`a.m`). */
export const SIM_WALLET_REASONS = ['FUNDING_FEE', 'DEPOSIT', 'WITHDRAW', 'ADJUSTMENT', 'ADMIN_DEPOSIT', 'ADMIN_WITHDRAW'] as const;
/** One of {@link SIM_WALLET_REASONS}. */
export type SimWalletReason = (typeof SIM_WALLET_REASONS)[number];

/** A wallet change that no order made (a funding fee, a transfer, a liquidation's clearance): positions are untouched. */
export interface SimWalletEvent {
  /** `INSURANCE_CLEAR`: a liquidation's clearance fee, less what the insurance fund paid to bring the wallet back to 0. */
  readonly reason: SimWalletReason | 'INSURANCE_CLEAR';
  /** The change in USD (negative: paid out). */
  readonly delta: number;
  /** The USD wallet balance right after the change. */
  readonly wallet: number;
  /** Venue time of the change. */
  readonly at: number;
}

/** Receives a batch of order events, oldest first. */
export type SimOrderListener = (events: readonly SimOrderEvent[]) => void;
/** Receives one wallet change. */
export type SimWalletListener = (event: SimWalletEvent) => void;

/**
 * The venue's push side: every order change (new, amendment, fill, cancel, expiry) in the order
 * it happened, and wallet changes no order made. Listeners get the events of one venue operation
 * as a batch, a microtask later, so a listener may call the venue again (the venue is never
 * re-entered while it walks its price steps).
 */
export class VenueFeed {
  readonly #listeners = new Set<SimOrderListener>();
  readonly #walletListeners = new Set<SimWalletListener>();
  readonly #fillTaps = new Set<(fill: SimFill) => void>();
  #pending: SimOrderEvent[] = [];
  #scheduled = false;

  /** Adds a listener of order events; the returned function removes it. */
  subscribe(listener: SimOrderListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Adds a listener of wallet changes; the returned function removes it. */
  subscribeWallet(listener: SimWalletListener): () => void {
    this.#walletListeners.add(listener);
    return () => this.#walletListeners.delete(listener);
  }

  /**
   * Adds a tap told of every fill at once, listeners or not (the public tape records the
   * account's prints through it); the returned function removes it.
   */
  tapFills(tap: (fill: SimFill) => void): () => void {
    this.#fillTaps.add(tap);
    return () => this.#fillTaps.delete(tap);
  }

  /** How many order listeners are attached. */
  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** Records one change of `order` (copied now). */
  emit(execution: SimExecution, order: SimOrder, at: number, fill?: SimFill): void {
    if (fill) for (const tap of this.#fillTaps) tap(fill);
    if (this.#listeners.size === 0) return;
    this.#pending.push(fill ? { execution, order: copyOrder(order), fill: { ...fill }, at } : { execution, order: copyOrder(order), at });
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => this.#flush());
  }

  /** Records one wallet change; listeners hear of it a microtask later. */
  emitWallet(event: SimWalletEvent): void {
    if (this.#walletListeners.size === 0) return;
    const copy = { ...event };
    queueMicrotask(() => {
      for (const listener of this.#walletListeners) listener(copy);
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    for (const listener of this.#listeners) listener(batch);
  }
}
