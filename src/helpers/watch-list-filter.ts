/** The comparison a watch-list filter rule applies: `<market value> <op> <rule value>`. */
export type FilterOperator = 'greater_or_equal' | 'greater' | 'smaller_or_equal' | 'smaller' | 'equal';

/** How the value read from the market (and the rule's value) is cast before comparing. */
export type FilterValueType = 'float' | 'int' | 'str';

/** One parsed rule of `watch_list_filter`, e.g. `info.volumeUsd24h >= 2000000 (float)`. */
export interface FilterRule {
  /** Dotted path into the ccxt market, e.g. `info.volumeUsd24h`. */
  path: string;
  type: FilterOperator;
  valueType: FilterValueType;
  /** The rule's value, already cast with `valueType`. */
  value: number | string;
}

const OPERATORS: readonly FilterOperator[] = ['greater_or_equal', 'greater', 'smaller_or_equal', 'smaller', 'equal'];
const VALUE_TYPES: readonly FilterValueType[] = ['float', 'int', 'str'];

/**
 * Parses the seed's `watch_list_filter` mapping (`{<dotted path>: {value, type, value_type}}`)
 * into rules, so that a mistake is reported before any exchange call. `value_type` defaults to
 * `float` for a numeric value and `str` otherwise. null or an empty mapping means no rules.
 * @throws Error naming the rule and the accepted values.
 */
export function parseWatchListFilter(filter: unknown): FilterRule[] {
  if (filter === null || filter === undefined) return [];
  if (typeof filter !== 'object' || Array.isArray(filter)) {
    throw new Error(`watch_list_filter must be a mapping of {<path>: {value, type, value_type}}, got ${describe(filter)}`);
  }
  return Object.entries(filter).map(([path, spec]) => {
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
      throw new Error(`watch_list_filter.${path} must be a mapping {value, type, value_type}, got ${describe(spec)}`);
    }
    const { value, type, value_type: valueTypeRaw } = spec as Record<string, unknown>;
    if (!OPERATORS.includes(type as FilterOperator)) {
      throw new Error(`watch_list_filter.${path}.type: unknown operator ${describe(type)}; use one of ${OPERATORS.join(', ')}`);
    }
    const valueType = valueTypeRaw ?? (typeof value === 'number' ? 'float' : 'str');
    if (!VALUE_TYPES.includes(valueType as FilterValueType)) {
      throw new Error(
        `watch_list_filter.${path}.value_type: unknown value type ${describe(valueType)}; use one of ${VALUE_TYPES.join(', ')}`,
      );
    }
    const cast = castValue(value, valueType as FilterValueType);
    if (cast === undefined) {
      throw new Error(`watch_list_filter.${path}.value: ${describe(value)} is not a valid ${String(valueType)}`);
    }
    return { path, type: type as FilterOperator, valueType: valueType as FilterValueType, value: cast };
  });
}

/** Reads a dotted path (`info.volumeUsd24h`) from an object; undefined when any step is missing. */
export function readPath(source: unknown, path: string): unknown {
  let current: unknown = source;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/**
 * Casts a value read from a market: `float` and `int` accept numbers and numeric strings
 * (exchanges send both), `int` truncates, `str` accepts strings, numbers and booleans.
 * Anything else (missing, null, unparseable) gives undefined, which fails the rule.
 */
export function castValue(value: unknown, valueType: FilterValueType): number | string | undefined {
  if (valueType === 'str') {
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
  }
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && value.trim() !== '') n = Number(value);
  else return undefined;
  if (!Number.isFinite(n)) return undefined;
  return valueType === 'int' ? Math.trunc(n) : n;
}

/** Whether `market` passes one rule. A market without the path, or with an uncastable value, fails. */
export function passesRule(market: unknown, rule: FilterRule): boolean {
  const actual = castValue(readPath(market, rule.path), rule.valueType);
  if (actual === undefined) return false;
  // Both sides went through the same cast, so they have the same type.
  const order = actual < rule.value ? -1 : actual > rule.value ? 1 : 0;
  switch (rule.type) {
    case 'greater_or_equal':
      return order >= 0;
    case 'greater':
      return order > 0;
    case 'smaller_or_equal':
      return order <= 0;
    case 'smaller':
      return order < 0;
    case 'equal':
      return order === 0;
  }
}

/** Whether `market` passes every rule. */
export function passesRules(market: unknown, rules: readonly FilterRule[]): boolean {
  return rules.every((rule) => passesRule(market, rule));
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === undefined) return 'nothing';
  return JSON.stringify(value) ?? String(value);
}
