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
 *
 * Loading is asynchronous (`import()`), and nothing here awaits at the top level: a module with
 * top-level await cannot be `require`d, and misso's entries stay loadable from CommonJS. The one
 * class needed while a module is evaluated, the `Exchange` base the simulator extends, is loaded
 * synchronously instead ({@link ccxtExchangeBase}). The error classes are exported as stand-ins:
 * `instanceof` works at once (by the real class once loaded, and by ccxt's class names before
 * that or for another copy of ccxt), and `new` builds the real class, which {@link loadCcxtCore}
 * has loaded by then (every exchange misso builds, and every config it checks, awaits it first)
 * or which is then loaded synchronously.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Ccxt from 'ccxt';

/** A ccxt exchange class (REST or ccxt.pro). */
export type ExchangeClass = new (config?: Record<string, unknown>) => Ccxt.Exchange;

type ErrorClasses = typeof Ccxt.errors;
type ErrorName = keyof ErrorClasses;

/** ccxt's ESM sources (`js/src`), found from its package entry (`dist/ccxt.cjs` for require). */
function sourceDir(): string | null {
  try {
    const entry = createRequire(import.meta.url).resolve('ccxt');
    const dir = join(dirname(dirname(entry)), 'js', 'src');
    const laidOut = ['base/errors.js', 'base/Exchange.js', 'binance.js', 'pro/binance.js'].every((file) => existsSync(join(dir, file)));
    return laidOut ? dir : null;
  } catch {
    return null;
  }
}

const SOURCES = sourceDir();
const importSource = (...parts: string[]): Promise<unknown> => import(pathToFileURL(join(SOURCES ?? '', ...parts)).href);

let whole: Promise<typeof Ccxt> | null = null;
/** The whole package, loaded only where its files are not laid out as expected. */
const wholePackage = (): Promise<typeof Ccxt> => (whole ??= import('ccxt'));

interface Core {
  errors: ErrorClasses;
  Exchange: typeof Ccxt.Exchange;
}

let core: Core | null = null;
let coreLoading: Promise<Core> | null = null;

/** Loads ccxt's error classes and its `Exchange` base (once; later calls share the first that did not fail). */
export function loadCcxtCore(): Promise<Core> {
  coreLoading ??= (async (): Promise<Core> => {
    if (SOURCES === null) {
      const ccxt = await wholePackage();
      return (core = { errors: ccxt.errors, Exchange: ccxt.Exchange });
    }
    const [errors, base] = await Promise.all([importSource('base', 'errors.js'), importSource('base', 'Exchange.js')]);
    return (core = { errors: errors as ErrorClasses, Exchange: (base as { Exchange: typeof Ccxt.Exchange }).Exchange });
  })();
  // A load that failed (a file unreadable for a moment) is tried again by the next caller.
  coreLoading.catch(() => (coreLoading = null));
  return coreLoading;
}

/**
 * ccxt's core loaded synchronously: `require` of its ES module files (Node 20.19 and later), which
 * Node evaluates once for `require` and `import()` alike, so these are the very classes
 * {@link loadCcxtCore} and `import 'ccxt'` give. Where ccxt's files are laid out otherwise it
 * loads the package's ES module entry, the whole package, as that fallback does.
 */
function requireCcxtCore(): Core {
  if (core) return core;
  const load = createRequire(import.meta.url);
  if (SOURCES === null) {
    // The ES module entry, not `require('ccxt')`: that is ccxt's CommonJS build, another copy of its classes.
    const ccxt = load(fileURLToPath(import.meta.resolve('ccxt'))) as typeof Ccxt;
    return (core = { errors: ccxt.errors, Exchange: ccxt.Exchange });
  }
  const errors = load(join(SOURCES, 'base', 'errors.js')) as ErrorClasses;
  const { Exchange } = load(join(SOURCES, 'base', 'Exchange.js')) as { Exchange: typeof Ccxt.Exchange };
  return (core = { errors, Exchange });
}

/**
 * ccxt's `Exchange` base class, at once: for a class that extends it while its module is evaluated
 * (the simulator's), where awaiting {@link loadCcxtCore} at the top level would make that module,
 * and every entry importing it, impossible to `require`.
 */
export function ccxtExchangeBase(): typeof Ccxt.Exchange {
  return requireCcxtCore().Exchange;
}

/** Whether `value` is an instance of ccxt's error class `name`, by its class names (`BaseError` at the root). */
function namedCcxtError(value: unknown, name: string): boolean {
  let named = false;
  for (let proto = value !== null && typeof value === 'object' ? Object.getPrototypeOf(value) : null; proto; proto = Object.getPrototypeOf(proto)) {
    const ctorName = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    if (ctorName === name) named = true;
    if (ctorName === 'BaseError') return named;
  }
  return false;
}

/** The stand-in for ccxt's error class `name` (see the module's comment). */
function errorClass<N extends ErrorName>(name: N): ErrorClasses[N] {
  const standIn = function (...args: unknown[]): object {
    // Built before anything awaited the core (a simulator used straight from `require('misso/sim')`).
    const Real = requireCcxtCore().errors[name] as unknown as new (...a: unknown[]) => object;
    return new Real(...args);
  };
  Object.defineProperty(standIn, 'name', { value: name });
  Object.defineProperty(standIn, Symbol.hasInstance, {
    value: (value: unknown): boolean =>
      (core !== null && value instanceof (core.errors[name] as unknown as new (...a: never[]) => object)) || namedCcxtError(value, name),
  });
  return standIn as unknown as ErrorClasses[N];
}

