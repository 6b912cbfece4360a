/**
 * The path of a `{attr}` or `{attr.path}` placeholder of a `t_system_status` `message:`; a key of
 * the path may be a market symbol (`{last_price.BTC/USDT:USDT}`).
 */
const PLACEHOLDER_PATH = /^[A-Za-z_]\w*(?:\.[\w/:-]+)*$/;

/** One piece of a `message:` template: text as written, or a placeholder's path. */
export type TemplatePart = { text: string } | { path: string };

/** A brace of a `message:` template that pairs with nothing; `index` counts from 0. */
export interface TemplateBraceProblem {
  index: number;
  brace: '{' | '}';
}

/**
 * Splits a `message:` template as Python's `str.format` reads one (the seed's language): `{{` and
 * `}}` are a literal `{` and `}`, `{path}` is a placeholder, and braces around anything else
 * (`{ }`, `{1}`) are kept as text. A `{` with no `}` before the next `{`, or a lone `}`, pairs
 * with nothing: it is kept as text and listed in `problems`, which `misso check` refuses.
 */
export function parseTemplate(template: string): { parts: TemplatePart[]; problems: TemplateBraceProblem[] } {
  const parts: TemplatePart[] = [];
  const problems: TemplateBraceProblem[] = [];
  let text = '';
  let i = 0;
  while (i < template.length) {
    const ch = template[i];
    const doubled = template[i + 1] === ch;
    if ((ch === '{' || ch === '}') && doubled) {
      text += ch;
      i += 2;
    } else if (ch === '{') {
      const close = template.indexOf('}', i + 1);
      const reopen = template.indexOf('{', i + 1);
      if (close < 0 || (reopen >= 0 && reopen < close)) {
        problems.push({ index: i, brace: '{' });
        text += ch;
        i += 1;
        continue;
      }
      const inner = template.slice(i + 1, close);
      if (PLACEHOLDER_PATH.test(inner)) {
        if (text) parts.push({ text });
        parts.push({ path: inner });
        text = '';
      } else {
        text += template.slice(i, close + 1);
      }
      i = close + 1;
    } else {
      if (ch === '}') problems.push({ index: i, brace: '}' });
      text += ch;
      i += 1;
    }
  }
  if (text) parts.push({ text });
  return { parts, problems };
}

/**
 * The attribute each placeholder of `template` starts with (`{a.b}` → `a`), in order, once each:
 * what `misso check` requires to exist and what the summary reads from state.
 */
export function placeholderAttributes(template: string): string[] {
  const heads = parseTemplate(template).parts.flatMap((p) => ('path' in p ? [p.path.split('.')[0] ?? ''] : []));
  return [...new Set(heads)];
}
