import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { createNotifier } from '../../src/notify/create-notifier.js';
import { NotifierQueue } from '../../src/notify/notifier-queue.js';
import { NotifySendError } from '../../src/notify/notify-send-error.js';
import { TelegramSink } from '../../src/notify/telegram-sink.js';

const TOKEN = '123456:SECRET-token_abcdef';

interface Received {
  url: string;
  contentType: string | undefined;
  body: Record<string, unknown>;
}

/** Scripted replies of the fake Bot API: status plus JSON body; default is ok. */
type Reply = { status: number; body: unknown };

let server: FastifyInstance;
let apiUrl: string;
const received: Received[] = [];
const replies: Reply[] = [];

beforeAll(async () => {
  server = Fastify();
  server.post('/bot:token/sendMessage', async (req, reply) => {
    received.push({
      url: req.url,
      contentType: req.headers['content-type'],
      body: req.body as Record<string, unknown>,
    });
    const next = replies.shift() ?? { status: 200, body: { ok: true, result: { message_id: received.length } } };
    return reply.code(next.status).send(next.body);
  });
  apiUrl = await server.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  received.length = 0;
  replies.length = 0;
});

function memoryLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** Real sockets are involved, so this polls in real time, briefly. */
async function waitFor(predicate: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('timed out waiting for condition');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('TelegramSink', () => {
  it('POSTs chat_id and the text verbatim as JSON to /bot<token>/sendMessage, no parse mode', async () => {
    const sink = new TelegramSink({ token: TOKEN, chatId: '-100777', apiUrl: `${apiUrl}/` });
    const text = 'BTC_USD *up* [1.5%] (x) ~ > # + - = | { } . ! & ?a=b\nline 2 🚀';
    await sink.send({ text, level: 'info' }, new AbortController().signal);
    expect(received).toHaveLength(1);
    expect(received[0]?.url).toBe(`/bot${TOKEN}/sendMessage`);
    expect(received[0]?.contentType).toMatch(/^application\/json/);
    expect(received[0]?.body).toEqual({ chat_id: '-100777', text });
  });

  it('marks warn and error messages with a prefix', async () => {
    const sink = new TelegramSink({ token: TOKEN, chatId: '1', apiUrl });
    await sink.send({ text: 'w', level: 'warn' }, new AbortController().signal);
    await sink.send({ text: 'e', level: 'error' }, new AbortController().signal);
    expect(received.map((r) => r.body.text)).toEqual(['[warn] w', '[ERROR] e']);
  });

  it('cuts a text over 4096 UTF-16 units on a grapheme boundary: no lone surrogate, no split emoji', async () => {
    const sink = new TelegramSink({ token: TOKEN, chatId: '1', apiUrl });
    // The old cut (4095 units) fell inside the first emoji, sending a lone high surrogate.
    await sink.send({ text: `${'a'.repeat(4094)}${'😀'.repeat(20)}`, level: 'info' }, new AbortController().signal);
    // A family emoji (one grapheme of 11 units) across the cut goes whole or not at all.
    await sink.send({ text: `${'b'.repeat(4090)}👨‍👩‍👧‍👦tail`, level: 'warn' }, new AbortController().signal);
    const [first, second] = received.map((r) => String(r.body['text']));
    expect(first).toBe(`${'a'.repeat(4094)}…`);
    expect(second).toBe(`[warn] ${'b'.repeat(4088)}…`);
    for (const text of [first!, second!]) {
      expect(text.length).toBeLessThanOrEqual(4096);
      expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text);
    }
  });

  it('maps 429, 5xx, 4xx and a refused connection onto retryable / permanent errors', async () => {
    const sink = new TelegramSink({ token: TOKEN, chatId: '1', apiUrl });
    const signal = new AbortController().signal;
    replies.push(
      { status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } } },
      { status: 502, body: { ok: false, description: 'Bad Gateway' } },
      { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } },
    );
    const errors: NotifySendError[] = [];
    for (let i = 0; i < 3; i++) {
      const err = await sink.send({ text: `t${i}`, level: 'info' }, signal).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotifySendError);
      errors.push(err as NotifySendError);
    }
    expect(errors.map((e) => [e.retryable, e.retryAfterMs])).toEqual([
      [true, 3000],
      [true, null],
      [false, null],
    ]);
    expect(errors[2]?.message).toContain('chat not found');

    const closed = Fastify();
    const deadUrl = await closed.listen({ host: '127.0.0.1', port: 0 });
    await closed.close();
    const dead = new TelegramSink({ token: TOKEN, chatId: '1', apiUrl: deadUrl });
    const err = await dead.send({ text: 'x', level: 'info' }, signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotifySendError);
    expect((err as NotifySendError).retryable).toBe(true);
    expect((err as Error).message).toContain('ECONNREFUSED');
    for (const e of [...errors, err as Error]) expect(e.message).not.toContain(TOKEN);
  });

  it('rejects missing credentials up front', () => {
    expect(() => new TelegramSink({ token: '', chatId: '1' })).toThrow(/token/);
    expect(() => new TelegramSink({ token: TOKEN, chatId: '' })).toThrow(/chatId/);
  });
});

describe('NotifierQueue over Telegram', () => {
  it("waits the 429's retry_after in virtual time, then delivers", async () => {
    const clock = new VirtualClock();
    const queue = new NotifierQueue({ sink: new TelegramSink({ token: TOKEN, chatId: '5', apiUrl }), clock });
    replies.push({ status: 429, body: { ok: false, error_code: 429, parameters: { retry_after: 30 } } });
    queue.notify({ text: 'order failed', level: 'error' });
    await waitFor(() => received.length === 1 && clock.pending === 1);
    await clock.advance(29_999);
    expect(received).toHaveLength(1);
    await clock.advance(1);
    await waitFor(() => received.length === 2);
    await queue.onIdle();
    expect(queue.stats()).toMatchObject({ sent: 1, failed: 0 });
    await queue.close();
  });

  it('dedupes and rate-limits end to end through createNotifier, and never logs the token', async () => {
    const clock = new VirtualClock();
    const { logger, lines } = memoryLogger();
    const notifier = createNotifier(
      { telegram: { token: TOKEN, chatId: '9', chatIds: ['9'], apiUrl, settable: [] }, webhook: null, dedupeSecs: 300, maxPerMinute: 2 },
      { clock, logger, queue: { backoffBaseMs: 100, maxAttempts: 2 } },
    );
    notifier.notify({ text: 'module down: tickers', level: 'warn' });
    notifier.notify({ text: 'module down: tickers', level: 'warn' });
    notifier.notify({ text: 'a', level: 'info' });
    notifier.notify({ text: 'b', level: 'info' });
    notifier.notify({ text: 'c', level: 'info' });
    await waitFor(() => received.length === 2);
    await clock.advance(60_000);
    await waitFor(() => received.length === 3);
    expect(received.map((r) => r.body.text)).toEqual([
      '[warn] module down: tickers',
      'a',
      expect.stringMatching(/^2 messages suppressed \(limit 2 per minute\)/),
    ]);

    // failures of every kind are logged, without the token
    replies.push(
      { status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } },
      { status: 500, body: { ok: false } },
      { status: 500, body: { ok: false } },
    );
    notifier.notify({ text: 'd', level: 'error' });
    notifier.notify({ text: 'e', level: 'error' });
    await waitFor(() => received.length === 5);
    await clock.advance(100);
    await waitFor(() => received.length === 6);
    await notifier.close();

    const log = lines.join('');
    expect(log).toContain('Unauthorized');
    expect(log).toContain('notification not delivered');
    expect(log).toContain('module down: tickers');
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain('SECRET');
  });
});
