import type { Exchange } from 'ccxt';
import { coerceError, StartupError, StoppedError, UserError } from '../core/errors.js';
import { BaseError } from './ccxt-lib.js';
import { adoptInstance } from './instance-guard.js';

/**
 * The session's first instance, from `factory`, put in use. The factory is code, not the
 * exchange: an error of ccxt's (a factory that loads something over the network) is the
 * exchange's and goes on to be classified and retried like any call's, but anything else it
 * throws (a TypeError, a RangeError) is a mistake that no retry mends, and so is a value that is
 * not a ccxt exchange: either fails the start with a `StartupError` naming the factory.
 *
 * @param custom - whether the factory is the updater's `exchangeFactory` option (the user's code)
 *   rather than misso's own.
 */
export async function firstInstance(factory: () => Promise<Exchange>, custom: boolean): Promise<Exchange> {
  const who = custom ? "the updater's exchangeFactory option" : 'building the exchange client';
  let built: unknown;
  try {
    built = await factory();
  } catch (err: unknown) {
    if (err instanceof BaseError || err instanceof UserError || err instanceof StoppedError || err instanceof StartupError) throw err;
    const e = coerceError(err);
    throw new StartupError(`${who} failed: ${e.name}: ${e.message}${custom ? '; fix the factory (it is called at start and at every exchange restart)' : ''}`, { cause: err });
  }
  if (!isExchange(built)) {
    throw new StartupError(`${who} gave ${describe(built)}, not a ccxt exchange (an instance of a class of ccxt, with loadMarkets); return one, e.g. new ccxt.binanceusdm({...})`);
  }
  adoptInstance(built);
  return built;
}

function isExchange(value: unknown): value is Exchange {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['loadMarkets'] === 'function' && typeof v['client'] === 'function' && typeof v['id'] === 'string';
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value !== 'object') return `a ${typeof value}`;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== 'Object' ? `an instance of ${name}` : 'a plain object';
}
