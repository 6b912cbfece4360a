import { Backoff } from '../core/backoff.js';
import type { Clock } from '../core/clock.js';
import { coerceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { runCommand, type CommandOutcome, type CommandResult, type InteractorPort } from './interactor-commands.js';
import type { Notifier } from './types.js';
import { UnauthorizedCommands } from './unauthorized-commands.js';

/** Options for {@link TelegramInteractor}. */
export interface TelegramInteractorOptions {
  token: string;
  /** @defaultValue 'https://api.telegram.org' */
  apiUrl?: string;
  /** Chats that may command; everyone else is ignored. */
  chatIds: readonly string[];
  /** Attributes `/set` may change. */
  settable: readonly string[];
  port: InteractorPort;
  clock: Clock;
  logger: Logger;
  /** Where replies to a chat go: a queue with the notifier's rate limit. */
  replies: (chatId: string) => Notifier;
  /**
   * Told about every command of an allowed chat, for metrics and status clients. Commands of other
   * chats are folded ({@link UnauthorizedCommands}): told with `outcome` 'unauthorized' and
   * `folded`, the chat and how many commands the call stands for.
   */
  onCommand?: (command: string, outcome: CommandOutcome, folded?: { chat: string; count: number }) => void;
  /** Long-poll wait per getUpdates call. @defaultValue 25 */
  pollTimeoutSecs?: number;
}

interface Update {
  update_id: number;
  message?: { chat?: { id?: number | string }; text?: string };
}

/**
 * The seed's Telegram interactor: long-polls `getUpdates` and answers commands from the
 * configured chats. Commands sent while misso was not running are skipped at start (an old
 * `/stop` must not stop a fresh run). A command addressed to a bot (`/stop@name`, as Telegram
 * writes them in a group with several bots) is obeyed only when `name` is this bot's username,
 * asked with `getMe` at start and, while that fails, again for each addressed command from an
 * allowed chat; while it is unknown every addressed command is ignored (plain ones still work). Network trouble is retried with backoff; it never ends the loop and never
 * logs the bot token (it is in the URL, and only error codes are logged).
 */
export class TelegramInteractor {
  readonly #o: TelegramInteractorOptions;
  readonly #base: string;
  readonly #stop = new AbortController();
  readonly #ignoredChats = new Set<string>();
  readonly #allowed: Set<string>;
  readonly #strangers: UnauthorizedCommands;
  #offset = 0;
  /** This bot's username (from `getMe`); null until known. */
  #username: string | null = null;
  #whoAmIFailures = 0;
  #loop: Promise<void> | null = null;
  /** Commands answered beside the poll loop, still under way. */
  readonly #inFlight = new Set<Promise<void>>();
  /**
   * An addressed command waiting for this bot's username, and every command typed after it:
   * they run in the order typed (a `/set` typed later must not apply first). Null when none waits.
   */
  #held: Promise<void> | null = null;

  constructor(options: TelegramInteractorOptions) {
    this.#o = options;
    this.#base = `${(options.apiUrl ?? 'https://api.telegram.org').replace(/\/+$/, '')}/bot${options.token}`;
    this.#allowed = new Set(options.chatIds.map(String));
    this.#strangers = new UnauthorizedCommands({
      clock: options.clock,
      report: ({ chat, command, count }) => options.onCommand?.(command, 'unauthorized', { chat, count }),
    });
  }

  /** Starts polling in the background. */
  start(): void {
    this.#loop ??= this.#run().catch((error: unknown) => {
      this.#o.logger.error({ err: coerceError(error).message }, 'telegram interactor stopped unexpectedly');
    });
  }

  /** Stops polling and waits for the loop to end. Idempotent. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    // A /cancel under way still gets its answer (the cancel's own deadline bounds the wait).
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    this.#strangers.close();
  }

  /** Runs work that waits (a cancel, a getMe) beside the poll loop, so the next commands are answered meanwhile. */
  #beside(work: Promise<void>): void {
    const tracked = work
      .catch((error: unknown) => {
        this.#o.logger.error({ err: coerceError(error).message }, 'telegram command failed unexpectedly');
      })
      .finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    // A failed poll waits 1 s, doubling to 30 s; one that works starts over.
    const backoff = new Backoff({ baseMs: 1000, maxMs: 30_000 });
    let skipped = false;
    await this.#whoAmI(signal);
    while (!signal.aborted) {
      try {
        if (!skipped) {
          await this.#skipBacklog(signal);
          skipped = true;
        }
        const updates = await this.#getUpdates(this.#o.pollTimeoutSecs ?? 25, signal);
        backoff.reset();
        for (const update of updates) {
          this.#offset = Math.max(this.#offset, update.update_id + 1);
          this.#handle(update);
        }
      } catch (error: unknown) {
        if (signal.aborted) return;
        const delay = backoff.next();
        this.#o.logger.warn({ err: describe(error), retryInMs: delay }, 'telegram getUpdates failed; retrying');
        if (!(await this.#o.clock.sleep(delay, signal))) return;
      }
    }
  }

  async #skipBacklog(signal: AbortSignal): Promise<void> {
    const backlog = await this.#getUpdates(0, signal);
    const last = backlog.at(-1);
    if (!last) return;
    this.#offset = last.update_id + 1;
    this.#o.logger.info({ skipped: backlog.length }, 'telegram commands sent while misso was not running were skipped');
  }

  /**
   * Asks `getMe` for this bot's username: at start, and again for an addressed command while it is
   * unknown. A failure leaves it unknown; it is logged as a warning the first time only.
   */
  async #whoAmI(signal: AbortSignal): Promise<void> {
    try {
      const res = await fetch(`${this.#base}/getMe`, { signal: AbortSignal.any([signal, AbortSignal.timeout(GET_ME_TIMEOUT_MS)]) });
      const body = (await res.json().catch(() => null)) as { ok?: boolean; result?: { username?: unknown }; description?: string } | null;
      const username = body?.result?.username;
      if (!res.ok || !body?.ok || typeof username !== 'string' || username === '') {
        throw new Error(`HTTP ${res.status}${body?.description ? ` ${body.description}` : ''}`);
      }
      this.#username = username;
    } catch (error: unknown) {
      if (signal.aborted) return;
      this.#whoAmIFailures += 1;
      this.#o.logger[this.#whoAmIFailures === 1 ? 'warn' : 'debug'](
        { err: describe(error), failures: this.#whoAmIFailures },
        "telegram getMe failed: this bot's username is unknown, so commands addressed to a bot (/command@name) are ignored; plain commands still work",
      );
    }
  }

  /** Whether a command addressed `@name` (or not addressed: `name` undefined) is for this bot. */
  #forMe(name: string | undefined): boolean {
    if (name === undefined) return true;
    return this.#username !== null && name.toLowerCase() === this.#username.toLowerCase();
  }

  async #getUpdates(timeoutSecs: number, signal: AbortSignal): Promise<Update[]> {
    const url = `${this.#base}/getUpdates?timeout=${timeoutSecs}&offset=${this.#offset}&allowed_updates=%5B%22message%22%5D`;
    const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout((timeoutSecs + 10) * 1000)]) });
    const body = (await res.json().catch(() => null)) as { ok?: boolean; result?: Update[]; description?: string } | null;
    if (!res.ok || !body?.ok || !Array.isArray(body.result)) {
      throw new Error(`HTTP ${res.status}${body?.description ? ` ${body.description}` : ''}`);
    }
    return body.result;
  }

  /**
   * Answers one update. It never waits: a command that must (`/cancel`, waiting for the exchange,
   * or an addressed one while this bot's username is unknown) goes on beside the loop, so a slow
   * cancel holds neither `/status` nor `/stop` nor another chat. Replies to quick commands go out
   * in the order they were typed.
   */
  #handle(update: Update): void {
    const text = update.message?.text;
    const chat = update.message?.chat?.id;
    if (typeof text !== 'string' || chat === undefined) return;
    const match = /^\/([A-Za-z_]+)(?:@(\S*))?\s*([\s\S]*)$/.exec(text.trim());
    if (!match) return;
    const [, rawCommand = '', addressee, args = ''] = match;
    const command = rawCommand.toLowerCase();
    const chatId = String(chat);
    // getMe failed so far (the network was not up at start): asked again now, so an operator's
    // `/stop@thisbot` is not ignored for the whole run because of one failed call at start.
    const asks = addressee !== undefined && this.#allowed.has(chatId);
    if (this.#held !== null || (asks && this.#username === null)) {
      const signal = this.#stop.signal;
      const next = (this.#held ?? Promise.resolve())
        .then(() => (asks && this.#username === null && !signal.aborted ? this.#whoAmI(signal) : undefined))
        // A command whose turn comes once the interactor is closing is not obeyed.
        .then(() => (signal.aborted ? undefined : this.#obey(chatId, command, addressee, args)));
      this.#held = next;
      this.#beside(next.finally(() => {
        if (this.#held === next) this.#held = null;
      }));
      return;
    }
    this.#obey(chatId, command, addressee, args);
  }

  #obey(chatId: string, command: string, addressee: string | undefined, args: string): void {
    // Meant for another bot in the same group: not ours to obey, answer or count.
    if (!this.#forMe(addressee)) {
      this.#o.logger.debug({ chat: chatId, command, addressee }, 'telegram command addressed to another bot ignored');
      return;
    }
    if (!this.#allowed.has(chatId)) {
      // Once per chat: a stranger who keeps typing must not flood the log.
      if (!this.#ignoredChats.has(chatId)) {
        this.#ignoredChats.add(chatId);
        this.#o.logger.warn({ chat: chatId, command }, 'telegram command from a chat not in notify.telegram.chat_id ignored');
      }
      // Counted, folded: a stranger's flood must not push the operator's events out of the history.
      this.#strangers.note(chatId, command);
      return;
    }
    let result: ReturnType<typeof runCommand>;
    try {
      result = runCommand(this.#o.port, this.#o.settable, command, args);
    } catch (error: unknown) {
      result = failed(command, error);
    }
    if (result instanceof Promise) {
      this.#beside(result.catch((error: unknown) => failed(command, error)).then((r) => this.#answer(chatId, command, r)));
    } else {
      this.#answer(chatId, command, result);
    }
  }

  #answer(chatId: string, command: string, { reply, outcome }: CommandResult): void {
    this.#o.logger.info({ chat: chatId, command, outcome }, 'telegram command');
    this.#o.onCommand?.(command, outcome);
    this.#o.replies(chatId).notify({ text: reply, level: 'info' });
  }
}

function failed(command: string, error: unknown): CommandResult {
  return { reply: `/${command} failed: ${coerceError(error).message}`, outcome: 'error' };
}

// getMe answers at once; a hung one must not hold the first poll for long.
const GET_ME_TIMEOUT_MS = 10_000;

function describe(error: unknown): string {
  const e = coerceError(error);
  if (e.name === 'TimeoutError') return 'request timed out';
  const code = (e.cause as { code?: unknown } | undefined)?.code;
  // fetch's own messages are generic; the cause's code says what happened without the URL.
  return typeof code === 'string' ? `network error (${code})` : e.message;
}
