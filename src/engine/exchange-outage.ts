import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { NotifyLevel } from '../core/notify-level.js';
import type { SessionHealth } from '../exchange/types.js';
import { exchangeNotReady, RESTART_GRACE_MS } from './exchange-readiness.js';

/** One operator notice, as the operator notifier sends it. */
export interface OutageNotice {
  text: string;
  level: NotifyLevel;
  key?: string;
  condition?: string;
}

/** What {@link ExchangeOutageNotices} needs. */
export interface ExchangeOutageDeps {
  exchangeId: string;
  clock: Clock;
  logger: Logger;
  /** The open session's health; null before the session is open. */
  health: () => SessionHealth | null;
  /** Sends a notice to the operator (the notifier behind the fold). */
  send: (notice: OutageNotice) => void;
  /**
   * Whether the problem a key names still stands now (false: it is over, though its recovery
   * was not offered yet; undefined: not known). A stream reconnected at once after the outage
   * may hold back its recovery for minutes (a flap's longer hold), longer than the grace.
   */
  stillWrong?: (key: string) => boolean | undefined;
}

/** The headline's key: its two sides are `unreachable` and `reachable`. */
export const OUTAGE_KEY = 'exchange:reachability';

/**
 * How long notices the outage may explain are held while the exchange shows trouble (a restart
 * under way, calls failing) that readiness has not called an outage yet: it does within
 * {@link RESTART_GRACE_MS} (a restart that long), or sooner (calls failing for 10 s).
 */
export const HOLD_MAX_MS = RESTART_GRACE_MS + 2_000;

/** The exchange must answer (no restart under way, no call failing) this long before it is told reachable again. */
export const REACHABLE_HOLD_MS = 5_000;

/**
 * After the exchange is reachable again, how long a folded stream, attribute or module has to
 * recover before its problem is told after all: the session's rebuild is done by then, so this
 * covers a stream's reconnection held for its limit (30 s for the user stream) and a task's next
 * pass or two.
 */
export const AFTER_OUTAGE_GRACE_MS = 60_000;

/** Keys of the notices an exchange outage explains: streams, stale attributes, modules down. */
export function explainedByOutage(key: string | undefined): key is string {
  return key !== undefined && (key.startsWith('stream:') || key.startsWith('freshness:') || key.endsWith(':modules-down'));
}

function isProblem(notice: OutageNotice): boolean {
  return notice.level !== 'info';
}

/**
 * One headline for an exchange outage instead of a notice per stream, attribute and module:
 * while the exchange's readiness says it is unreachable (the signal `/readyz` gives: a session
 * restart under way for 30 s, or its calls failing as unreachable for 10 s), "exchange X
 * unreachable since …" goes out once and the notices that outage explains are folded into it
 * (logged, not sent); when the exchange answers again, "reachable again after Ns" goes out once,
 * and only what is still wrong {@link AFTER_OUTAGE_GRACE_MS} later is told, as it would have been.
 * Notices of other keys, and the recovery of a problem the operator was told of, always go out,
 * so the operator's last word is never out of date.
 */
export class ExchangeOutageNotices {
  readonly #o: ExchangeOutageDeps;
  /** The told outage began then; null while none is open. */
  #since: number | null = null;
  /** The exchange showed trouble readiness does not call an outage yet (held notices wait on it). */
  #suspectSince: number | null = null;
  /** During a told outage: the exchange answers again since. */
  #clearSince: number | null = null;
  /** Notices held (while suspect) or folded (during the outage or its grace), latest per key. */
  #folded = new Map<string, OutageNotice>();
  /** After the outage: when the folded notices still standing are told. */
  #graceEndsAt: number | null = null;
  /** The side the operator last heard of each explained key. */
  #told = new Map<string, 'problem' | 'ok'>();
  /**
   * Problems over when they were due, whose recovery was not offered yet: told if they stand
   * again before it is (a stream dropping again within its hold), else dropped with it.
   */
  readonly #over = new Map<string, OutageNotice>();

  constructor(deps: ExchangeOutageDeps) {
    this.#o = deps;
  }

  /** Whether an outage is being told (its headline sent, its end not yet). */
  get open(): boolean {
    return this.#since !== null;
  }

