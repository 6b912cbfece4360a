import type { ConfigPath } from './positions.js';

/** Reports a problem at a path; the caller knows the file and positions. */
export type ReportProblem = (path: ConfigPath, message: string, hint?: string) => void;

/** Environment variables the config reads, by name. */
export type EnvMap = Readonly<Record<string, string | undefined>>;

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const REFERENCE = new RegExp(`\\$\\{(${NAME})\\}`, 'g');
const WHOLE_REFERENCE = new RegExp(`^\\$\\{(${NAME})\\}$`);

/** The sections whose values may be `${NAME}` references, besides `http.token`. */
export const ENV_SECTIONS = ['exchange', 'notify'] as const;

/** Whether `${NAME}` references are resolved at `path` (a section above, or `http.token`). */
export function takesEnvReferences(path: ConfigPath): boolean {
  const [head, next] = path;
  return (ENV_SECTIONS as readonly unknown[]).includes(head) || (head === 'http' && next === 'token');
}

/**
 * The next step for a value of the wrong type that holds a `${NAME}` reference where none is
 * resolved (`http.port: ${PORT}`): the reference is not the number, it is text.
 */
export function envReferenceHint(path: ConfigPath, actual: unknown): string | undefined {
  if (typeof actual !== 'string' || takesEnvReferences(path) || !new RegExp(REFERENCE.source).test(actual)) return undefined;
  return '`${NAME}` environment references are read only in `exchange`, `notify` and `http.token`; write the value itself here';
}

/**
 * Replaces every `${NAME}` inside the strings of `value` (deeply) with the variable's value. An
 * unset variable, or a `${` that does not start a well-formed reference, is reported at its path.
 * The values substituted never appear in a report.
 */
export function resolveEnvReferences(value: unknown, path: ConfigPath, env: EnvMap, report: ReportProblem): unknown {
  if (typeof value === 'string') return resolveString(value, path, env, report);
  if (Array.isArray(value)) return value.map((item, i) => resolveEnvReferences(item, [...path, i], env, report));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = resolveEnvReferences(item, [...path, key], env, report);
    return out;
  }
  return value;
}

function resolveString(text: string, path: ConfigPath, env: EnvMap, report: ReportProblem): string {
  if (!text.includes('${')) return text;
  const withoutValid = text.replace(REFERENCE, '');
  if (withoutValid.includes('${')) {
    // A shell default (`${NAME:-value}`) is the likeliest: say so rather than only "malformed".
    const withDefault = /\$\{([A-Za-z_]\w*)(:?[-=?+])/.exec(withoutValid);
    if (withDefault) {
      report(path, `environment reference with a shell default (\`\${${withDefault[1]}${withDefault[2]}…}\`)`, `misso reads \`\${${withDefault[1]}}\` only: write that, and export ${withDefault[1]} before starting misso`);
    } else {
      report(path, 'malformed environment reference', 'write `${NAME}` with a name of letters, digits and `_`');
    }
    return text;
  }
  return text.replace(REFERENCE, (_match, name: string) => {
    const resolved = env[name];
    if (resolved === undefined) {
      report(path, `environment variable ${name} is not set`, `export ${name}=... before starting misso`);
      return '';
    }
    return resolved;
  });
}

/**
 * Checks that a credential is given only as one `${NAME}` reference to a set, non-empty variable,
 * never as a literal. Its literal value is never echoed.
 *
 * @param suggestedVar - The variable name proposed in the hint, e.g. `BINANCE_API_KEY`.
 */
export function checkCredential(raw: unknown, path: ConfigPath, suggestedVar: string, env: EnvMap, report: ReportProblem): void {
  if (raw === null || raw === undefined) return;
  const match = typeof raw === 'string' ? WHOLE_REFERENCE.exec(raw) : null;
  const key = String(path[path.length - 1]);
  // A reference misso cannot read (`${K:-default}`) is named by resolveEnvReferences, not called a literal.
  if (!match && typeof raw === 'string' && raw.replace(REFERENCE, '').includes('${')) return;
  if (!match) {
    report(
      path,
      'a secret must not be written in the config file',
      `move it to an environment variable and write \`${key}: \${${suggestedVar}}\``,
    );
    return;
  }
  const name = match[1] ?? '';
  // An unset variable is reported by resolveEnvReferences; an empty one would log in as nobody.
  const value = env[name];
  if (value === '') report(path, `environment variable ${name} is set but empty`, `give ${name} the credential's value`);
  else if (value !== undefined && value.trim() === '') report(path, `environment variable ${name} holds only blanks`, `give ${name} the credential's value`);
}

/** True for `{...}` values (not arrays, not null, not class instances). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
