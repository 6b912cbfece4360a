import type { TaskConfig } from '../config/types.js';

/**
 * The attribute a task writes: its `out: self.x` when given, else the kind's default. The seed
 * wrote `out: self.last_price`, so the `self.` prefix is accepted and dropped.
 */
export function outAttr(config: TaskConfig, fallback: string): string {
  const out = config.out ?? (typeof config.options['out'] === 'string' ? (config.options['out'] as string) : null);
  if (!out) return fallback;
  return out.startsWith('self.') ? out.slice(5) : out;
}

/** A string option of a task, with a default. */
export function stringOption(config: TaskConfig, key: string, fallback: string): string {
  const v = config.options[key];
  return typeof v === 'string' && v.length > 0 ? v : fallback;
}

/** A numeric option of a task, with a default. */
export function numberOption(config: TaskConfig, key: string, fallback: number): number {
  const v = config.options[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** The watch list from state: the symbols every market-data task works on. */
export function watchList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string');
  if (value && typeof value === 'object') return Object.keys(value);
  return [];
}
