export type { Notifier, NotifierStats, NotifyLevel, NotifyMessage, NotifySink } from './types.js';
export { NotifySendError } from './notify-send-error.js';
export { NotifierQueue, type NotifierQueueOptions } from './notifier-queue.js';
export { LogSink } from './log-sink.js';
export { TelegramSink, type TelegramSinkOptions } from './telegram-sink.js';
export { combineNotifiers } from './combine-notifiers.js';
export { createNotifier, type NotifierDeps } from './create-notifier.js';
export { getDefaultNotifier, setDefaultNotifier } from './default-notifier.js';
