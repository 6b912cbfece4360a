import type { Logger } from '../core/logger.js';
import type { NotifyMessage, NotifySink } from './types.js';

/** Writes notifications as log lines (the console channel): `info`, `warn` or `error` level. */
export class LogSink implements NotifySink {
  readonly name = 'log';
  #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  async send(msg: NotifyMessage): Promise<void> {
    const fields = msg.key === undefined ? { notify: true } : { notify: true, key: msg.key };
    this.#logger[msg.level](fields, msg.text);
  }
}
