import type { ConfigProblem } from './config-error.js';
import type { LineCol } from './positions.js';

/** A syntax error as the yaml library reports it: its message and where it starts (an offset). */
export interface YamlSyntaxError {
  message: string;
  pos: readonly [number, number];
}

/**
 * The one problem a file with YAML syntax errors is reported by: the first error, with how many
 * more there were. Once the parser has lost its way, every later token is "unexpected" to the
 * end of the file (an unquoted `${VAR}` inside `{…}` gave 46 lines of them): they are
 * consequences, and the first one is where the fix is. A value starting with `{` or `${` on
 * that line gets the hint to quote it.
 */
export function syntaxProblem(text: string, errors: readonly YamlSyntaxError[], file: string, pos: (offset: number) => LineCol): ConfigProblem {
  const first = [...errors].sort((a, b) => a.pos[0] - b.pos[0])[0]!;
  const at = pos(first.pos[0]);
  const rest = errors.length - 1;
  const more = rest === 0 ? '' : ` (${rest} more YAML error${rest === 1 ? '' : 's'} after it, most likely caused by this one)`;
  // The yaml library's own words name its API (`use YAML.parseAllDocuments()`): say what it means for a config.
  const message = /multiple documents/i.test(first.message) ? 'a second YAML document starts here, and a config is one document' : first.message;
  const problem: ConfigProblem = { file, ...at, path: '', message: `YAML: ${message}${more}` };
  if (message !== first.message) {
    problem.hint = 'remove this `---` line and merge what follows into the config above it, or move it to a config file of its own';
    return problem;
  }
  const hint = braceHint(text.split(/\r?\n/)[at.line - 1] ?? '', at.col);
  if (hint !== undefined) problem.hint = hint;
  return problem;
}

/** Keys whose values are credentials (the config's and ccxt's names for them). */
const SECRET_KEY = /key|secret|password|passphrase|token|uid|private|twofa|sign/i;

/** `key: value` where the value starts with `${` or `{`, unquoted. */
const BRACED_VALUE = /(?<=^|[\s{,[])([A-Za-z_][\w.-]*):[ \t]+(\$?\{)/g;
/** A `{name}` placeholder as `t_system_status` messages use them (no blank, comma or brace inside), not a flow map. */
const PLACEHOLDER = /^\{[^\s{},]+\}/;

/**
 * The hint for the line of a syntax error at `col`, when the value at fault starts with `{` or
 * `${`, unquoted: YAML reads `{` as the start of a map, so `${VAR}` inside `{…}` and a message
 * such as `{total_capital} USD` break the file. Undefined when no such value comes before `col`.
 */
export function braceHint(line: string, col: number): string | undefined {
  let found: { key: string; start: number } | undefined;
  for (const m of line.matchAll(BRACED_VALUE)) {
    const start = m.index + m[0].length - m[2]!.length;
    if (start >= col) break;
    const rest = line.slice(start);
    if (m[2] === '${' || PLACEHOLDER.test(rest)) found = { key: m[1]!, start };
  }
  if (found === undefined) return undefined;
  const rest = line.slice(found.start);
  // `${VAR}` ends at its brace; a text such as `{total_capital} USD` runs to the end of the line (or a comment).
  const value = rest.startsWith('${') ? rest.slice(0, rest.indexOf('}') + 1 || rest.length) : rest.replace(/\s+#.*$/, '').trimEnd();
  const quoted = !value.includes('"') ? `"${value}"` : !value.includes("'") ? `'${value}'` : null;
  // A credential's key quoted back would print the credential: only a `${VAR}` reference is shown there.
  const shown = quoted !== null && (!SECRET_KEY.test(found.key) || /^\$\{[\w.-]*\}$/.test(value));
  const example = shown ? `: \`${found.key}: ${quoted}\`` : '';
  return `a value starting with \`{\` or \`${'${'}\` opens a map in YAML; quote it${example}`;
}

/**
 * The hint for a map where text was expected, when the map reads as text written without quotes:
 * `message: {total_capital}` is the map `{total_capital: null}` to YAML. Undefined for any other
 * value (a map with values was meant as a map).
 */
export function bracedTextHint(value: unknown, quiet = false): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) return undefined;
  const entries = Object.entries(value);
  if (entries.length === 0 || entries.some(([key, v]) => v !== null || /[\s"]/.test(key))) return undefined;
  // In a section that holds secrets the text is not quoted back (it may be one).
  if (quiet) return 'a value starting with `{` opens a map in YAML; quote the text to write it as text';
  return `a value starting with \`{\` opens a map in YAML; quote it to write text: \`"{${entries.map(([key]) => key).join(', ')}}"\``;
}