  /** Sends `notice` now, or folds it into an outage (see the class). */
  offer(notice: OutageNotice): void {
    this.tick();
    const key = notice.key;
    if (!explainedByOutage(key)) return this.#o.send(notice);
    if (this.#over.delete(key) && !isProblem(notice)) {
      this.#o.logger.info({ key, notice: notice.text }, 'notice not sent: its problem was over before it was told');
      return;
    }
    const now = this.#o.clock.now();
    const holding = this.#suspectSince !== null && now - this.#suspectSince <= HOLD_MAX_MS;
    if (this.#since !== null || holding || (this.#graceEndsAt !== null && this.#folded.has(key))) {
      // A recovery of what the operator was told of goes out: it closes that word.
      if (!isProblem(notice) && this.#told.get(key) === 'problem') {
        this.#folded.delete(key);
        return this.#tell(key, notice);
      }
      this.#folded.set(key, notice);
      this.#o.logger.info({ key, notice: notice.text }, this.#since === null ? 'notice held: the exchange shows trouble' : 'notice folded into the exchange outage');
      return;
    }
    this.#tell(key, notice);
  }

  /** Judges the exchange's health: opens or ends the outage, releases what is due. Called every second. */
  tick(): void {
    const health = this.#o.health();
    const now = this.#o.clock.now();
    if (health !== null) {
      const trouble = health.restartingSince !== null || health.failedCalls > 0;
      if (this.#since === null) {
        if (exchangeNotReady(health, now) !== null) this.#begin(health, now);
        else if (!trouble) {
          this.#suspectSince = null;
          if (this.#graceEndsAt === null) this.#release(false);
        } else {
          this.#suspectSince ??= now;
          if (now - this.#suspectSince > HOLD_MAX_MS && this.#graceEndsAt === null) this.#release(false);
        }
      } else if (exchangeNotReady(health, now) !== null) this.#clearSince = null;
      else {
        // Ended on readiness's own rule, as it began: an endpoint still failing now and then
        // (an answered call between) must not keep every other problem folded for good.
        this.#clearSince ??= now;
        if (now - this.#clearSince >= REACHABLE_HOLD_MS) this.#end(this.#clearSince, now);
      }
    }
    if (this.#graceEndsAt !== null && now >= this.#graceEndsAt) {
      this.#graceEndsAt = null;
      this.#release(true);
    }
    // A problem over at its release that stands again before its recovery came: told after all.
    for (const [key, notice] of this.#over) {
      if (this.#o.stillWrong?.(key) === false) continue;
      this.#over.delete(key);
      this.#tell(key, notice);
    }
  }

  #begin(health: SessionHealth, now: number): void {
    const starts = [health.restartingSince, health.failingSince, this.#suspectSince].filter((t): t is number => t !== null);
    const since = Math.min(now, ...starts);
    this.#since = since;
    this.#suspectSince = null;
    this.#clearSince = null;
    this.#graceEndsAt = null;
    const last = (health.restartingSince !== null && health.failedRebuilds > 0 ? health.lastRebuildError : null) ?? health.lastCallError ?? health.lastRebuildError ?? 'no answer';
    this.#o.send({
      text: `exchange ${this.#o.exchangeId} unreachable since ${clockTime(since)} UTC (${last}); its streams, stale data and modules down are not told one by one until it is back`,
      level: 'error',
      key: OUTAGE_KEY,
      condition: 'unreachable',
    });
  }

  #end(backAt: number, now: number): void {
    const since = this.#since ?? backAt;
    this.#since = null;
    this.#clearSince = null;
    this.#graceEndsAt = now + AFTER_OUTAGE_GRACE_MS;
    this.#o.send({
      text: `exchange ${this.#o.exchangeId} reachable again after ${Math.round((backAt - since) / 1000)}s`,
      level: 'info',
      key: OUTAGE_KEY,
      condition: 'reachable',
    });
  }

  /**
   * Tells what the fold holds that the operator still needs: a problem (said to be still so
   * after the outage when `afterOutage`), or the recovery of a problem they heard of. A recovery
   * of a problem never told is dropped.
   */
  #release(afterOutage: boolean): void {
    const folded = [...this.#folded];
    this.#folded.clear();
    for (const [key, notice] of folded) {
      if (isProblem(notice) && this.#o.stillWrong?.(key) === false) {
        // Told now it would be out of date ("down … reconnecting" of a stream up for a minute).
        this.#over.set(key, notice);
        this.#o.logger.info({ key, notice: notice.text }, 'folded notice held: its problem is over, its recovery not offered yet');
      } else if (isProblem(notice)) {
        this.#tell(key, afterOutage ? { ...notice, text: `${notice.text} (still so ${Math.round(AFTER_OUTAGE_GRACE_MS / 1000)}s after exchange ${this.#o.exchangeId} was reachable again)` } : notice);
      } else if (this.#told.get(key) === 'problem') this.#tell(key, notice);
    }
  }

  #tell(key: string, notice: OutageNotice): void {
    this.#told.set(key, isProblem(notice) ? 'problem' : 'ok');
    this.#o.send(notice);
  }
}

/** UTC, to the second: `22:13:20`. */
function clockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}
