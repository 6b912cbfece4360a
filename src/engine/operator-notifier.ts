import type { Clock } from '../core/clock.js';
import { withoutHtml } from '../core/error-text.js';
import type { Logger } from '../core/logger.js';
import type { NotifyLevel } from '../core/notify-level.js';
import type { Redactor } from '../core/redact.js';
import type { NotifyConfig } from '../config/types.js';
import { createNotifier, setDefaultNotifier, type Notifier } from '../notify/index.js';
import type { SessionHealth } from '../exchange/types.js';
import { ExchangeOutageNotices, OUTAGE_KEY, type OutageNotice } from './exchange-outage.js';
import type { StatusReporter } from './status-reporter.js';

/** What the outage fold reads of the exchange and of the problems it folds. */
interface OutageSource {
  id: string;
  health: () => SessionHealth | null;
  stillWrong?: (key: string) => boolean | undefined;
}

/** How often the exchange's health is judged for the outage headline. */
const OUTAGE_TICK_MS = 1_000;

/**
 * The operator's notifier for one updater: built from the config's `notify:` (or the one given)
 * on start, registered as the default for `telegram_notify_msg` called from a config, and every
 * notification also goes to live status clients. While the exchange is unreachable, the notices
 * that outage explains are folded into one headline (see {@link ExchangeOutageNotices}).
 */
export class OperatorNotifier {
  #notifier: Notifier | null = null;
  #outage: ExchangeOutageNotices | null = null;
  readonly #stopTicks = new AbortController();
  readonly #reporter: StatusReporter;
  readonly #exchange: OutageSource;

  /** `exchange`: the exchange's id, its open session's health (null before it is open) and whether a folded problem still stands. */
  constructor(reporter: StatusReporter, exchange: OutageSource) {
    this.#reporter = reporter;
    this.#exchange = exchange;
  }

  /** Builds (or takes) the notifier and makes it the default; starts judging the exchange's reachability. */
  open(config: NotifyConfig, given: Notifier | undefined, deps: { clock: Clock; logger: Logger; redactor: Redactor }): void {
    const notifier = (this.#notifier = given ?? createNotifier(config, deps));
    setDefaultNotifier(notifier);
    const { clock, logger } = deps;
    // The outage's own headline and its end reach status clients too; what it folded and sends
    // later was shown to them when it was offered.
    const send = (n: OutageNotice): void => {
      notifier.notify(n);
      if (n.key === OUTAGE_KEY) this.#reporter.notified(n.level, n.text);
    };
    const { id: exchangeId, health, stillWrong } = this.#exchange;
    const outage = (this.#outage = new ExchangeOutageNotices({ exchangeId, clock, logger, health, send, ...(stillWrong ? { stillWrong } : {}) }));
    void (async () => {
      while (await clock.sleep(OUTAGE_TICK_MS, this.#stopTicks.signal)) outage.tick();
    })();
  }

  /**
   * Sends a notification (never blocks). Before `open()` only status clients hear it. Every
   * notice passes here: an exchange's HTML error page quoted in one becomes its title.
   */
  notify(text: string, level: NotifyLevel, key?: string, condition?: string): void {
    const shown = withoutHtml(text);
    const msg = { text: shown, level, ...(key ? { key } : {}), ...(condition ? { condition } : {}) };
    if (this.#outage) this.#outage.offer(msg);
    else this.#notifier?.notify(msg);
    this.#reporter.notified(level, shown);
  }

  /** Unregisters and closes the notifier (what is queued is sent first, as the notifier decides). */
  async close(): Promise<void> {
    this.#stopTicks.abort();
    if (!this.#notifier) return;
    setDefaultNotifier(null);
    await this.#notifier.close();
  }
}
