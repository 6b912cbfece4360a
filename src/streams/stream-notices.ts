import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { NotifyLevel } from '../core/notify-level.js';

/** What {@link StreamNotices} reports through. */
export interface StreamNoticeDeps {
  clock: Clock;
  logger: Logger;
  /**
   * `topic` sets a notice apart from the stream's problem notices for the notifier's repeat
   * filter (which drops a repeat of a key and level within its window).
   */
  notify: (text: string, level: NotifyLevel, topic?: string) => void;
}

/**
 * What the operator hears of one stream, and what its log says:
 * - a stall, at once (with its cause);
 * - a stream failing for longer than its limit, once, with the reason (each new reason is logged);
 * - a recovery only once the stream stayed up for its limit after a notified problem (said as a
 *   reconnection not yet proven when nothing came through it since, and the recovery then told
 *   at its first delivery).
 *
 * So a server that answers each resubscription with one message and then stalls again is one
 * alarm (the notifier drops the repeats of a condition), not a stall and a recovery per minute,
 * and a stream that keeps failing is not silent after its first log line.
 */
export class StreamNotices {
  readonly #name: string;
  readonly #settleMs: number;
  readonly #deps: StreamNoticeDeps;
  /** The operator was told of a problem no recovery notice has closed yet. */
  #told = false;
  #failingSince: number | null = null;
  #failingTold = false;
  #reason: string | null = null;
  #upSince: number | null = null;
  /** Stalled or failing since the stream was last up. */
  #bad = false;
  /** Something came through since the last problem (not just a connection opened). */
  #delivered = false;
  /** Stalled since something last came through (a server that stopped sending, not a failing connection). */
  #stalled = false;
  /** A reconnection was told as not proven yet: the first delivery after it is told as the recovery. */
  #unproven = false;

  constructor(name: string, settleMs: number, deps: StreamNoticeDeps) {
    this.#name = name;
    this.#settleMs = settleMs;
    this.#deps = deps;
  }

  /** The watchdog tore the stream down: `cause` says what showed it (silence, a missing echo). */
  stalled(cause: string): void {
    this.#upSince = null;
    this.#bad = true;
    this.#delivered = false;
    this.#stalled = true;
    this.#unproven = false;
    this.#told = true;
    this.#deps.logger.warn({ stream: this.#name, cause }, 'stream stalled; resubscribing');
    this.#deps.notify(`stream ${this.#name} stalled (${cause}); resubscribing, REST covers meanwhile`, 'warn');
  }

  /** A watch call failed; the loop retries in `retryInMs`. */
  failed(reason: string, retryInMs: number): void {
    this.#upSince = null;
    this.#bad = true;
    this.#delivered = false;
    this.#failingSince ??= this.#deps.clock.now();
    if (reason !== this.#reason) {
      this.#deps.logger.warn({ stream: this.#name, err: reason, retryInMs }, 'stream failed; REST keeps the state fresh while it reconnects');
    }
    this.#reason = reason;
  }

  /**
   * The stream is up (gap filled): `delivered` by a delivery, or only by its connection opening
   * (a user stream, which may stay silent for hours: a server that still does not send is not
   * distinguishable from a quiet account until something comes through).
   */
  up(delivered = true): void {
    if (delivered) {
      this.#delivered = true;
      this.#stalled = false;
    }
    if (delivered && this.#unproven) {
      this.#unproven = false;
      this.#deps.notify(`stream ${this.#name} recovered: an update came through it`, 'info', 'proven');
    }
    if (this.#bad) this.#deps.logger.info({ stream: this.#name, delivered }, delivered ? 'stream recovered' : 'stream reconnected');
    this.#bad = false;
    this.#failingSince = null;
    this.#failingTold = false;
    this.#reason = null;
    if (this.#told) this.#upSince ??= this.#deps.clock.now();
  }

  /** Called by the watchdog every tick; `healthy` is asked only while a recovery waits to be told. */
  tick(now: number, healthy: () => boolean): void {
    if (this.#failingSince !== null && !this.#failingTold && now - this.#failingSince >= this.#settleMs) {
      this.#failingTold = true;
      this.#told = true;
      const secs = Math.round((now - this.#failingSince) / 1000);
      // An error, not a warning: the stall before it (a warning under the same key) must not
      // hold it back as a repeat, and a stream that cannot even connect is the worse news.
      this.#deps.notify(`stream ${this.#name} down for ${secs}s (${this.#reason ?? 'failing'}); REST keeps the state fresh, reconnecting with backoff`, 'error');
    }
    if (this.#upSince !== null && !healthy()) this.#upSince = null;
    // Strictly past the limit: at the limit itself the watchdog does not count it silent yet.
    if (this.#upSince !== null && now - this.#upSince > this.#settleMs) {
      this.#upSince = null;
      this.#told = false;
      // "Recovered" only once something came through: a reconnected user stream whose server
      // still sends nothing would be called recovered while it stays as dead as after its stall.
      this.#unproven = this.#stalled && !this.#delivered;
      if (this.#unproven) {
        this.#deps.notify(
          `stream ${this.#name} reconnected and gap filled; nothing has come through it since its stall, so it is not proven yet`,
          'info',
          'unproven',
        );
      } else this.#deps.notify(`stream ${this.#name} recovered`, 'info');
    }
  }
}
