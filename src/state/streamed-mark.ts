/** The state meta source of a value that came by websocket stream. */
export const STREAM_SOURCE = 'ws';

const STREAMED = Symbol('misso.streamed');

/**
 * Marks a helper's answer as served whole from a fresh stream cache, without a request, so the
 * subtask that stores it records `ws` as its source rather than its task's name (a REST pass).
 * The mark is a non-enumerable symbol: invisible to the strategy and to serialisation.
 */
export function markStreamed<T extends object>(value: T): T {
  Object.defineProperty(value, STREAMED, { value: true, enumerable: false });
  return value;
}

/** Whether `value` carries {@link markStreamed}'s mark. */
export function isStreamed(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[STREAMED] === true;
}
