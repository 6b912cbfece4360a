/**
 * ccxt, loaded one exchange class at a time.
 *
 * `import 'ccxt'` evaluates every one of its ~100 REST and ~75 websocket classes: about 33 MB of
 * live heap that a process trading on one venue never uses, and that every full garbage
 * collection of the event loop's thread has to mark again (a forced full collection took about
 * 9–10 ms with the whole package loaded against 5–6 ms with one exchange's classes, on the
 * 2-vCPU machine of BENCHMARKS.md). misso therefore imports ccxt's own module files: its error
 * classes, its `Exchange` base, and the class of the configured id when it is first needed.
 *
 * They are the very files `import 'ccxt'` loads (ccxt's package entry re-exports them), so a
 * strategy that imports the whole package gets the same classes: `instanceof` holds either way.
 * Should a ccxt release lay its files out otherwise, this falls back to the whole package.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Ccxt from 'ccxt';

/** A ccxt exchange class (REST or ccxt.pro). */
export type ExchangeClass = new (config?: Record<string, unknown>) => Ccxt.Exchange;

type ErrorClasses = typeof Ccxt.errors;

/** ccxt's ESM sources (`js/src`), found from its package entry (`dist/ccxt.cjs` for require). */
function sourceDir(): string | null {
  try {
    const entry = createRequire(import.meta.url).resolve('ccxt');
    const dir = join(dirname(dirname(entry)), 'js', 'src');
    return existsSync(join(dir, 'base', 'errors.js')) && existsSync(join(dir, 'base', 'Exchange.js')) && existsSync(join(dir, 'pro'))
      ? dir
      : null;
  } catch {
    return null;
  }
}

const SOURCES = sourceDir();
const importSource = (...parts: string[]): Promise<unknown> => import(pathToFileURL(join(SOURCES ?? '', ...parts)).href);

/** The whole package, loaded only where its files are not laid out as expected. */
const WHOLE: typeof Ccxt | null = SOURCES === null ? await import('ccxt') : null;

const ERRORS: ErrorClasses = WHOLE ? WHOLE.errors : ((await importSource('base', 'errors.js')) as ErrorClasses);

/** ccxt's `Exchange` base class (the simulator extends it). */
export const Exchange: typeof Ccxt.Exchange = WHOLE
  ? WHOLE.Exchange
  : ((await importSource('base', 'Exchange.js')) as { Exchange: typeof Ccxt.Exchange }).Exchange;

export const {
  AccountSuspended,
  ArgumentsRequired,
  AuthenticationError,
  BadRequest,
  BadResponse,
  BadSymbol,
  BaseError,
  CancelPending,
  ChecksumError,
  DDoSProtection,
  DuplicateOrderId,
  ExchangeClosedByUser,
  ExchangeError,
  ExchangeNotAvailable,
  InsufficientFunds,
  InvalidNonce,
  InvalidOrder,
  NetworkError,
  NotSupported,
  OperationFailed,
  OperationRejected,
  OrderImmediatelyFillable,
  OrderNotFound,
  PermissionDenied,
  RateLimitExceeded,
  RequestTimeout,
} = ERRORS;

/** ccxt's error class named `name` (`OrderNotFound`, …), or undefined when it has none. */
export function ccxtErrorClass(name: string): (new (message: string) => Error) | undefined {
  const ctor = Object.hasOwn(ERRORS, name) ? (ERRORS as unknown as Record<string, unknown>)[name] : undefined;
  return typeof ctor === 'function' && (ctor === ERRORS.BaseError || ctor.prototype instanceof ERRORS.BaseError)
    ? (ctor as new (message: string) => Error)
    : undefined;
}

const ID = /^[a-z][a-z0-9]*$/;
const idLists = new Map<'rest' | 'pro', readonly string[]>();

/** Ids of one kind of class: one module file each, named by its id (what `ccxt.exchanges` lists). */
function idsOf(kind: 'rest' | 'pro'): readonly string[] {
  let ids = idLists.get(kind);
  if (ids) return ids;
  if (WHOLE) {
    ids = kind === 'rest' ? Object.keys(WHOLE.exchanges) : (WHOLE.pro as unknown as { exchanges: string[] }).exchanges;
  } else {
    const dir = kind === 'rest' ? (SOURCES as string) : join(SOURCES as string, 'pro');
    ids = readdirSync(dir)
      .filter((file) => file.endsWith('.js'))
      .map((file) => file.slice(0, -3))
      .filter((id) => ID.test(id))
      .sort();
  }
  idLists.set(kind, ids);
  return ids;
}

/** ccxt's exchange ids (as `ccxt.exchanges`). */
export function ccxtExchangeIds(): readonly string[] {
  return idsOf('rest');
}

/** The ids ccxt.pro has a websocket class for (as `ccxt.pro.exchanges`). */
export function ccxtProIds(): readonly string[] {
  return idsOf('pro');
}

const loaded = new Map<string, ExchangeClass | null>();

/**
 * Loads the class of `id` (its ccxt.pro class with `pro`), or undefined when ccxt has none.
 * Each module is evaluated once; {@link loadedExchangeClass} then answers without waiting.
 */
export async function loadExchangeClass(id: string, pro: boolean): Promise<ExchangeClass | undefined> {
  const key = `${pro ? 'pro' : 'rest'}:${id}`;
  if (!loaded.has(key)) {
    let ctor: unknown;
    if (!(pro ? ccxtProIds() : ccxtExchangeIds()).includes(id)) ctor = undefined;
    else if (WHOLE) ctor = ((pro ? WHOLE.pro : WHOLE) as unknown as Record<string, unknown>)[id];
    else ctor = ((await (pro ? importSource('pro', `${id}.js`) : importSource(`${id}.js`))) as { default?: unknown }).default;
    loaded.set(key, typeof ctor === 'function' ? (ctor as ExchangeClass) : null);
  }
  return loaded.get(key) ?? undefined;
}

/** The class of `id` if {@link loadExchangeClass} has loaded it. */
export function loadedExchangeClass(id: string, pro: boolean): ExchangeClass | undefined {
  return loaded.get(`${pro ? 'pro' : 'rest'}:${id}`) ?? undefined;
}
