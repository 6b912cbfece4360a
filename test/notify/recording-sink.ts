import type { NotifyMessage, NotifySink } from '../../src/notify/types.js';

/** A scripted sink for queue tests: each `send` takes the next scripted outcome (default: ok). */
export class RecordingSink implements NotifySink {
  readonly name = 'recording';
  readonly delivered: NotifyMessage[] = [];
  readonly attempts: { msg: NotifyMessage; at: number }[] = [];
  /**
   * Outcomes consumed in order: an Error to throw, 'hang' to wait for the abort signal, a
   * promise to wait for before succeeding.
   */
  readonly script: (Error | 'hang' | 'ok' | Promise<void>)[] = [];

  constructor(readonly now: () => number) {}

  async send(msg: NotifyMessage, signal: AbortSignal): Promise<void> {
    this.attempts.push({ msg, at: this.now() });
    const next = this.script.shift() ?? 'ok';
    if (next === 'hang') {
      await new Promise<void>((_, reject) => {
        if (signal.aborted) reject(new Error('aborted'));
        signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      });
    }
    if (next instanceof Error) throw next;
    if (next instanceof Promise) await next;
    this.delivered.push(msg);
  }
}

/** Lets the queue's promise chains run (no timers involved). */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}
