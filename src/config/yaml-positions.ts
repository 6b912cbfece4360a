import { Lexer, LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, Scalar, visit, type Document, type Node } from 'yaml';
import type { ConfigProblem } from './config-error.js';
import { CONFIG_LIMITS } from './limits.js';
import { PositionIndex, formatPath, type ConfigPath, type LineCol } from './positions.js';
import { syntaxProblem } from './yaml-syntax.js';
import { closest } from './suggest.js';

/** A YAML file turned into plain values, with the position of every node kept aside. */
export interface ParsedYaml {
  /** Plain objects, arrays and scalars; a plain `None` is null as in the seed's Python. */
  value: unknown;
  positions: PositionIndex;
  /** The first syntax error (with how many followed) or the warnings; when non-empty, `value` may be incomplete. */
  problems: ConfigProblem[];
}

/** Bounds of {@link parseYamlWithPositions}. */
export interface YamlLimits {
  /** @defaultValue CONFIG_LIMITS.maxAliasCount */
  maxAliasCount?: number;
  /** @defaultValue CONFIG_LIMITS.maxNodes */
  maxNodes?: number;
}

/**
 * Parses YAML keeping positions. A plain (unquoted) `None` becomes null, because the seed's config
 * was written for Python; a quoted `"None"` stays a string. Aliases are expanded by this walker
 * (not by the yaml library's `toJS`), so the walker itself enforces the alias and node limits:
 * past either, it stops expanding and reports one problem.
 */
export function parseYamlWithPositions(text: string, file: string, limits: YamlLimits = {}): ParsedYaml {
  const maxNodes = limits.maxNodes ?? CONFIG_LIMITS.maxNodes;
  const positions = new PositionIndex();
  const problems: ConfigProblem[] = [];
  // The yaml library's tree costs about 1 KB per value: a 1 MiB flat list would take 400 MB before
  // the walker could count it, so the values written are counted on the lexer's tokens first.
  const overflow = writtenValuesOverflow(text, maxNodes);
  if (overflow !== undefined) {
    problems.push({ file, ...lineColAt(text, overflow), path: '', message: `YAML: the file holds more than ${maxNodes} keys and values; a config needs far fewer` });
    return { value: null, positions, problems };
  }
  const lineCounter = new LineCounter();
  // Duplicate keys are found by the walker: the library's own check compares every key with every
  // other, and a map of 60,000 keys took minutes.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const pos = (offset: number): LineCol => lineCounter.linePos(offset);

  // The first syntax error only (see syntaxProblem); warnings only when the syntax holds.
  if (doc.errors.length > 0) problems.push(syntaxProblem(text, doc.errors, file, pos));
  else for (const issue of doc.warnings) problems.push({ file, ...pos(issue.pos[0]), path: '', message: `YAML: ${issue.message}` });

  const walker = new Walker(doc, file, positions, problems, pos, {
    maxAliasCount: limits.maxAliasCount ?? CONFIG_LIMITS.maxAliasCount,
    maxNodes,
  });
  positions.set([], { value: { line: 1, col: 1 } });
  const value = doc.contents ? walker.walk(doc.contents, [], undefined) : null;
  return { value, positions, problems };
}

/** The lexer's markers that stand for no character of the source. */
const SYNTHETIC_TOKENS = new Set(['\x02', '\x18', '\x1f']);
/** The first character of a token that starts a written value (after the scalar marker \x1f). */
const VALUE_STARTS = new Set(['"', "'", '[', '{', '*', '|', '>']);

/**
 * Counts the scalars, flow collections and aliases written in `text` without building a tree,
 * and returns the source offset where the count passes `max` (undefined when it never does).
 */
function writtenValuesOverflow(text: string, max: number): number | undefined {
  let offset = 0;
  let count = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '\x1f' || VALUE_STARTS.has(token[0] ?? '')) {
      if (++count > max) return offset;
    }
    if (!SYNTHETIC_TOKENS.has(token)) offset += token.length;
  }
  return undefined;
}

function lineColAt(text: string, offset: number): LineCol {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, col: offset - lineStart + 1 };
}

class Walker {
  readonly #active = new Set<Node>();
  #aliases = 0;
  #nodes = 0;
  #exhausted = false;

  constructor(
    readonly doc: Document,
    readonly file: string,
    readonly positions: PositionIndex,
    readonly problems: ConfigProblem[],
    readonly pos: (offset: number) => LineCol,
    readonly limits: Required<YamlLimits>,
  ) {}

