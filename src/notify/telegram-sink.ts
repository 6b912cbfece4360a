import { cutText } from './cut-text.js';
import { NotifySendError } from './notify-send-error.js';
import type { NotifyMessage, NotifySink } from './types.js';

/** Options for {@link TelegramSink}. */
export interface TelegramSinkOptions {
  /** The bot token. It goes into the request path only and never into a message or log line. */
  token: string;
  chatId: string;
  /** Base URL of the Bot API. @defaultValue 'https://api.telegram.org' */
  apiUrl?: string;
  /** Per-request timeout. @defaultValue 10000 */
  timeoutMs?: number;
}

/** Telegram refuses longer texts (UTF-16 code units). */
const MAX_TEXT = 4096;

const PREFIX: Record<NotifyMessage['level'], string> = { info: '', warn: '[warn] ', error: '[ERROR] ' };

/**
 * Sends notifications to one Telegram chat through the Bot API's `sendMessage`, as plain text
 * in a JSON body: no parse mode, so nothing needs escaping and no text can break the request.
 * Maps the answer onto {@link NotifySendError}: 429 carries `parameters.retry_after`, 5xx and
 * network trouble are retryable, any other refusal is permanent.
 */
export class TelegramSink implements NotifySink {
  readonly name = 'telegram';
  #url: string;
  #token: string;
  #chatId: string;
  #timeoutMs: number;

  constructor(options: TelegramSinkOptions) {
    if (!options.token) throw new TypeError('TelegramSink: `token` must be a non-empty string');
    if (!options.chatId) throw new TypeError('TelegramSink: `chatId` must be a non-empty string');
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (!(timeoutMs > 0)) throw new TypeError(`TelegramSink: \`timeoutMs\` must be > 0, got ${timeoutMs}`);
    const apiUrl = (options.apiUrl ?? 'https://api.telegram.org').replace(/\/+$/, '');
    this.#url = `${apiUrl}/bot${options.token}/sendMessage`;
    this.#token = options.token;
    this.#chatId = options.chatId;
    this.#timeoutMs = timeoutMs;
  }

  async send(msg: NotifyMessage, signal: AbortSignal): Promise<void> {
    const text = cutText(PREFIX[msg.level] + msg.text, MAX_TEXT);
    let res: Response;
    try {
      res = await fetch(this.#url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chat_id: this.#chatId, text }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.#timeoutMs)]),
      });
    } catch (err: unknown) {
      // undici's errors can carry the request URL in their cause; only the code is kept.
      throw new NotifySendError(`telegram sendMessage: ${describeFetchError(err, signal)}`, !signal.aborted);
    }
    const body = await readBody(res);
    if (res.ok && body.ok !== false) return;
    // The Bot API may echo the request path (and with it the token) in its description.
    const description = typeof body.description === 'string' && body.description ? ` ${body.description.split(this.#token).join('[redacted]')}` : '';
    const what = `telegram sendMessage: HTTP ${res.status}${description}`;
    if (res.status === 429) {
      const retryAfterSecs = body.parameters?.retry_after ?? Number(res.headers.get('retry-after'));
      const retryAfterMs = Number.isFinite(retryAfterSecs) && retryAfterSecs > 0 ? retryAfterSecs * 1000 : null;
      throw new NotifySendError(what, true, retryAfterMs);
    }
    throw new NotifySendError(what, res.status >= 500);
  }
}

interface BotApiBody {
  ok?: boolean;
  description?: string;
  parameters?: { retry_after?: number };
}

async function readBody(res: Response): Promise<BotApiBody> {
  try {
    const parsed: unknown = await res.json();
    return typeof parsed === 'object' && parsed !== null ? (parsed as BotApiBody) : {};
  } catch {
    return {};
  }
}

function describeFetchError(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'aborted (notifier closing)';
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'request timed out';
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : 'unknown';
  return `network error (${code})`;
}
