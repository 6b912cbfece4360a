import { ExchangeNotAvailable, RateLimitExceeded, RequestTimeout } from '../exchange/ccxt-lib.js';
import type { Clock } from '../core/clock.js';
import { SeededRandom } from './prng.js';
import { FAULT_KINDS, type FaultKind, type FaultRule, type SimKnobs } from './sim-knobs.js';

/** The realism knobs in force, camelCase. */
export interface RealismSettings {
  latency: { fixed: number; jitter: number };
  rateLimit: { capacity: number; refillPerSec: number } | null;
  faults: readonly FaultRule[];
  timeoutDelayMs: number;
}

/** What the realism layer did, for tests and status pages. */
export interface RealismCounters {
  /** Calls per ccxt method name. */
  calls: Record<string, number>;
  totalCalls: number;
  /** Faults injected per kind. */
  faults: Record<FaultKind, number>;
  /** Faults injected per method. */
  faultsByMethod: Record<string, number>;
  /** Calls refused with `RateLimitExceeded`. */
  rateLimited: number;
  /** Calls that waited for latency, and the total virtual ms waited. */
  delayedCalls: number;
  latencyMsTotal: number;
}

/** Off: no latency, no rate limit, no faults. */
export const NO_REALISM: RealismSettings = {
  latency: { fixed: 0, jitter: 0 },
  rateLimit: null,
  faults: [],
  timeoutDelayMs: 0,
};

/**
 * Latency, a token-bucket rate limit and fault injection around each call of the sim exchange.
 * Draws come from a seeded generator in call order, so a run with the same calls is repeatable.
 */
export class Realism {
  readonly #clock: Clock;
  readonly #random: SeededRandom;
  readonly #exchangeId: string;
  #settings: RealismSettings = NO_REALISM;
  /** Per rule: how many calls it has seen (rules are replaced as a whole by `configure`). */
  #ruleCalls: number[] = [];
  #tokens = 0;
  #refilledAt = 0;
  #counters: RealismCounters = emptyCounters();

  constructor(clock: Clock, seed: number, exchangeId: string) {
    this.#clock = clock;
    this.#random = new SeededRandom(seed ^ 0x5eed);
    this.#exchangeId = exchangeId;
  }

  /** The settings in force. */
  get settings(): RealismSettings {
    return this.#settings;
  }

  /** Replaces the given settings; fault call counts restart when `faults` is given. */
  configure(settings: Partial<RealismSettings>): void {
    this.#settings = { ...this.#settings, ...settings };
    if (settings.faults) this.#ruleCalls = settings.faults.map(() => 0);
    if (settings.rateLimit !== undefined) {
      this.#tokens = settings.rateLimit?.capacity ?? 0;
      this.#refilledAt = this.#clock.now();
    }
  }

  /** A snapshot of the counters. */
  get counters(): RealismCounters {
    const c = this.#counters;
    return { ...c, calls: { ...c.calls }, faults: { ...c.faults }, faultsByMethod: { ...c.faultsByMethod } };
  }

  /** Zeroes the counters. */
  resetCounters(): void {
    this.#counters = emptyCounters();
  }

  /**
   * Runs `apply` (the venue request) as one exchange call of `method`: counts it, takes a rate
   * token, waits half the latency, maybe fails before, runs it, waits the other half, maybe loses
   * the response.
   */
  async run<T>(method: string, apply: () => T | Promise<T>): Promise<T> {
    const c = this.#counters;
    c.calls[method] = (c.calls[method] ?? 0) + 1;
    c.totalCalls++;
    this.#takeToken(method);
    const { fixed, jitter } = this.#settings.latency;
    const latency = fixed + (jitter > 0 ? this.#random.next() * jitter : 0);
    if (latency > 0) {
      c.delayedCalls++;
      c.latencyMsTotal += latency;
      await this.#clock.sleep(latency / 2);
    }
    const fault = this.#drawFault(method);
    if (fault === 'exchange_not_available') {
      throw new ExchangeNotAvailable(`${this.#exchangeId} ${method} injected fault: exchange not available`);
    }
    if (fault === 'timeout_before') {
      await this.#waitTimeout();
      throw new RequestTimeout(`${this.#exchangeId} ${method} injected fault: request timed out (not applied)`);
    }
    const result = await apply();
    if (latency > 0) await this.#clock.sleep(latency / 2);
    if (fault === 'timeout_after') {
      await this.#waitTimeout();
      throw new RequestTimeout(`${this.#exchangeId} ${method} request timed out`);
    }
    return result;
  }

  #takeToken(method: string): void {
    const limit = this.#settings.rateLimit;
    if (!limit) return;
    const now = this.#clock.now();
    this.#tokens = Math.min(limit.capacity, this.#tokens + ((now - this.#refilledAt) / 1000) * limit.refillPerSec);
    this.#refilledAt = now;
    if (this.#tokens < 1) {
      this.#counters.rateLimited++;
      throw new RateLimitExceeded(`${this.#exchangeId} ${method} rate limit exceeded (${limit.capacity} calls, ${limit.refillPerSec}/s)`);
    }
    this.#tokens -= 1;
  }

  #drawFault(method: string): FaultKind | undefined {
    let chosen: FaultKind | undefined;
    this.#settings.faults.forEach((rule, i) => {
      if (rule.methods && !rule.methods.includes(method)) return;
      const n = (this.#ruleCalls[i] ?? 0) + 1;
      this.#ruleCalls[i] = n;
      // Every matching rule counts the call and draws, so adding a rule never shifts the others.
      const scheduled = rule.calls !== undefined && n >= rule.calls[0] && n <= rule.calls[1];
      const random = rule.probability !== undefined && this.#random.next() < rule.probability;
      if (!chosen && (scheduled || random)) chosen = rule.kind;
    });
    if (chosen) {
      this.#counters.faults[chosen]++;
      this.#counters.faultsByMethod[method] = (this.#counters.faultsByMethod[method] ?? 0) + 1;
    }
    return chosen;
  }

  async #waitTimeout(): Promise<void> {
    if (this.#settings.timeoutDelayMs > 0) await this.#clock.sleep(this.#settings.timeoutDelayMs);
  }
}

function emptyCounters(): RealismCounters {
  const faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  return { calls: {}, totalCalls: 0, faults, faultsByMethod: {}, rateLimited: 0, delayedCalls: 0, latencyMsTotal: 0 };
}

/** Turns validated snake_case knobs into realism settings (only the ones given). */
export function realismOf(k: { [K in keyof SimKnobs]?: SimKnobs[K] | undefined }): Partial<RealismSettings> {
  const out: Partial<RealismSettings> = {};
  if (k.latency_ms !== undefined) {
    out.latency = typeof k.latency_ms === 'number' ? { fixed: k.latency_ms, jitter: 0 } : k.latency_ms;
  }
  if (k.rate_limit !== undefined) {
    out.rateLimit = k.rate_limit ? { capacity: k.rate_limit.capacity, refillPerSec: k.rate_limit.refill_per_sec } : null;
  }
  if (k.faults !== undefined) out.faults = k.faults;
  if (k.timeout_delay_ms !== undefined) out.timeoutDelayMs = k.timeout_delay_ms;
  return out;
}

