/**
 * Turns anything thrown into an `Error` whose `message` and `name` are readable strings, so
 * callers can rely on them. Nothing a helper throws may break the code that handles it: an
 * Error whose `message` getter throws, `undefined`, a Symbol, a Proxy that traps every read.
 */
export function coerceError(value: unknown): Error {
  try {
    if (value instanceof Error) {
      const { message, name } = value;
      if (typeof message === 'string' && typeof name === 'string') return value;
      return new Error(`${typeof name === 'string' && name ? name : 'Error'}: ${typeof message === 'string' ? message : describeThrown(message)}`);
    }
  } catch {
    return new Error('an error was thrown whose message cannot be read');
  }
  return new Error(describeThrown(value));
}

/**
 * The class of a thrown value, as an operator reads it: an Error's `name` (`RangeError`, ccxt's
 * `RequestTimeout`, a custom `MyErr`), or its constructor's name when a subclass left `name` at
 * `Error`; for anything else what it is (`string`, `undefined`, `object`, `null`). Never throws.
 */
export function errorClassName(value: unknown): string {
  try {
    if (value instanceof Error) {
      const name = typeof value.name === 'string' && value.name !== '' ? value.name : 'Error';
      const ctor: unknown = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
      return name === 'Error' && typeof ctor === 'string' && ctor !== '' ? ctor : name;
    }
    return value === null ? 'null' : typeof value;
  } catch {
    return 'Error';
  }
}

/** A thrown object is described by its JSON, cut to this length (a status line, not a dump). */
const MAX_DESCRIBED = 1000;

/** Text for a thrown value that is not an Error; never throws. */
function describeThrown(value: unknown): string {
  const text = describeUncut(value);
  return text.length > MAX_DESCRIBED ? `${text.slice(0, MAX_DESCRIBED)}…` : text;
}

function describeUncut(value: unknown): string {
  if (typeof value === 'string') return value === '' ? 'an empty string was thrown' : value;
  if (value === undefined || value === null || typeof value === 'symbol' || typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') {
    return `${String(value)} was thrown`;
  }
  try {
    const json = JSON.stringify(value);
    if (typeof json === 'string') return json;
  } catch {
    // A cycle, a BigInt inside, or a getter that throws: try the plain string form.
  }
  try {
    const text = String(value);
    if (text !== '') return text;
  } catch {
    // No usable toString (Object.create(null), a hostile Proxy).
  }
  return `a value of type ${typeof value} was thrown`;
}

/**
 * A mistake in the user's input (config, CLI flags). The CLI prints its message without a stack
 * trace and exits with `exitCode`.
 */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/**
 * Thrown for a part of the updater used before `start()` built it (`pendingOrders`, `state`,
 * `orders.cancel`, …): start first; `updater.orders.on(...)` works before.
 */
export class NotStartedError extends Error {
  override name = 'NotStartedError';
}

/**
 * Thrown for what must come before `start()` (`registerTask`) called once the updater started:
 * build the updater, register, then start.
 */
export class AlreadyStartedError extends Error {
  override name = 'AlreadyStartedError';
}

/** Thrown when an operation is abandoned because the component is stopping. */
export class StoppedError extends Error {
  override name = 'StoppedError';
  constructor(message = 'stopped') {
    super(message);
  }
}

/**
 * The updater could not start for a reason outside misso (the exchange refused the credentials,
 * the init update kept failing, the status server's port is in use). The CLI prints its message
 * without a stack trace and exits with `exitCode`: 2 when the input must change (a port in use),
 * else 1.
 */
export class StartupError extends Error {
  override name = 'StartupError';
  readonly exitCode: number;
  /** @param options.exitCode @defaultValue 1 */
  constructor(message: string, options: ErrorOptions & { exitCode?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? 1;
  }
}

/**
 * A `modul:` that could not be loaded: what went wrong (the module's own error when its code
 * threw), and the `hint` for that case, which `misso check` prints beside it.
 */
export class ModuleLoadError extends Error {
  override name = 'ModuleLoadError';
  /** The next step for this failure (install the package there, fix the module's own code, …). */
  readonly hint: string;
  constructor(message: string, hint: string, options: ErrorOptions = {}) {
    super(message, options);
    this.hint = hint;
  }
}
