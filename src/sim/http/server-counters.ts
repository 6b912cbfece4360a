import type { FaultKind } from './fault-spec.js';

/** A plain snapshot of {@link ServerCounters}, as served by `GET /__misso/counters`. */
export interface CountersSnapshot {
  /** Requests received per `METHOD /path`, admin paths excluded, faulted ones included. */
  requests: Record<string, number>;
  /** Faults injected per kind (`visibility` counts how often the delay was set). */
  faults: Record<string, number>;
  /** Signed requests refused for key, signature or timestamp. */
  authFailures: number;
  /** Requests to paths the server does not serve (answered 404). */
  unhandled: number;
  /** Binance error codes answered, per code (`-2013`, …). */
  errors: Record<string, number>;
}

/** What the sim server saw and did, for tests and the soak suite. */
export class ServerCounters {
  #requests = new Map<string, number>();
  #faults = new Map<string, number>();
  #errors = new Map<string, number>();
  #authFailures = 0;
  #unhandled = 0;

  request(method: string, path: string): void {
    bump(this.#requests, `${method} ${path}`);
  }

  fault(kind: FaultKind): void {
    bump(this.#faults, kind);
  }

  error(code: number): void {
    bump(this.#errors, String(code));
  }

  authFailure(): void {
    this.#authFailures++;
  }

  unhandledPath(): void {
    this.#unhandled++;
  }

  /** Faults injected of one kind so far. */
  faultCount(kind: FaultKind): number {
    return this.#faults.get(kind) ?? 0;
  }

  snapshot(): CountersSnapshot {
    return {
      requests: Object.fromEntries(this.#requests),
      faults: Object.fromEntries(this.#faults),
      authFailures: this.#authFailures,
      unhandled: this.#unhandled,
      errors: Object.fromEntries(this.#errors),
    };
  }

  reset(): void {
    this.#requests.clear();
    this.#faults.clear();
    this.#errors.clear();
    this.#authFailures = 0;
    this.#unhandled = 0;
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
