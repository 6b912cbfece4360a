/**
 * One websocket connection's writes under `wsdelay`, kept in the order they were made. Each
 * write is due `delayMs` after it was made, but never before an earlier one: a delay lowered at
 * run time (`wsdelay:3000`, then none) must not let the new messages overtake the ones still
 * held back, which no TCP stream does (a client would see events going back in time, a depth
 * stream's `pu` chain broken, an order's `NEW` after its `FILLED`).
 */
export class DelayedWrites {
  readonly #queue: { due: number; write: () => void }[] = [];
  #timer: NodeJS.Timeout | undefined;

  /** Runs `write` after `delayMs` of wall time, or at once when nothing is held back and the delay is 0. */
  schedule(delayMs: number, write: () => void): void {
    if (delayMs <= 0 && this.#queue.length === 0) return write();
    const last = this.#queue.at(-1);
    this.#queue.push({ due: Math.max(Date.now() + delayMs, last?.due ?? 0), write });
    if (this.#queue.length === 1) this.#arm();
  }

  /** Drops what is held back (the connection is gone). */
  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
  }

  #arm(): void {
    const next = this.#queue[0];
    if (next === undefined) return;
    this.#timer = setTimeout(() => this.#drain(), Math.max(0, next.due - Date.now()));
    this.#timer.unref();
  }

  #drain(): void {
    this.#timer = undefined;
    const now = Date.now();
    while (this.#queue.length > 0 && this.#queue[0]!.due <= now) this.#queue.shift()!.write();
    this.#arm();
  }
}
