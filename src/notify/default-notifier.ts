import type { Notifier } from './types.js';

let current: Notifier | null = null;

/**
 * Registers the notifier that the seed-style helper `telegram_notify_msg(msg)` sends through,
 * since a YAML-called helper has no other way to reach the engine's notifier. The engine sets
 * it on start and clears it (null) on stop.
 */
export function setDefaultNotifier(notifier: Notifier | null): void {
  current = notifier;
}

/** The notifier registered with {@link setDefaultNotifier}, or null. */
export function getDefaultNotifier(): Notifier | null {
  return current;
}
