/**
 * The weight granted within the last `windowMs`, kept as a log of grants, oldest first, so a
 * bound on it holds for every window, not just aligned ones. A grant at time t counts against
 * every window (t - windowMs, t] and leaves at t + windowMs.
 */
export class SlidingWindow {
  readonly windowMs: number;
  // #head skips expired entries without shifting the arrays.
  #at: number[] = [];
  #weight: number[] = [];
  #head = 0;
  #used = 0;
  #maxObserved = 0;

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  /** The weight inside the window that ends at `now`. */
  used(now: number): number {
    this.#prune(now);
    return this.#used;
  }

  /** The most weight ever inside one window. */
  get maxObserved(): number {
    return this.#maxObserved;
  }

  /** Records a grant of `weight` at `at` (not before the last one). */
  add(at: number, weight: number): void {
    this.#prune(at);
    this.#at.push(at);
    this.#weight.push(weight);
    this.#used += weight;
    if (this.#used > this.#maxObserved) this.#maxObserved = this.#used;
  }

  /**
   * When enough of the oldest grants will have left the window for `weight` more to fit within
   * `capacity`; `now` when they fit already.
   */
  freeAt(weight: number, capacity: number, now: number): number {
    let remaining = this.used(now);
    if (remaining + weight <= capacity) return now;
    for (let i = this.#head; i < this.#at.length; i++) {
      remaining -= this.#weight[i] ?? 0;
      if (remaining + weight <= capacity) return (this.#at[i] ?? 0) + this.windowMs;
    }
    return now;
  }

  #prune(now: number): void {
    const cutoff = now - this.windowMs;
    while (this.#head < this.#at.length && (this.#at[this.#head] ?? 0) <= cutoff) {
      this.#used -= this.#weight[this.#head] ?? 0;
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#at.length) {
      this.#at = this.#at.slice(this.#head);
      this.#weight = this.#weight.slice(this.#head);
      this.#head = 0;
    }
  }
}
