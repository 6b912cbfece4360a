import { z } from 'zod';
import { checkIntentParams, type ClientIdKeys } from './intent-params.js';
import type { OrderSide, OrderType } from './order.js';

/** Longest `tag` (the strategy's own reference) kept with an order. */
export const MAX_TAG_LENGTH = 64;

/** A validated order request from the strategy, before it gets a client id. */
export interface OrderIntent {
  /** The strategy's own reference, if it gave one. */
  tag: string | null;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  /** Required for limit orders, null for market orders. */
  price: number | null;
  amount: number;
  /** Extra ccxt params (reduceOnly, timeInForce, …): plain JSON; client-id names are refused. */
  params: Record<string, unknown>;
}

/** Thrown for a queue entry that is not a valid order; the message says what to fix. */
export class IntentError extends Error {
  override name = 'IntentError';
  constructor(
    message: string,
    /** The entry's key at fault (`amount`, `params.triggerPrice`), when one is; null otherwise. */
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

const positive = (what: string) =>
  z
    .number({ error: (iss) => `${what} must be a number, got ${describeNonNumber(iss.input)}` })
    .finite(`${what} must be finite`)
    .positive(`${what} must be > 0`);

// Any case (`BUY`), as strategies write it; the refusal quotes what was given, not its lower case.
const sideSchema = z.unknown().transform((v, ctx): OrderSide => {
  const side = typeof v === 'string' ? v.toLowerCase() : v;
  if (side === 'buy' || side === 'sell') return side;
  ctx.addIssue({ code: 'custom', message: `side must be buy or sell, got ${preview(v)}` });
  return z.NEVER;
});

const MAX_SYMBOL = 100;
const symbolSchema = z
  .string({ error: 'symbol must be a string like "BTC/USD:USD"' })
  .min(1, 'symbol is empty')
  // Longer than any market's symbol (the longest listed are a few dozen characters, an option's).
  .max(MAX_SYMBOL, `symbol is longer than any market's (at most ${MAX_SYMBOL} characters): give a symbol like "BTC/USD:USD"`);

const tagSchema = z
  .union([z.string(), z.number()], { error: 'tag must be a string or a number' })
  .refine((t) => String(t).length <= MAX_TAG_LENGTH, `tag is longer than ${MAX_TAG_LENGTH} characters`);

const objectSchema = z
  .strictObject(
    {
      symbol: symbolSchema,
      side: sideSchema,
      amount: positive('amount').optional(),
      size: positive('size').optional(),
      price: positive('price').nullable().optional(),
      type: z.enum(['limit', 'market'], { error: (iss) => `type must be limit or market, got ${preview(iss.input)}` }).optional(),
      // Checked by checkIntentParams: zod would walk a hostile depth recursively.
      params: z.unknown().optional(),
      tag: tagSchema.nullable().optional(),
      id: tagSchema.nullable().optional(),
    },
    { error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown key(s): ${iss.keys.join(', ')}` : undefined) },
  )
  .superRefine((v, ctx) => {
    if (v.amount === undefined && v.size === undefined) ctx.addIssue({ code: 'custom', message: 'amount is required', path: ['amount'] });
    if (v.amount !== undefined && v.size !== undefined && v.amount !== v.size) {
      ctx.addIssue({ code: 'custom', message: 'amount and size disagree; give one of them', path: ['amount'] });
    }
    const type = v.type ?? (v.price == null ? 'market' : 'limit');
    if (type === 'limit' && v.price == null) ctx.addIssue({ code: 'custom', message: 'a limit order needs a price', path: ['price'] });
  });

const listSchema = z.tuple(
  [
    z.union([tagSchema, z.null(), z.undefined()], { error: `id (element 0) must be null or a tag of at most ${MAX_TAG_LENGTH} characters` }),
    positive('size (element 1)'),
    positive('price (element 2)'),
    sideSchema,
    symbolSchema,
  ],
  { error: 'the list form is [id, size, price, side, symbol]' },
);

/** What {@link parseIntent} needs to know about the exchange in use. */
export interface IntentRules {
  /**
   * Normalised `params` names the exchange in use reads a client order id from (see
   * `clientIdKeysOf`), refused beside the names every exchange shares. @defaultValue none
   */
  clientIdKeys?: ClientIdKeys;
}

/**
 * Parses one `pending_orders` entry: the seed's list `[id, size, price, side, symbol]` (a limit
 * order) or an object `{symbol, side, amount, price?, type?, params?, tag?}`. Throws
 * {@link IntentError} naming every problem: the shape, `params` that are not plain JSON within
 * `PARAMS_LIMITS` or that would set the client order id under any name, a `tag` over
 * {@link MAX_TAG_LENGTH}. This is the one place an entry's own validity is decided; what the
 * market makes of it (precision, unknown symbols) is `fitIntentToMarket`'s.
 */
export function parseIntent(entry: unknown, rules: IntentRules = {}): OrderIntent {
  if (Array.isArray(entry)) {
    if (entry.length !== 5) {
      throw new IntentError(
        `invalid order ${preview(entry)}: the list form is [id, size, price, side, symbol], got ${entry.length} element(s)`,
      );
    }
    const r = listSchema.safeParse(entry);
    if (!r.success) throw new IntentError(`invalid order ${preview(entry)}: ${listIssues(r.error)}`, listFieldOf(r.error));
    const [id, size, price, side, symbol] = r.data;
    return { tag: id == null ? null : String(id), symbol, side, type: 'limit', price, amount: size, params: {} };
  }
  if (entry === null || typeof entry !== 'object') {
    throw new IntentError(
      `invalid order ${preview(entry)}: expected [id, size, price, side, symbol] or {symbol, side, amount, price}`,
    );
  }
  let r: ReturnType<typeof objectSchema.safeParse>;
  try {
    r = objectSchema.safeParse(entry);
  } catch (error: unknown) {
    // A getter that throws, a Proxy: the entry cannot even be read.
    throw new IntentError(`invalid order ${preview(entry)}: unreadable (${error instanceof Error ? error.message : typeof error})`);
  }
  if (!r.success) throw new IntentError(`invalid order ${preview(entry)}: ${issues(r.error)}`, fieldOf(r.error));
  const v = r.data;
  // A price key without a value (a look-up that missed) is a mistake, not a market order: a
  // market order is asked for by `type: 'market'`, or by leaving the key out.
  if (v.price == null && v.type === undefined && Object.prototype.hasOwnProperty.call(entry, 'price')) {
    throw new IntentError(`invalid order ${preview(entry)}: price is ${String(v.price)}; give a price, or type: 'market' for a market order`, 'price');
  }
  const type: OrderType = v.type ?? (v.price == null ? 'market' : 'limit');
  const tag = v.tag ?? v.id;
  let params: Record<string, unknown> = {};
  if (v.params !== undefined) {
    const checked = checkIntentParams(v.params, rules.clientIdKeys);
    if ('reason' in checked) throw new IntentError(`invalid order ${preview(entry)}: ${checked.reason}`, checked.field);
    params = checked.params;
  }
  return {
    tag: tag == null ? null : String(tag),
    symbol: v.symbol,
    side: v.side,
    type,
    price: v.price ?? null,
    amount: (v.amount ?? v.size) as number,
    params,
  };
}

/** The key of an object entry's first problem: the one its message starts with. */
function fieldOf(error: z.ZodError): string | null {
  const first = error.issues[0];
  if (first?.code === 'unrecognized_keys') return first.keys[0] ?? null;
  const key = first?.path[0];
  return typeof key === 'string' ? key : null;
}

/** The list form's elements, by index, as its messages name them. */
const LIST_NAMES = ['id', 'size', 'price', 'side', 'symbol'] as const;

/** The element of a list entry's first problem, by its name (`size`, `side`, …). */
function listFieldOf(error: z.ZodError): string | null {
  const index = error.issues[0]?.path[0];
  return typeof index === 'number' ? (LIST_NAMES[index] ?? null) : null;
}

/** A list entry's problems, each naming its element as `side (element 3) must be …`. */
function listIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const index = i.path[0];
      const name = typeof index === 'number' ? LIST_NAMES[index] : undefined;
      if (name === undefined || i.message.includes('(element ')) return i.message;
      return i.message.startsWith(`${name} `) ? `${name} (element ${index as number})${i.message.slice(name.length)}` : `${name} (element ${index as number}): ${i.message}`;
    })
    .join('; ');
}

function issues(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.path.length > 0 && !i.message.includes(String(i.path[0])) ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/**
 * A short, safe rendering of what the strategy queued: one level deep, so a hostile entry (deep,
 * huge, cyclic, with throwing getters) cannot hang or crash the error path.
 */
export function preview(v: unknown): string {
  const s = shallow(v, 1);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function shallow(v: unknown, depth: number): string {
  try {
    if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
    if (typeof v === 'bigint') return `${v}n`;
    if (v === null || typeof v !== 'object') return typeof v === 'symbol' ? v.toString() : String(v);
    if (Array.isArray(v)) return depth <= 0 ? '[…]' : `[${v.slice(0, 8).map((x) => shallow(x, depth - 1)).join(',')}${v.length > 8 ? ',…' : ''}]`;
    if (depth <= 0) return '{…}';
    const keys = Object.keys(v);
    const parts = keys.slice(0, 8).map((k) => `${JSON.stringify(k)}:${shallow((v as Record<string, unknown>)[k], depth - 1)}`);
    return `{${parts.join(',')}${keys.length > 8 ? ',…' : ''}}`;
  } catch {
    return '(unreadable)';
  }
}

/**
 * A value given where a number belongs, as a refusal quotes it, with what to send instead when
 * that is not plain: `the string "0.01" (send the number without quotes)`, `a list [5] (send one
 * number, not a list)`, `-1`.
 */
export function describeNonNumber(v: unknown): string {
  if (typeof v === 'string') return `the string ${preview(v)} (send the number without quotes)`;
  if (typeof v === 'bigint') return `the bigint ${preview(v)}`;
  if (Array.isArray(v)) return `a list ${preview(v)} (send one number, not a list)`;
  if (v !== null && typeof v === 'object') return `an object ${preview(v)} (send one number, not an object)`;
  return preview(v);
}

const ALLOWED = /[^A-Za-z0-9]/g;

/**
 * The client-id prefix for an account or updater name: letters and digits only, at most 12, so
 * with the journal tag and a base-36 sequence the id stays far below Binance's 36 characters.
 */
export function clientIdPrefix(name: string): string {
  const clean = name.replace(ALLOWED, '').slice(0, 12);
  return clean.length > 0 ? clean : 'misso';
}

/**
 * The deterministic client order id of the `seq`-th intent of a journal:
 * `<prefix>-<journalTag>-<seq base 36>`. The journal tag is fixed when the journal is created,
 * so a fresh journal under the same name never reuses an id the exchange has seen.
 */
export function makeClientOrderId(prefix: string, journalTag: string, seq: number): string {
  return `${prefix}-${journalTag}-${seq.toString(36)}`;
}

/** Binance's rule for client order ids, which our ids must always satisfy. */
export const CLIENT_ID_PATTERN = /^[.A-Z:/a-z0-9_-]{1,36}$/;
