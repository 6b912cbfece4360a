import type { Clock } from '../core/clock.js';

/** `count` refused commands from `chat` (or from {@link OTHER_CHATS}), the last of them `command`. */
export interface UnauthorizedReport {
  chat: string;
  command: string;
  count: number;
}

/** Options for {@link UnauthorizedCommands}. */
export interface UnauthorizedCommandsOptions {
  clock: Clock;
  /** Told the first command of a quiet chat at once, and each window's further ones as one count. */
  report: (report: UnauthorizedReport) => void;
  /** @defaultValue 60000 */
  windowMs?: number;
  /** Chats counted each on their own; commands from further chats are counted together. @defaultValue 5 */
  maxChats?: number;
}

/** What the commands of chats beyond `maxChats` are reported as. */
export const OTHER_CHATS = 'other chats';

interface Bucket {
  command: string;
  /** Commands since the last report. */
  pending: number;
}

/**
 * Folds the commands of chats not allowed to command: anyone who finds the bot can type at it,
 * and an event per message would let a stranger push the operator's orders and notices out of the
 * event history. The first command of a quiet chat is reported at once (count 1), and the ones
 * after it once per window, as a count; a chat quiet for a whole window starts over. At most
 * `maxChats` chats are followed at once, so a thousand chats still make a handful of reports.
 */
export class UnauthorizedCommands {
  readonly #o: UnauthorizedCommandsOptions;
  readonly #windowMs: number;
  readonly #maxChats: number;
  readonly #buckets = new Map<string, Bucket>();
  readonly #stop = new AbortController();

  constructor(options: UnauthorizedCommandsOptions) {
    this.#windowMs = options.windowMs ?? 60_000;
    this.#maxChats = options.maxChats ?? 5;
    if (!(this.#windowMs > 0)) throw new RangeError(`UnauthorizedCommands: \`windowMs\` must be > 0, got ${this.#windowMs}`);
    if (!Number.isInteger(this.#maxChats) || this.#maxChats < 1) throw new RangeError(`UnauthorizedCommands: \`maxChats\` must be a positive integer, got ${this.#maxChats}`);
    this.#o = options;
  }

  /** A command from `chat`, refused. */
  note(chat: string, command: string): void {
    if (this.#stop.signal.aborted) return;
    const key = this.#keyOf(chat);
    const bucket = this.#buckets.get(key);
    if (bucket) {
      bucket.pending += 1;
      bucket.command = command;
      return;
    }
    this.#buckets.set(key, { command, pending: 0 });
    this.#o.report({ chat: key, command, count: 1 });
    void this.#fold(key);
  }

  /** Reports what is still counted and stops. Idempotent. */
  close(): void {
    if (this.#stop.signal.aborted) return;
    this.#stop.abort();
    for (const key of [...this.#buckets.keys()]) this.#flush(key);
    this.#buckets.clear();
  }

  #keyOf(chat: string): string {
    if (this.#buckets.has(chat)) return chat;
    const followed = this.#buckets.size - (this.#buckets.has(OTHER_CHATS) ? 1 : 0);
    return followed < this.#maxChats ? chat : OTHER_CHATS;
  }

  /** Reports the chat's count at the end of each window; a window with none ends its bucket. */
  async #fold(key: string): Promise<void> {
    while (await this.#o.clock.sleep(this.#windowMs, this.#stop.signal)) {
      if (!this.#flush(key)) {
        this.#buckets.delete(key);
        return;
      }
    }
  }

  /** Reports the bucket's pending count, if any; whether there was one. */
  #flush(key: string): boolean {
    const bucket = this.#buckets.get(key);
    if (!bucket || bucket.pending === 0) return false;
    this.#o.report({ chat: key, command: bucket.command, count: bucket.pending });
    bucket.pending = 0;
    return true;
  }
}
