import { coerceError } from '../core/errors.js';
import type { Redactor } from '../core/redact.js';
import type { NotifyMessage, NotifySink } from './types.js';

/**
 * A sink that scrubs the config's secrets from what it sends and from the errors it throws (a
 * service that echoes its request URL would otherwise put a bot token into the log).
 */
export function redactingSink(sink: NotifySink, redactor: Redactor): NotifySink {
  return {
    name: sink.name,
    async send(msg: NotifyMessage, signal: AbortSignal): Promise<void> {
      try {
        await sink.send({ ...msg, text: redactor.text(msg.text) }, signal);
      } catch (error: unknown) {
        throw redactor.error(coerceError(error));
      }
    },
  };
}
