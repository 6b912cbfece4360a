/**
 * Thrown by a sink to steer the queue's retry: `retryable` false means the message can never be
 * delivered as is (bad chat id, bad token); `retryAfterMs` is the wait the service asked for.
 * Messages never contain credentials.
 */
export class NotifySendError extends Error {
  override name = 'NotifySendError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}
