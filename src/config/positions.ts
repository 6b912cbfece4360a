/** A path into the config tree: map keys and sequence indexes. */
export type ConfigPath = readonly (string | number)[];

/** A 1-based line and column; 0/0 when unknown. */
export interface LineCol {
  line: number;
  col: number;
}

/** Where a value sits in the file, and where its key sits when it is a map entry. */
export interface PositionEntry {
  key?: LineCol;
  value: LineCol;
}

/** A C0 control character or DEL: refused in a task name, shown quoted in a path. */
export const CONTROL_CHAR = /[\u0000-\u001f\u007f]/;

/** Renders a path as the user reads it: `tasks.t_init_update.subtasks.subtask_0.input_args[1]`. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    // A key with a control character (a tab, a newline) is shown quoted, on the problem's one line.
    else if (CONTROL_CHAR.test(segment)) out += `[${JSON.stringify(segment)}]`;
    else out += out ? `.${segment}` : segment;
  }
  return out;
}

const UNKNOWN: LineCol = Object.freeze({ line: 0, col: 0 });

/**
 * Positions of every node of a parsed YAML file, by path. A config built from an object has an
 * empty index, and every lookup answers 0:0.
 */
export class PositionIndex {
  readonly #entries = new Map<string, PositionEntry>();
  /** Paths whose null the file wrote as a plain `None` (not `null`, `~` or nothing). */
  readonly #writtenNone = new Set<string>();

  /** Records that the null at `path` was written `None`, so messages can say what the file says. */
  markNone(path: ConfigPath): void {
    this.#writtenNone.add(JSON.stringify(path));
  }

  /** Whether the file wrote the null at `path` as `None`. */
  wroteNone(path: ConfigPath): boolean {
    return this.#writtenNone.has(JSON.stringify(path));
  }

  /** Records where the node at `path` is. */
  set(path: ConfigPath, entry: PositionEntry): void {
    this.#entries.set(JSON.stringify(path), entry);
  }

  /** The exact entry for `path`, if the file has that node. */
  get(path: ConfigPath): PositionEntry | undefined {
    return this.#entries.get(JSON.stringify(path));
  }

  /**
   * Where to point for a problem at `path`. `key` prefers the map key (unknown keys), `value` the
   * value (wrong types). A path the file lacks (a missing key) points at its nearest ancestor's key.
   */
  locate(path: ConfigPath, prefer: 'key' | 'value' = 'value'): LineCol {
    const exact = this.get(path);
    if (exact) return prefer === 'key' && exact.key ? exact.key : exact.value;
    for (let n = path.length - 1; n >= 0; n--) {
      const entry = this.get(path.slice(0, n));
      if (entry) return entry.key ?? entry.value;
    }
    return UNKNOWN;
  }
}

/** `c.yaml:3:9: logging.file` for a key whose position in the file is known, else the key alone. */
export function keyAt(key: string, pos: { file: string; line: number; col: number } | undefined): string {
  return pos ? `${pos.file}:${pos.line}:${pos.col}: ${key}` : key;
}
