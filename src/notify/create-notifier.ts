import type { NotifyConfig } from '../config/types.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { Redactor } from '../core/redact.js';
import { combineNotifiers } from './combine-notifiers.js';
import { LogSink } from './log-sink.js';
import { NotifierQueue, type NotifierQueueOptions } from './notifier-queue.js';
import { redactingSink } from './redacting-sink.js';
import { TelegramSink } from './telegram-sink.js';
import { WebhookSink } from './webhook-sink.js';
import type { Notifier } from './types.js';

/** What {@link createNotifier} needs from the composition root. */
export interface NotifierDeps {
  clock: Clock;
  logger: Logger;
  /** Scrubs the config's secrets from every message and delivery error. @defaultValue one built from the Telegram token */
  redactor?: Redactor;
  /** Extra queue settings (tests shorten the close deadline or backoff). */
  queue?: Omit<NotifierQueueOptions, 'sink' | 'clock' | 'logger' | 'dedupeSecs' | 'maxPerMinute'>;
}

/**
 * Builds the engine's notifier from the `notify:` section: always the console channel (log
 * lines through `logger`), plus every Telegram chat of `telegram` and the `webhook`. Each channel
 * has its own queue with the section's dedupe window and per-minute limit.
 */
export function createNotifier(config: NotifyConfig, deps: NotifierDeps): Notifier {
  const logger = deps.logger.child({ component: 'notify' });
  const common = {
    ...deps.queue,
    clock: deps.clock,
    logger,
    dedupeSecs: config.dedupeSecs,
    maxPerMinute: config.maxPerMinute,
  };
  const redactor = deps.redactor ?? new Redactor([config.telegram?.token]);
  const channels: Notifier[] = [new NotifierQueue({ ...common, sink: redactingSink(new LogSink(logger), redactor) })];
  const telegram = config.telegram;
  for (const chatId of telegram?.chatIds ?? []) {
    if (!telegram) break;
    const sink = new TelegramSink({ token: telegram.token, chatId, apiUrl: telegram.apiUrl });
    channels.push(new NotifierQueue({ ...common, sink: redactingSink(sink, redactor) }));
  }
  if (config.webhook) {
    const sink = new WebhookSink({ url: config.webhook.url, headers: config.webhook.headers, now: () => deps.clock.now() });
    channels.push(new NotifierQueue({ ...common, sink: redactingSink(sink, redactor) }));
  }
  return channels.length === 1 && channels[0] ? channels[0] : combineNotifiers(channels);
}
