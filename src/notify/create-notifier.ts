import type { NotifyConfig } from '../config/types.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { combineNotifiers } from './combine-notifiers.js';
import { LogSink } from './log-sink.js';
import { NotifierQueue, type NotifierQueueOptions } from './notifier-queue.js';
import { TelegramSink } from './telegram-sink.js';
import type { Notifier } from './types.js';

/** What {@link createNotifier} needs from the composition root. */
export interface NotifierDeps {
  clock: Clock;
  logger: Logger;
  /** Extra queue settings (tests shorten the close deadline or backoff). */
  queue?: Omit<NotifierQueueOptions, 'sink' | 'clock' | 'logger' | 'dedupeSecs' | 'maxPerMinute'>;
}

/**
 * Builds the engine's notifier from the `notify:` section: always the console channel (log
 * lines through `logger`), plus a Telegram chat when `telegram` is configured. Each channel
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
  const channels: Notifier[] = [new NotifierQueue({ ...common, sink: new LogSink(logger) })];
  if (config.telegram) {
    channels.push(new NotifierQueue({ ...common, sink: new TelegramSink(config.telegram) }));
  }
  return channels.length === 1 && channels[0] ? channels[0] : combineNotifiers(channels);
}
