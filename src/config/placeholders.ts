/**
 * A `{attr}` or `{attr.path}` placeholder of a `t_system_status` `message:`; a key of the path
 * may be a market symbol (`{last_price.BTC/USDT:USDT}`).
 */
export const PLACEHOLDER = /\{([A-Za-z_]\w*(?:\.[\w/:-]+)*)\}/g;

/**
 * The attribute each placeholder of `template` starts with (`{a.b}` → `a`), in order, once each:
 * what `misso check` requires to exist and what the summary reads from state.
 */
export function placeholderAttributes(template: string): string[] {
  const heads = [...template.matchAll(PLACEHOLDER)].map((m) => (m[1] ?? '').split('.')[0] ?? '');
  return [...new Set(heads)];
}
