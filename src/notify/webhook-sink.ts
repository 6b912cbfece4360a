import { NotifySendError } from './notify-send-error.js';
import type { NotifyMessage, NotifySink } from './types.js';

/** Options for {@link WebhookSink}. */
export interface WebhookSinkOptions {
  url: string;
  /** Sent with every request (an auth header from `${VAR}`, say). Never logged. @defaultValue {} */
  headers?: Readonly<Record<string, string>>;
  /** Per-request timeout. @defaultValue 10000 */
  timeoutMs?: number;
  /** Epoch ms for the `at` field. @defaultValue Date.now */
  now?: () => number;
}

/**
 * Posts each notification as JSON, `{text, level, key, condition, at, source: "misso"}` (`condition`
 * defaults to the level), to a URL (Slack,
 * Discord or a home-made receiver behind a small adapter). 429 and 5xx answers and network
 * trouble are retried by the queue; other refusals are permanent.
 */
export class WebhookSink implements NotifySink {
  readonly name = 'webhook';
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #now: () => number;

  constructor(options: WebhookSinkOptions) {
    this.#url = new URL(options.url).toString();
    this.#headers = { ...options.headers, 'content-type': 'application/json' };
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  async send(msg: NotifyMessage, signal: AbortSignal): Promise<void> {
    const body = JSON.stringify({ text: msg.text, level: msg.level, key: msg.key ?? null, condition: msg.condition ?? msg.level, at: this.#now(), source: 'misso' });
    let res: Response;
    try {
      res = await fetch(this.#url, { method: 'POST', headers: this.#headers, body, signal: AbortSignal.any([signal, AbortSignal.timeout(this.#timeoutMs)]) });
    } catch (err: unknown) {
      const code = err instanceof Error ? ((err.cause as { code?: unknown } | undefined)?.code ?? err.name) : 'unknown';
      throw new NotifySendError(`webhook: ${signal.aborted ? 'aborted (notifier closing)' : `network error (${String(code)})`}`, !signal.aborted);
    }
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return;
    const what = `webhook: HTTP ${res.status}`;
    if (res.status === 429) {
      const secs = Number(res.headers.get('retry-after'));
      throw new NotifySendError(what, true, Number.isFinite(secs) && secs > 0 ? secs * 1000 : null);
    }
    throw new NotifySendError(what, res.status >= 500);
  }
}
