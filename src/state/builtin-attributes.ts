import { ENGINE_OWNED_ATTRIBUTES } from '../config/reserved-attributes.js';

/**
 * The seed's attributes every updater starts with, before `class_attributes` (which may override
 * them). A new object each call: every updater owns its own.
 */
export function builtinAttributeDefaults(): Record<string, unknown> {
  return {
    watch_list: null,
    last_price: {},
    ohlcs: {},
    positions: {},
    closed_trades: [],
    total_capital: 0,
    free_capital: 0,
    initial_capital: 0,
    stop_updates: false,
    restart_exchange: false,
  };
}

/** Attributes the engine sets at build time whatever `class_attributes` says. */
export function engineAttributeDefaults(): Record<string, unknown> {
  return { first_update: false, system_status: {} };
}

/**
 * Attributes every updater has even when `class_attributes` does not list them, so `self.x`
 * references to them are valid.
 */
export const BUILTIN_ATTRIBUTES: ReadonlySet<string> = new Set([
  ...ENGINE_OWNED_ATTRIBUTES,
  ...Object.keys(builtinAttributeDefaults()),
  ...Object.keys(engineAttributeDefaults()),
  // Written by t_system_status.
  'system_health',
  // The seed's name for `positions` (see src/engine/seed-aliases.ts).
  'is_open_positions',
]);

/** Attributes holding live objects (the exchange, the order queue): never serialised, never shown. */
export const HIDDEN_ATTRIBUTES: ReadonlySet<string> = new Set(['aftx', 'exchange', 'pending_orders']);
