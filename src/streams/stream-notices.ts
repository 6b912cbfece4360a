import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { NotifyLevel } from '../core/notify-level.js';

/** A stall within this many limits of a told recovery counts as flapping. */
const FLAP_WINDOW_LIMITS = 10;
const MIN_FLAP_HOLD_MS = 60_000;
/**
 * The longest a told stall or failure may outlive a stream that is up: past it the recovery is
 * told whatever the flaps before (the operator's last word must not say "down" for long while
 * `/status` says up); a stream that flaps faster than this is still one alarm.
 */
export const MAX_FLAP_HOLD_MS = 2 * 60_000;

/** What {@link StreamNotices} reports through. */
export interface StreamNoticeDeps {
  clock: Clock;
  logger: Logger;
  /**
   * Every notice of a stream goes under one key; `condition` is the side it reports (`stalled`,
   * `down`, `recovered`, `unproven`, `proven`), so the notifier's repeat filter drops only a
   * repeat of the same side (see NotifyMessage), never a stall after a told recovery.
   */
  notify: (text: string, level: NotifyLevel, condition: StreamCondition) => void;
}

/** The sides of a stream's condition the operator hears of. */
export type StreamCondition = 'stalled' | 'down' | 'recovered' | 'unproven' | 'proven';

/**
 * What the operator hears of one stream, and what its log says:
 * - a stall, at once (with its cause);
 * - a stream failing for longer than its limit, once, with the reason (each new reason is logged).
 *   Reconnections that do not hold for the limit do not end the failure: a connection dropped
 *   every few seconds is told as failing since its first drop, with the number of reconnections;
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
  /** The first failure since the stream last held up for the limit. */
  #failingSince: number | null = null;
  #failingTold = false;
  /** Reconnections since `#failingSince` (none of which held). */
  #reconnections = 0;
  #reason: string | null = null;
  /** Up (and healthy) since; null while stalled, failing or unhealthy. */
  #upSince: number | null = null;
  /** Stalled or failing since the stream was last up. */
  #bad = false;
  /** Something came through since the last problem (not just a connection opened). */
  #delivered = false;
  /** Stalled since something last came through (a server that stopped sending, not a failing connection). */
  #stalled = false;
  /** A reconnection was told as not proven yet: the first delivery after it is told as the recovery. */
  #unproven = false;
  /** When a recovery (or reconnection) was last told, and how long the stream must hold before the next is. */
  #recoveredAt: number | null = null;
  #holdMs: number;
  /** Reconnecting after a session rebuild (said once, see {@link rebuilt}), until up again. */
  #rebuilding = false;
  /** Up again after a problem, not yet held for the limit: "recovered" is logged once it has. */
  #recovering = false;

  constructor(name: string, settleMs: number, deps: StreamNoticeDeps) {
    this.#name = name;
    this.#settleMs = settleMs;
    this.#holdMs = settleMs;
    this.#deps = deps;
  }

  /**
   * No problem told to the operator is open: a told stall or failure had its recovery told, or
   * there was none. A reconnection told as not proven yet is not a recovery: a user stream whose
   * server still sends nothing stays as dead as it was, until something comes through it.
   */
  get settled(): boolean {
    return !this.#told && !this.#unproven;
  }

  /** The watchdog tore the stream down: `cause` says what showed it (silence, a missing echo). */
  stalled(cause: string): void {
    // Stalled again soon after a told recovery: a flapping stream (a server that answers each
    // resubscription once, then stalls again). Its next recovery must hold longer (a minute at
    // least, four times longer at each flap, up to two minutes), so it is one alarm, not a
    // stall and a recovery every few seconds.
    this.#problemStarts(this.#deps.clock.now());
    this.#upSince = null;
    this.#bad = true;
    this.#delivered = false;
    this.#stalled = true;
    this.#unproven = false;
    this.#recovering = false;
    this.#told = true;
    this.#deps.logger.warn({ stream: this.#name, cause }, 'stream stalled; resubscribing');
    this.#deps.notify(`stream ${this.#name} stalled (${cause}); resubscribing, REST covers meanwhile`, 'warn', 'stalled');
  }

  /**
   * The stream's connection was ended by misso itself (a session rebuild it started: a restart
   * of the exchange, and the market-data thread renewed with it), so it reconnects to the new
   * session. Said once, at info, until the stream is up again: not the stream's failure, so no
   * failure begins and nothing is notified (one under way goes on).
   */
  rebuilt(reason: string): void {
    this.#upSince = null;
    if (this.#rebuilding) return;
    this.#rebuilding = true;
    this.#deps.logger.info({ stream: this.#name, reason }, 'stream reconnecting: the exchange session was rebuilt');
  }

  /** A watch call failed; the loop retries in `retryInMs`. */
  failed(reason: string, retryInMs: number): void {
    this.#rebuilding = false;
    this.#upSince = null;
    this.#bad = true;
    this.#delivered = false;
    this.#recovering = false;
    const now = this.#deps.clock.now();
    this.#failingSince ??= now;
    if (reason !== this.#reason) {
      this.#deps.logger.warn({ stream: this.#name, err: reason, retryInMs }, 'stream failed; REST keeps the state fresh while it reconnects');
    }
    this.#reason = reason;
    // Dropped again before a reconnection held: failing since the first drop, however brief the downs.
    if (this.#reconnections > 0 && !this.#failingTold && now - this.#failingSince >= this.#settleMs) this.#tellFailing(now - this.#failingSince);
  }

  /**
   * The stream is up (gap filled): `delivered` by a delivery, or only by its connection opening
   * (a user stream, which may stay silent for hours: a server that still does not send is not
   * distinguishable from a quiet account until something comes through).
   */
  up(delivered = true): void {
    this.#rebuilding = false;
    if (delivered) {
      this.#delivered = true;
      this.#stalled = false;
    }
    // A reconnection told as not proven, then a failure told since: that failure's recovery is
    // what closes it (told once the stream held), not this delivery.
    if (delivered && this.#unproven && !this.#told) {
      this.#unproven = false;
      this.#deps.notify(`stream ${this.#name} recovered: an update came through it`, 'info', 'proven');
    }
    if (this.#bad) {
      // Not "recovered" yet: a server that answers each resubscription once and stalls again
      // would be logged as recovering between stalls. That is said once the stream held (tick).
      this.#deps.logger.info(
        { stream: this.#name, delivered },
        delivered ? 'stream delivering again; recovered once it holds for its limit' : 'stream reconnected',
      );
      this.#recovering = true;
      if (this.#failingSince !== null) this.#reconnections++;
    }
    this.#bad = false;
    this.#upSince ??= this.#deps.clock.now();
  }

  /** Called by the watchdog every tick; `healthy` is asked only while the stream is up. */
  tick(now: number, healthy: () => boolean): void {
    if (this.#upSince !== null && !healthy()) this.#upSince = null;
    // Strictly past the limit: at the limit itself the watchdog does not count it silent yet.
    const held = this.#upSince !== null && now - this.#upSince > this.#settleMs;
    if (held && this.#recovering) {
      this.#recovering = false;
      this.#deps.logger.info({ stream: this.#name, upForMs: now - (this.#upSince ?? now) }, this.#delivered ? 'stream recovered' : 'stream reconnection held; nothing has come through it yet');
    }
    if (held && this.#failingSince !== null) {
      this.#failingSince = null;
      this.#failingTold = false;
      this.#reconnections = 0;
      this.#reason = null;
    }
    // Down all along (a stream that reconnected is judged at its next drop, in `failed`).
    if (this.#bad && this.#failingSince !== null && !this.#failingTold && now - this.#failingSince >= this.#settleMs) this.#tellFailing(now - this.#failingSince);
    if (this.#told && this.#upSince !== null && now - this.#upSince > this.#holdMs) this.#tellRecovered(now);
  }

  /**
   * A told stall or failure: a new problem soon after a told recovery (within ten limits) is a
   * flap, and the next recovery must hold longer; a problem long after one starts afresh. A
   * problem before the last one's recovery was told is the same episode: its hold stands.
   */
  #problemStarts(now: number): void {
    if (this.#told) return;
    const flapping = this.#recoveredAt !== null && now - this.#recoveredAt <= FLAP_WINDOW_LIMITS * this.#settleMs;
    // Never below the stream's own limit: a flap must not make a slow stream's hold shorter.
    this.#holdMs = flapping ? Math.max(this.#settleMs, Math.min(Math.max(this.#holdMs * 4, MIN_FLAP_HOLD_MS), MAX_FLAP_HOLD_MS)) : this.#settleMs;
  }

  #tellFailing(forMs: number): void {
    // Judged as a flap (or not) when told: a failure nobody hears of (one dropped connection,
    // back at once) must not lengthen the hold of the next told recovery.
    this.#problemStarts(this.#deps.clock.now());
    this.#failingTold = true;
    this.#told = true;
    this.#unproven = false;
    const secs = Math.round(forMs / 1000);
    const reason = this.#reason ?? 'failing';
    const settle = Math.round(this.#settleMs / 1000);
    this.#deps.notify(
      this.#reconnections === 0
        ? `stream ${this.#name} down for ${secs}s (${reason}); REST keeps the state fresh, reconnecting with backoff`
        : `stream ${this.#name} failing for ${secs}s: reconnected ${this.#reconnections} time${this.#reconnections === 1 ? '' : 's'}, none held for ${settle}s (last: ${reason}); REST keeps the state fresh, reconnecting with backoff`,
      'error',
      'down',
    );
  }

  #tellRecovered(now: number): void {
    this.#told = false;
    this.#recoveredAt = now;
    // "Recovered" only once something came through: a reconnected user stream whose server
    // still sends nothing would be called recovered while it stays as dead as after its stall.
    this.#unproven = this.#stalled && !this.#delivered;
    if (this.#unproven) {
      this.#deps.notify(
        `stream ${this.#name} reconnected and gap filled; nothing has come through it since its stall, so it is not proven yet`,
        'info',
        'unproven',
      );
    } else this.#deps.notify(`stream ${this.#name} recovered`, 'info', 'recovered');
  }
}
