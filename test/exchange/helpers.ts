import { exchangeConfig as defaults } from '../../src/config/defaults.js';
import type { ExchangeConfig } from '../../src/config/types.js';

/** A normalised `exchange:` config as the config loader would produce it. */
export function exchangeConfig(overrides: Partial<ExchangeConfig> = {}): ExchangeConfig {
  return defaults(overrides);
}

/** Lets promise chains (ccxt's included) run until `predicate` holds; fails after `maxTurns`. */
export async function until(predicate: () => boolean, maxTurns = 200): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (predicate()) return;
    await new Promise<void>((r) => setImmediate(r));
  }
  throw new Error('condition not met');
}

/** Lets pending callbacks run for a few turns. */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
}

/** A promise with its resolve exposed. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Lets real timers of ccxt's own run too (its `close()` awaits a `setTimeout(0)`), so a test can
 * tell "has not happened" from "has not happened yet".
 */
export async function settleTimers(): Promise<void> {
  await new Promise<void>((r) => setTimeout(r, 20));
  await settle();
}