  walk(node: Node, path: ConfigPath, keyPos: LineCol | undefined): unknown {
    if (this.#exhausted) return null;
    const start = node.range?.[0];
    const emptyScalar = isScalar(node) && node.value === null && node.range?.[0] === node.range?.[1];
    const valuePos = start === undefined || (emptyScalar && keyPos) ? (keyPos ?? { line: 1, col: 1 }) : this.pos(start);
    if (++this.#nodes > this.limits.maxNodes) {
      this.#exhaust(valuePos, path, `the document expands to more than ${this.limits.maxNodes} values`);
      return null;
    }
    if (path.length > 0) this.positions.set(path, keyPos ? { key: keyPos, value: valuePos } : { value: valuePos });

    if (isAlias(node)) {
      if (++this.#aliases > this.limits.maxAliasCount) {
        this.#exhaust(valuePos, path, `more than ${this.limits.maxAliasCount} alias expansions`);
        return null;
      }
      const target = node.resolve(this.doc);
      if (!target) {
        // The yaml library leaves an alias to no anchor unresolved (it throws only in toJS): a
        // misspelt `*name` would drop the value, or the merge, without a word.
        const near = closest(node.source, anchorsOf(this.doc));
        this.#problem(valuePos, path, `YAML: no anchor \`&${node.source}\` for the alias \`*${node.source}\`${near === undefined ? '; anchor the node to copy with `&name` before the alias' : ` (did you mean \`*${near}\`?)`}`);
        return null;
      }
      if (this.#active.has(target)) {
        this.#problem(valuePos, path, 'an alias refers to a node that contains it');
        return null;
      }
      const value = this.#nested(target, () => this.walk(target, path, keyPos));
      // Point at the alias itself, not at the anchor it copies.
      this.positions.set(path, keyPos ? { key: keyPos, value: valuePos } : { value: valuePos });
      return value;
    }
    if (isScalar(node)) {
      if (node.type === Scalar.PLAIN && node.value === 'None') {
        this.positions.markNone(path);
        return null;
      }
      return node.value;
    }
    if (isSeq(node)) {
      return this.#nested(node, () =>
        node.items.map((item, i) => (item === null ? null : this.walk(item as Node, [...path, i], undefined))),
      );
    }
    if (isMap(node)) {
      return this.#nested(node, () => {
        const out: Record<string, unknown> = {};
        const merges: { value: unknown; at: LineCol }[] = [];
        for (const pair of node.items) {
          const keyNode = pair.key as Node | null;
          const kPos = keyNode?.range ? this.pos(keyNode.range[0]) : valuePos;
          if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
            this.#problem(kPos, path, 'map keys must be plain names');
            continue;
          }
          const key = String(keyNode.value);
          if (key === '<<' && keyNode.type === Scalar.PLAIN && pair.value !== null) {
            merges.push({ value: this.walk(pair.value as Node, [...path, key], kPos), at: kPos });
            continue;
          }
          if (key === '__proto__') {
            this.#problem(kPos, [...path, key], 'this key is not allowed');
            continue;
          }
          if (Object.hasOwn(out, key)) {
            // The seed ran several template tasks; a YAML map holds one `t_update_template` key.
            const twoTasks = path.length === 1 && path[0] === 'tasks';
            this.#problem(kPos, [...path, key], 'YAML: map keys must be unique', twoTasks ? `two tasks of one kind: give this one a key of its own and \`kind: ${key}\`` : undefined);
            continue;
          }
          const valueNode = pair.value as Node | null;
          if (valueNode === null) {
            this.positions.set([...path, key], { key: kPos, value: kPos });
            out[key] = null;
          } else {
            out[key] = this.walk(valueNode, [...path, key], kPos);
          }
        }
        for (const merge of merges) this.#merge(out, merge.value, path, merge.at);
        return out;
      });
    }
    return null;
  }

  /**
   * A YAML 1.1 merge key (`<<: *defaults`, or `<<: [*a, *b]`), as the seed's Python loader
   * (PyYAML) reads it: the keys of the map (or maps, the first winning) that this map does not
   * write itself, which win wherever they are written. A merged key is placed at the `<<` line.
   */
  #merge(out: Record<string, unknown>, value: unknown, path: ConfigPath, at: LineCol): void {
    // null: nothing to merge, or an alias already reported (one that contains itself).
    if (value === null) return;
    const sources = Array.isArray(value) ? value : [value];
    if (sources.length === 0 || !sources.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))) {
      this.#problem(at, [...path, '<<'], 'YAML: `<<` merges a map, or a list of maps, into this one (`<<: *defaults`)');
      return;
    }
    for (const source of sources as Record<string, unknown>[]) {
      for (const [key, v] of Object.entries(source)) {
        if (Object.hasOwn(out, key)) continue;
        out[key] = v;
        this.positions.set([...path, key], { key: at, value: at });
      }
    }
  }

  #nested<T>(node: Node, run: () => T): T {
    this.#active.add(node);
    try {
      return run();
    } finally {
      this.#active.delete(node);
    }
  }

  /** One problem, then nothing more is expanded: an alias bomb must cost milliseconds. */
  #exhaust(at: LineCol, path: ConfigPath, reason: string): void {
    this.#exhausted = true;
    this.#problem(at, path, `YAML: ${reason}; a config needs far fewer (is this an alias bomb?)`);
  }

  #problem(at: LineCol, path: ConfigPath, message: string, hint?: string): void {
    this.problems.push({ file: this.file, ...at, path: formatPath(path), message, ...(hint === undefined ? {} : { hint }) });
  }
}

/** Every anchor name a document defines. */
function anchorsOf(doc: Document): string[] {
  const names: string[] = [];
  visit(doc, (_key, node) => {
    const anchor = (node as { anchor?: unknown }).anchor;
    if (typeof anchor === 'string') names.push(anchor);
  });
  return names;
}
