/**
 * The attribute path of a `self.` argument (`self.a.b` → `['a', 'b']`), or null for a literal.
 * A malformed reference (`self.`, `self.a..b`) yields a path with an empty segment.
 */
export function parseSelfRef(arg: unknown): string[] | null {
  if (typeof arg !== 'string' || !arg.startsWith('self.')) return null;
  return arg.slice('self.'.length).split('.');
}

/** A user task kind: the file (relative to the config) and the name it exports. */
export interface TaskKindSpec {
  file: string;
  exportName: string;
}

/** True when `kind` names a user task file (`./my-tasks.ts#t_my_task`) rather than a built-in kind. */
export function isUserTaskKind(kind: string): boolean {
  return kind.includes('#') || kind.startsWith('.') || kind.startsWith('/');
}

/** Splits `./my-tasks.ts#t_my_task`; null when it is not of that form. */
export function parseTaskKindSpec(kind: string): TaskKindSpec | null {
  const hash = kind.lastIndexOf('#');
  if (hash <= 0) return null;
  const file = kind.slice(0, hash);
  const exportName = kind.slice(hash + 1);
  if (!/^[A-Za-z_$][\w$]*$/.test(exportName)) return null;
  return { file, exportName };
}
