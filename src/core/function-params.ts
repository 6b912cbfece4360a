/**
 * The positional parameters a function declares, read from its source text: their names, in
 * order, defaults and optional ones included (what `fn.length` undercounts). Undefined whenever
 * the count is not certain: native or bound code, a class, a rest parameter, or a body that
 * reads `arguments` (any number of arguments is then taken).
 */
export function declaredParams(fn: (...args: never[]) => unknown): string[] | undefined {
  let source: string;
  try {
    source = Function.prototype.toString.call(fn);
  } catch {
    return undefined;
  }
  if (/\[native code\]/.test(source) || /^class\b/.test(source) || /\barguments\b/.test(source)) return undefined;
  const bare = /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(source);
  if (bare) return [bare[1] ?? ''];
  const open = source.indexOf('(');
  if (open < 0) return undefined;
  const segments = topLevelSegments(source, open + 1);
  if (!segments) return undefined;
  const names = segments.map((s) => s.trim());
  if (names.length > 0 && names.at(-1) === '') names.pop();
  if (names.length === 1 && names[0] === '') return [];
  if (names.some((n) => n === '' || n.startsWith('...'))) return undefined;
  // A destructured parameter (`{a, b} = {}`) is still one argument; it is named by its pattern.
  return names.map((n) => (/^[[{]/.test(n) ? n.replace(/\s*=[\s\S]*$/, '') : (n.split('=')[0] ?? n).trim()));
}

const CLOSERS: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };

/**
 * The comma-separated parts of the list opened just before `start`, up to its closing `)`,
 * skipping nested brackets, strings and comments. Undefined if the list never closes.
 */
function topLevelSegments(source: string, start: number): string[] | undefined {
  const segments: string[] = [];
  const stack: string[] = [];
  let current = '';
  for (let i = start; i < source.length; i++) {
    const ch = source[i] ?? '';
    if (ch === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      if (end < 0) return undefined;
      i = end + 1;
      continue;
    }
    if (ch === '/' && source[i + 1] === '/') {
      const end = source.indexOf('\n', i);
      if (end < 0) return undefined;
      i = end;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') {
      const end = closingQuote(source, i);
      if (end < 0) return undefined;
      current += source.slice(i, end + 1);
      i = end;
      continue;
    }
    if (stack.length === 0 && ch === ')') {
      segments.push(current);
      return segments;
    }
    if (stack.length === 0 && ch === ',') {
      segments.push(current);
      current = '';
      continue;
    }
    const closer = CLOSERS[ch];
    if (closer) stack.push(closer);
    else if (ch === stack.at(-1)) stack.pop();
    current += ch;
  }
  return undefined;
}

/** The index of the quote closing the string opened at `start`, or -1. */
function closingQuote(source: string, start: number): number {
  const quote = source[start];
  for (let i = start + 1; i < source.length; i++) {
    if (source[i] === '\\') i++;
    // A template's `${…}` could hold a backtick of its own: too rare in a parameter list to read.
    else if (quote === '`' && source[i] === '$' && source[i + 1] === '{') return -1;
    else if (source[i] === quote) return i;
  }
  return -1;
}
