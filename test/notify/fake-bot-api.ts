import Fastify, { type FastifyInstance } from 'fastify';

/** A message the fake Bot API received through sendMessage. */
export interface SentMessage {
  token: string;
  chatId: string;
  text: string;
}

/**
 * A local Telegram Bot API: `getMe` names the bot (`username`, or a 401 after `failGetMe()`),
 * `getUpdates` serves the updates the test queued (honouring
 * `offset`, holding the long poll briefly when there are none) and `sendMessage` records what
 * the bot said. Real HTTP on 127.0.0.1, port 0.
 */
export class FakeBotApi {
  readonly sent: SentMessage[] = [];
  readonly offsets: number[] = [];
  #updates: { update_id: number; message: { message_id: number; chat: { id: number }; text: string } }[] = [];
  #nextId = 1;
  #failPolls = 0;
  #failGetMe = false;
  #getMeDelayMs = 0;
  /** Calls of getMe so far. */
  getMeCalls = 0;
  #app: FastifyInstance | null = null;
  url = '';

  /** @param username - the bot's username, as `getMe` answers it. */
  constructor(readonly username = 'misso_bot') {}

  async start(): Promise<this> {
    // A long poll may be open when the test ends: close it rather than wait for it.
    const app = Fastify({ forceCloseConnections: true });
    app.get<{ Params: { token: string }; Querystring: { offset?: string; timeout?: string } }>('/bot:token/getUpdates', async (req, reply) => {
      const offset = Number(req.query.offset ?? 0);
      this.offsets.push(offset);
      if (this.#failPolls > 0) {
        this.#failPolls--;
        return reply.code(502).send({ ok: false, description: 'Bad Gateway' });
      }
      const waitUntil = Date.now() + Math.min(Number(req.query.timeout ?? 0), 1) * 1000;
      while (this.#pending(offset).length === 0 && Date.now() < waitUntil && !req.raw.destroyed) await new Promise((r) => setTimeout(r, 20));
      return { ok: true, result: this.#pending(offset) };
    });
    app.get('/bot:token/getMe', async (_req, reply) => {
      this.getMeCalls++;
      if (this.#getMeDelayMs > 0) await new Promise((r) => setTimeout(r, this.#getMeDelayMs));
      if (this.#failGetMe) return reply.code(401).send({ ok: false, error_code: 401, description: 'Unauthorized' });
      return { ok: true, result: { id: 4242, is_bot: true, first_name: 'misso', username: this.username } };
    });
    app.post<{ Params: { token: string }; Body: { chat_id: string; text: string } }>('/bot:token/sendMessage', async (req) => {
      this.sent.push({ token: req.params.token.replace(/^bot/, ''), chatId: String(req.body.chat_id), text: req.body.text });
      return { ok: true, result: { message_id: this.sent.length } };
    });
    this.url = await app.listen({ host: '127.0.0.1', port: 0 });
    this.#app = app;
    return this;
  }

  /** A user in `chatId` types `text`. */
  say(chatId: number, text: string): void {
    const id = this.#nextId++;
    this.#updates.push({ update_id: 1000 + id, message: { message_id: id, chat: { id: chatId }, text } });
  }

  /** The next `count` getUpdates calls answer 502, as Telegram does during an outage. */
  failPolls(count: number): void {
    this.#failPolls = count;
  }

  /** Every later getMe answers 401 (set before the interactor starts). */
  failGetMe(): void {
    this.#failGetMe = true;
  }

  /** `getMe` answers again (after `delayMs`, wall clock, from then on). */
  healGetMe(delayMs = 0): void {
    this.#failGetMe = false;
    this.#getMeDelayMs = delayMs;
  }

  /** What the bot said to a chat. */
  to(chatId: number): string[] {
    return this.sent.filter((m) => m.chatId === String(chatId)).map((m) => m.text);
  }

  async close(): Promise<void> {
    await this.#app?.close();
  }

  #pending(offset: number) {
    return this.#updates.filter((u) => u.update_id >= offset);
  }
}
