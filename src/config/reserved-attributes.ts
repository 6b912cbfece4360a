/**
 * Attributes the engine itself owns: the exchange (`aftx`, `exchange`), the order queue and
 * books, task health and the init flag. A subtask's `target_attr` (or a task's `out`) that named
 * one would replace the engine's object with a helper's result, and the run would then fail far
 * from the cause ("fetchBalance is not a function"), so the config refuses it.
 */
export const ENGINE_OWNED_ATTRIBUTES: ReadonlySet<string> = new Set([
  'aftx',
  'exchange',
  'pending_orders',
  'open_orders',
  'is_open_orders',
  'system_status',
  'first_update',
]);

/** Names that would reach JavaScript's object machinery instead of a plain attribute. */
const OBJECT_MACHINERY: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/** Why `name` may not be written by a task, or undefined when it may. */
export function reservedAttributeReason(name: string): string | undefined {
  if (ENGINE_OWNED_ATTRIBUTES.has(name)) return `\`${name}\` is owned by the engine and cannot be a target`;
  if (OBJECT_MACHINERY.has(name)) return `\`${name}\` is a reserved JavaScript name and cannot be an attribute`;
  return undefined;
}
