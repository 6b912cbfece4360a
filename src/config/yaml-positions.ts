import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, Scalar, type Document, type Node } from 'yaml';
import type { ConfigProblem } from './config-error.js';
import { PositionIndex, formatPath, type ConfigPath, type LineCol } from './positions.js';

/** A YAML file turned into plain values, with the position of every node kept aside. */
export interface ParsedYaml {
  /** Plain objects, arrays and scalars; a plain `None` is null as in the seed's Python. */
  value: unknown;
  positions: PositionIndex;
  /** Syntax errors and warnings; when non-empty, `value` may be incomplete. */
  problems: ConfigProblem[];
}

/**
 * Parses YAML keeping positions. A plain (unquoted) `None` becomes null, because the seed's config
 * was written for Python; a quoted `"None"` stays a string.
 */
export function parseYamlWithPositions(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const positions = new PositionIndex();
  const problems: ConfigProblem[] = [];
  const pos = (offset: number): LineCol => lineCounter.linePos(offset);

  for (const issue of [...doc.errors, ...doc.warnings]) {
    const at = pos(issue.pos[0]);
    problems.push({ file, ...at, path: '', message: `YAML: ${issue.message}` });
  }

  const walker = new Walker(doc, file, positions, problems, pos);
  positions.set([], { value: { line: 1, col: 1 } });
  const value = doc.contents ? walker.walk(doc.contents, [], undefined) : null;
  return { value, positions, problems };
}

class Walker {
  readonly #active = new Set<Node>();

  constructor(
    readonly doc: Document,
    readonly file: string,
    readonly positions: PositionIndex,
    readonly problems: ConfigProblem[],
    readonly pos: (offset: number) => LineCol,
  ) {}

  walk(node: Node, path: ConfigPath, keyPos: LineCol | undefined): unknown {
    const start = node.range?.[0];
    const emptyScalar = isScalar(node) && node.value === null && node.range?.[0] === node.range?.[1];
    const valuePos = start === undefined || (emptyScalar && keyPos) ? (keyPos ?? { line: 1, col: 1 }) : this.pos(start);
    if (path.length > 0) this.positions.set(path, keyPos ? { key: keyPos, value: valuePos } : { value: valuePos });

    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target) return null;
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
      if (node.type === Scalar.PLAIN && node.value === 'None') return null;
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
        for (const pair of node.items) {
          const keyNode = pair.key as Node | null;
          const kPos = keyNode?.range ? this.pos(keyNode.range[0]) : valuePos;
          if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
            this.#problem(kPos, path, 'map keys must be plain names');
            continue;
          }
          const key = String(keyNode.value);
          if (key === '__proto__') {
            this.#problem(kPos, [...path, key], 'this key is not allowed');
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
        return out;
      });
    }
    return null;
  }

  #nested<T>(node: Node, run: () => T): T {
    this.#active.add(node);
    try {
      return run();
    } finally {
      this.#active.delete(node);
    }
  }

  #problem(at: LineCol, path: ConfigPath, message: string): void {
    this.problems.push({ file: this.file, ...at, path: formatPath(path), message });
  }
}
