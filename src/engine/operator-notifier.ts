import type { Clock } from '../core/clock.js';
import { withoutHtml } from '../core/error-text.js';
import type { Logger } from '../core/logger.js';
import type { NotifyLevel } from '../core/notify-level.js';
import type { Redactor } from '../core/redact.js';
import type { NotifyConfig } from '../config/types.js';
import { createNotifier, setDefaultNotifier, type Notifier } from '../notify/index.js';
import type { StatusReporter } from './status-reporter.js';

/**
 * The operator's notifier for one updater: built from the config's `notify:` (or the one given)
 * on start, registered as the default for `telegram_notify_msg` called from a config, and every
 * notification also goes to live status clients.
 */
export class OperatorNotifier {
  #notifier: Notifier | null = null;
  readonly #reporter: StatusReporter;

  constructor(reporter: StatusReporter) {
    this.#reporter = reporter;
  }

  /** Builds (or takes) the notifier and makes it the default. */
  open(config: NotifyConfig, given: Notifier | undefined, deps: { clock: Clock; logger: Logger; redactor: Redactor }): void {
    this.#notifier = given ?? createNotifier(config, deps);
    setDefaultNotifier(this.#notifier);
  }

  /**
   * Sends a notification (never blocks). Before `open()` only status clients hear it. Every
   * notice passes here: an exchange's HTML error page quoted in one becomes its title.
   */
  notify(text: string, level: NotifyLevel, key?: string, condition?: string): void {
    const shown = withoutHtml(text);
    this.#notifier?.notify({ text: shown, level, ...(key ? { key } : {}), ...(condition ? { condition } : {}) });
    this.#reporter.notified(level, shown);
  }

  /** Unregisters and closes the notifier (what is queued is sent first, as the notifier decides). */
  async close(): Promise<void> {
    if (!this.#notifier) return;
    setDefaultNotifier(null);
    await this.#notifier.close();
  }
}
