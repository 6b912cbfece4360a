import type { Notifier, NotifyMessage } from './types.js';

/**
 * One {@link Notifier} that hands every message to each of `notifiers` (each keeps its own
 * queue, so a slow channel never holds back another). `close()` closes them all, even when one
 * fails, and returns the same promise on every call.
 */
export function combineNotifiers(notifiers: readonly Notifier[]): Notifier {
  const targets = [...notifiers];
  let closing: Promise<void> | undefined;
  return {
    notify(msg: NotifyMessage): void {
      for (const n of targets) {
        try {
          n.notify(msg);
        } catch {
          // notify() must never throw into a trading loop, whatever a channel does.
        }
      }
    },
    close(): Promise<void> {
      closing ??= Promise.allSettled(targets.map((n) => n.close())).then((results) => {
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      });
      return closing;
    },
  };
}
