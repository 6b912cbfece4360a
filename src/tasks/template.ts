import { parseTemplate } from '../config/placeholders.js';
import type { StateStore } from '../state/state-store.js';

/**
 * Not a finished order: `open_orders` keeps a finished order until the strategy has processed it
 * (the seed's rule), and "Open orders: 67" with one open would be a wrong summary.
 */
function unfinished(item: unknown): boolean {
  return !(typeof item === 'object' && item !== null && (item as { isFinal?: unknown }).isFinal === true);
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return String(value);
    // Two decimals, or four significant digits below 1 (a price of 0.000123 is not 0.00).
    if (Math.abs(value) >= 1) return value.toFixed(2);
    // Decimals enough for four significant digits, never exponent form (1.234e-7).
    const decimals = Math.min(20, 3 - Math.floor(Math.log10(Math.abs(value))));
    return value.toFixed(decimals).replace(/\.?0+$/, '') || '0';
  }
  if (Array.isArray(value)) return `${value.length}`;
  if (typeof value === 'object') {
    const entries = Object.values(value as Record<string, unknown>);
    // A dict of lists (open_orders by symbol) counts the items; any other dict counts its keys.
    return `${entries.every(Array.isArray) ? entries.reduce<number>((n, v) => n + (v as unknown[]).filter(unfinished).length, 0) : entries.length}`;
  }
  return String(value);
}

/**
 * ` (stale 45s)` after a value whose attribute is stale (` (stale, never read)` when it was never
 * written): a summary must not show an old capital as current while the exchange is down.
 */
function staleNote(state: StateStore, name: string): string {
  if (!state.isStale(name)) return '';
  const ms = state.ageMs(name);
  return ms === null ? ' (stale, never read)' : ` (stale ${Math.round(ms / 1000)}s)`;
}

/**
 * Fills `{attr}` and `{attr.path}` placeholders from state; `{{` and `}}` print a literal `{` and
 * `}` (see {@link parseTemplate}). Numbers print with two decimals (four
 * significant digits below 1),
 * lists and dicts print their size (a dict of lists, the total of its items, finished orders left
 * out), None prints `-`; a value whose attribute is stale is followed by its age (`10000 (stale 45s)`).
 * `misso check` refuses a placeholder naming no attribute; one whose attribute is missing from
 * state at run time all the same prints as `{name?}`, so the gap shows in the message itself.
 */
export function renderTemplate(template: string, state: StateStore): string {
  return parseTemplate(template)
    .parts.map((part) => {
      if ('text' in part) return part.text;
      const head = part.path.split('.')[0]!;
      if (!state.has(head)) return `{${part.path}?}`;
      return formatValue(state.resolvePath(part.path)) + staleNote(state, head);
    })
    .join('');
}
