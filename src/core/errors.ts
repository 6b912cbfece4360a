/** Turns anything thrown into an `Error`, so callers can rely on `.message` and `.name`. */
export function coerceError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === 'string') return new Error(value);
  try {
    return new Error(JSON.stringify(value));
  } catch {
    return new Error(String(value));
  }
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

/** Thrown when an operation is abandoned because the component is stopping. */
export class StoppedError extends Error {
  override name = 'StoppedError';
  constructor(message = 'stopped') {
    super(message);
  }
}

/**
 * The updater could not start for a reason outside misso (the exchange refused the credentials,
 * the init update kept failing). The CLI prints its message without a stack trace and exits 1.
 */
export class StartupError extends Error {
  override name = 'StartupError';
  readonly exitCode = 1;
}
