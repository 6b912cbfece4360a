import type { Updater } from '../../src/engine/updater.js';

/** One finished pass of a task (or a service heartbeat), as the updater reported it. */
export interface PassRecord {
  at: number;
  task: string;
  ok: boolean;
  /** The kind the supervisor gave the failure; null for a success. */
  kind: string | null;
  error: string | null;
  /** The soak phase running when the pass ended. */
  phase: string;
}

/** Something that must never happen while the updater runs: a task loop that ended, a silent service. */
export interface Incident {
  at: number;
  task: string;
  phase: string;
  what: string;
}

/** One write of a watched attribute, with a deep copy of the value written. */
export interface WriteRecord {
  at: number;
  name: string;
  source: string;
  value: unknown;
  phase: string;
}

/** Options of {@link SoakRecorder}. */
export interface SoakRecorderOptions {
  /** How often task states are sampled. @defaultValue 100 */
  sampleMs?: number;
  /** Services (no passes, only heartbeats) by name, with their heartbeat period in ms. */
  services: Readonly<Record<string, number>>;
}

/**
 * Watches a running updater for the whole soak: every pass outcome from its `task` events, and a
 * sampler that catches what events cannot show, a loop that ended (`state: 'stopped'` while the
 * updater runs) or a service that stopped heartbeating.
 */
export class SoakRecorder {
  readonly passes: PassRecord[] = [];
  readonly incidents: Incident[] = [];
  readonly writes: WriteRecord[] = [];
  /** The label stamped on every record; the soak sets it as it moves through its phases. */
  phase = 'warm-up';
  readonly #updater: Updater;
  readonly #sampleMs: number;
  readonly #services: Readonly<Record<string, number>>;
  #capture: ReadonlySet<string> = new Set();
  #timer: NodeJS.Timeout | undefined;
  #detach: (() => void) | undefined;

  constructor(updater: Updater, options: SoakRecorderOptions) {
    this.#updater = updater;
    this.#sampleMs = options.sampleMs ?? 100;
    this.#services = options.services;
  }

  /** Starts listening and sampling; call before `updater.start()` so no pass is missed. */
  start(): void {
    const onTask = (e: { name: string; status: { lastErrorKind: string | null }; error: Error | null }): void => {
      this.passes.push({
        at: Date.now(),
        task: e.name,
        ok: e.error === null,
        kind: e.error === null ? null : e.status.lastErrorKind,
        error: e.error?.message ?? null,
        phase: this.phase,
      });
    };
    const onChange = (c: { name: string; value: unknown; source: string }): void => {
      if (!this.#capture.has(c.name)) return;
      this.writes.push({ at: Date.now(), name: c.name, source: c.source, value: copy(c.value), phase: this.phase });
    };
    this.#updater.on('task', onTask);
    this.#updater.on('change', onChange);
    this.#detach = () => {
      this.#updater.off('task', onTask);
      this.#updater.off('change', onChange);
    };
    this.#timer = setInterval(() => this.#sample(), this.#sampleMs);
  }

  /** Stops listening; call before `updater.stop()`, whose own ending of the loops is expected. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#detach?.();
    this.#detach = undefined;
  }

  /** Records every write of these attributes from now on (an empty list stops it). */
  captureWrites(names: readonly string[]): void {
    this.#capture = new Set(names);
  }

  /** Passes of `task` that ended at or after `from` (and before `to`, when given). */
  passesOf(task: string, from: number, to = Number.POSITIVE_INFINITY): PassRecord[] {
    return this.passes.filter((p) => p.task === task && p.at >= from && p.at < to);
  }

  /** The first successful pass of `task` that ended after `after`. */
  firstSuccess(task: string, after: number): PassRecord | undefined {
    return this.passes.find((p) => p.task === task && p.ok && p.at > after);
  }

  #sample(): void {
    const now = Date.now();
    const phase = this.#updater.phase;
    if (phase === 'created' || phase === 'starting') return;
    if (phase !== 'running') {
      this.incidents.push({ at: now, task: '(updater)', phase: this.phase, what: `updater phase ${phase}` });
      return;
    }
    for (const [task, status] of Object.entries(this.#updater.taskStatuses())) {
      if (status.state === 'stopped') {
        this.incidents.push({ at: now, task, phase: this.phase, what: `loop ended (last error: ${status.lastError ?? 'none'})` });
      }
      const beatMs = this.#services[task];
      if (beatMs === undefined) continue;
      const silentMs = now - (status.lastSuccessAt ?? 0);
      // A heartbeat every period; two missed in a row means the service is not running.
      if (silentMs > 2 * beatMs) this.incidents.push({ at: now, task, phase: this.phase, what: `no heartbeat for ${silentMs} ms` });
    }
  }
}

// structuredClone keeps NaN and undefined, which a junk answer is made of; JSON would hide them.
function copy(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return JSON.parse(JSON.stringify(value ?? null)) as unknown;
  }
}