export const AccountSuspended = errorClass('AccountSuspended');
export const ArgumentsRequired = errorClass('ArgumentsRequired');
export const AuthenticationError = errorClass('AuthenticationError');
export const BadRequest = errorClass('BadRequest');
export const BadResponse = errorClass('BadResponse');
export const BadSymbol = errorClass('BadSymbol');
export const BaseError = errorClass('BaseError');
export const CancelPending = errorClass('CancelPending');
export const ChecksumError = errorClass('ChecksumError');
export const DDoSProtection = errorClass('DDoSProtection');
export const DuplicateOrderId = errorClass('DuplicateOrderId');
export const ExchangeClosedByUser = errorClass('ExchangeClosedByUser');
export const ExchangeError = errorClass('ExchangeError');
export const ExchangeNotAvailable = errorClass('ExchangeNotAvailable');
export const InsufficientFunds = errorClass('InsufficientFunds');
export const InvalidNonce = errorClass('InvalidNonce');
export const InvalidOrder = errorClass('InvalidOrder');
export const NetworkError = errorClass('NetworkError');
export const NotSupported = errorClass('NotSupported');
export const OperationFailed = errorClass('OperationFailed');
export const OperationRejected = errorClass('OperationRejected');
export const OrderImmediatelyFillable = errorClass('OrderImmediatelyFillable');
export const OrderNotFound = errorClass('OrderNotFound');
export const PermissionDenied = errorClass('PermissionDenied');
export const RateLimitExceeded = errorClass('RateLimitExceeded');
export const RequestTimeout = errorClass('RequestTimeout');

/** ccxt's error class named `name` (`OrderNotFound`, …), or undefined when it has none or ccxt is not loaded. */
export function ccxtErrorClass(name: string): (new (message: string) => Error) | undefined {
  const errors = core?.errors;
  const ctor = errors && Object.hasOwn(errors, name) ? (errors as unknown as Record<string, unknown>)[name] : undefined;
  return typeof ctor === 'function' && errors && (ctor === errors.BaseError || ctor.prototype instanceof errors.BaseError)
    ? (ctor as new (message: string) => Error)
    : undefined;
}

const ID = /^[a-z][a-z0-9]*$/;
const idLists = new Map<'rest' | 'pro', readonly string[] | null>();

/**
 * Ids of one kind of class: one module file each, named by its id (what `ccxt.exchanges` lists),
 * or null where ccxt's files are laid out otherwise (see {@link exchangeIdList}).
 */
function idsOf(kind: 'rest' | 'pro'): readonly string[] | null {
  if (idLists.has(kind)) return idLists.get(kind) ?? null;
  const ids =
    SOURCES === null
      ? null
      : readdirSync(kind === 'rest' ? SOURCES : join(SOURCES, 'pro'))
          .filter((file) => file.endsWith('.js'))
          .map((file) => file.slice(0, -3))
          .filter((id) => ID.test(id))
          .sort();
  idLists.set(kind, ids);
  return ids;
}

/** ccxt's exchange ids (as `ccxt.exchanges`); null when only loading the whole package would tell. */
export function ccxtExchangeIds(): readonly string[] | null {
  return idsOf('rest');
}

/** The ids ccxt.pro has a websocket class for (as `ccxt.pro.exchanges`); null as above. */
export function ccxtProIds(): readonly string[] | null {
  return idsOf('pro');
}

/** ccxt's exchange ids, REST or ccxt.pro, from the whole package where its files do not tell. */
export async function exchangeIdList(pro: boolean): Promise<readonly string[]> {
  const ids = idsOf(pro ? 'pro' : 'rest');
  if (ids) return ids;
  const ccxt = await wholePackage();
  return pro ? (ccxt.pro as unknown as { exchanges: string[] }).exchanges : Object.keys(ccxt.exchanges);
}

const loaded = new Map<string, ExchangeClass | null>();

/**
 * Loads the class of `id` (its ccxt.pro class with `pro`), or undefined when ccxt has none, with
 * ccxt's core. Each module is evaluated once; {@link loadedExchangeClass} then answers at once.
 */
export async function loadExchangeClass(id: string, pro: boolean): Promise<ExchangeClass | undefined> {
  const key = `${pro ? 'pro' : 'rest'}:${id}`;
  await loadCcxtCore();
  if (!loaded.has(key)) {
    let ctor: unknown;
    if (!(await exchangeIdList(pro)).includes(id)) ctor = undefined;
    else if (SOURCES === null) ctor = ((pro ? (await wholePackage()).pro : await wholePackage()) as unknown as Record<string, unknown>)[id];
    else ctor = ((await (pro ? importSource('pro', `${id}.js`) : importSource(`${id}.js`))) as { default?: unknown }).default;
    loaded.set(key, typeof ctor === 'function' ? (ctor as ExchangeClass) : null);
  }
  return loaded.get(key) ?? undefined;
}

/** The class of `id` if {@link loadExchangeClass} has loaded it. */
export function loadedExchangeClass(id: string, pro: boolean): ExchangeClass | undefined {
  return loaded.get(`${pro ? 'pro' : 'rest'}:${id}`) ?? undefined;
}
