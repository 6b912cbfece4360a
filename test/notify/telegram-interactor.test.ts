import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import type { Updater } from '../../src/engine/updater.js';
import { startStatusServer, type StatusServer } from '../../src/http/status-server.js';
import { createNotifier } from '../../src/notify/create-notifier.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';
import { FakeBotApi } from './fake-bot-api.js';

const TOKEN = '4242:interactor-SECRET';
const OPERATOR = 1111;
const STRANGER = 9999;

let bot: FakeBotApi | null = null;
let updater: Updater | null = null;
let server: StatusServer | null = null;
afterEach(async () => {
  await server?.close();
  await updater?.stop();
  await bot?.close();
  server = updater = bot = null;
});

function memoryLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

async function waitFor(predicate: () => boolean, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function rig(options: { activate?: boolean; backlog?: string[]; getMeFails?: boolean } = {}) {
  bot = await new FakeBotApi().start();
  if (options.getMeFails) bot.failGetMe();
  for (const text of options.backlog ?? []) bot.say(OPERATOR, text);
  const { logger, lines } = memoryLogger();
  const built = await virtualUpdater(
    {
      class_attributes: {
        activate_interactor: options.activate ?? true,
        watch_list: ['BTC/USD:USD'],
        last_price: {},
        risk: 0.5,
        paused: false,
        note: 'plain',
        open_orders: {},
      },
      shared_attributes: { pending_orders: { modul: 'queue', function: 'Queue' } },
      tasks: {
        t_update_tickers: { name: 'update_tickers', freq: 10, max_age_secs: 3600 },
        t_execute_orders: { name: 'execute_orders', freq: 5 },
        t_update_open_orders: { name: 'update_open_orders', freq: 5 },
      },
      notify: { telegram: { token: '${TG}', chat_id: [OPERATOR, '2222'], api_url: bot.url, settable: ['risk', 'paused', 'note'] } },
    },
    { env: { TG: TOKEN }, logger },
  );
  updater = built.updater;
  server = await startStatusServer({ source: updater.statusSource(), clock: built.clock, processMetrics: false });
  await startVirtual(updater, built.clock);
  // Commands typed before the interactor's first poll are skipped as backlog: wait for that poll.
  const b = bot;
  if (options.activate ?? true) await waitFor(() => b.offsets.length >= 2, 'the interactor to start polling');
  return { bot, updater, clock: built.clock, lines, server };
}

/** Sends a command and waits for the bot's next reply to that chat. */
async function ask(b: FakeBotApi, text: string, chat = OPERATOR): Promise<string> {
  const before = b.to(chat).length;
  b.say(chat, text);
  await waitFor(() => b.to(chat).length > before, `a reply to ${text}`);
  return b.to(chat).at(-1)!;
}

describe('Telegram interactor (activate_interactor: True)', () => {
  it('/get and /set: parses to the current type, refuses a wrong type and attributes off the list', async () => {
    const { bot: b, updater: u, server: s } = await rig();
    expect(await ask(b, '/get risk')).toBe('risk = 0.5');
    expect(await ask(b, '/set risk 0.75')).toBe('risk = 0.75 (was 0.5)');
    expect(u.state.get('risk')).toBe(0.75);
    expect(await ask(b, '/set risk lots')).toBe("risk not changed: it holds a number; 'lots' is not a plain decimal number (such as 12, -0.5 or 1e6)");
    expect(u.state.get('risk')).toBe(0.75);
    // Number() would take it as 16.
    expect(await ask(b, '/set risk 0x10')).toBe("risk not changed: it holds a number; '0x10' is not a plain decimal number (such as 12, -0.5 or 1e6)");
    expect(u.state.get('risk')).toBe(0.75);
    expect(await ask(b, '/set paused yes')).toContain('paused not changed: it holds true or false');
    expect(await ask(b, '/set paused true')).toBe('paused = true (was false)');
    expect(u.state.get('paused')).toBe(true);
    expect(await ask(b, '/set watch_list ["ETH/USD:USD"]')).toBe('watch_list may not be set from chat; settable: risk, paused, note');
    expect(u.state.get('watch_list')).toEqual(['BTC/USD:USD']);
    expect(await ask(b, '/get aftx')).toBe('no attribute named aftx');
    // Plain text, escaped once (that is: not at all, nothing is interpreted): it arrives as typed.
    expect(await ask(b, '/set note a_b *c* [d](e) `f` \\g')).toBe('note = a_b *c* [d](e) `f` \\g (was plain)');
    expect(await ask(b, '/get@misso_bot note')).toBe('note = a_b *c* [d](e) `f` \\g');
    expect(b.sent.every((m) => m.token === TOKEN)).toBe(true);

    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/misso_interactor_commands_total\{command="set",outcome="ok"\} 3/);
    expect(metrics).toMatch(/misso_interactor_commands_total\{command="set",outcome="refused"\} 4/);
    expect(metrics).toMatch(/misso_interactor_commands_total\{command="get",outcome="refused"\} 1/);
  });

  it('replies go through the redactor: a config secret held in state reaches Telegram as [redacted]', async () => {
    const { bot: b, updater: u, lines } = await rig();
    expect(await ask(b, `/set note ${TOKEN}`)).toBe('note = [redacted] (was plain)');
    // The state holds it as typed: the reply is what was scrubbed.
    expect(u.state.get('note')).toBe(TOKEN);
    expect(await ask(b, '/get note')).toBe('note = [redacted]');
    expect(await ask(b, `/get ${TOKEN}`)).toBe('no attribute named [redacted]');
    expect(await ask(b, `/cancel ${encodeURIComponent(TOKEN)}`)).toMatch(/^\[redacted\] not cancelled: no order of ours with client or exchange id "\[redacted\]"$/);
    expect(b.sent.map((m) => m.text).join('\n')).not.toContain('interactor-SECRET');
    expect(JSON.stringify(lines)).not.toContain('interactor-SECRET');
  });

  it('a long value is cut on a grapheme boundary, never inside a surrogate pair', async () => {
    const { bot: b, updater: u } = await rig();
    // The 3000-unit cut used to land inside the first emoji and send a lone surrogate.
    const value = `${'a'.repeat(2999)}${'😀'.repeat(20)}`;
    const reply = await ask(b, `/set note ${value}`);
    expect(u.state.get('note')).toBe(value);
    expect(reply).toBe(`note = ${'a'.repeat(2999)}… (3039 chars) (was plain)`);
    expect(Buffer.from(reply, 'utf8').toString('utf8')).toBe(reply);
  });

  it('/status, /help, /orders and /cancel', async () => {
    const { bot: b, updater: u, clock } = await rig();
    await clock.advance(1000);
    expect(await ask(b, '/status')).toMatch(/^misso on sim: running[\s\S]*tasks \d+\/\d+ up[\s\S]*capital [\d,.]+ \(free/);
    expect(await ask(b, '/help')).toContain('/set <attr> <value>: change one of: risk, paused, note');
    expect(await ask(b, '/orders')).toBe('no open orders');
    const price = u.state.get<Record<string, number>>('last_price')['BTC/USD:USD']!;
    const order = u.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01, price: Math.round(price * 0.8) });
    await advanceWithIo(clock, () => order.status === 'open', 30_000);
    expect(await ask(b, '/orders')).toBe(`1 open order(s):\n${order.clientOrderId} buy 0.01 BTC/USD:USD @ ${order.price} (open, filled 0)`);
    expect(await ask(b, `/cancel ${order.clientOrderId}`)).toBe(`cancelled ${order.clientOrderId} (buy 0.01 BTC/USD:USD)`);
    // Cancelled on the simulated exchange itself, not just in the engine's view.
    expect((await u.exchange.fetchOrder(order.id!, 'BTC/USD:USD')).status).toBe('canceled');
    expect(order.status).toBe('canceled');
    expect(await ask(b, '/orders')).toBe('no open orders');
    expect(await ask(b, `/cancel ${order.clientOrderId}`)).toBe(`${order.clientOrderId} not cancelled: order ${order.clientOrderId} is already canceled`);
    expect(await ask(b, '/cancel nope-1')).toBe('nope-1 not cancelled: no order of ours with client or exchange id "nope-1"');
    expect(await ask(b, '/frobnicate')).toBe('unknown command /frobnicate; /help lists them');
  });

  it('a slow /cancel holds neither /status, /orders nor /stop, in its chat or another', async () => {
    const { bot: b, updater: u, clock } = await rig();
    const price = u.state.get<Record<string, number>>('last_price')['BTC/USD:USD']!;
    const order = u.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01, price: Math.round(price * 0.8) });
    await advanceWithIo(clock, () => order.status === 'open', 30_000);
    // From now on the exchange loses every cancel's answer, after 8 s of (virtual) time.
    (u.exchange as SimExchange).setKnobs({ timeout_delay_ms: 8000, faults: [{ kind: 'timeout_after', methods: ['cancelOrder'], probability: 1 }] });
    b.say(OPERATOR, `/cancel ${order.clientOrderId}`);
    // Time stands still: the cancel is waiting, and these are answered anyway.
    expect(await ask(b, '/status')).toMatch(/^misso on sim: running/);
    expect(await ask(b, '/orders', 2222)).toMatch(/open order/);
    expect(await ask(b, '/get risk')).toBe('risk = 0.5');
    expect(b.to(OPERATOR)).toHaveLength(2);
    // Quick commands answer in the order typed; the cancel answers when the exchange does.
    b.say(OPERATOR, '/set risk 0.7');
    b.say(OPERATOR, '/get risk');
    await waitFor(() => b.to(OPERATOR).length === 4, 'the set and get replies');
    expect(b.to(OPERATOR).slice(2)).toEqual(['risk = 0.7 (was 0.5)', 'risk = 0.7']);
    await advanceWithIo(clock, () => b.to(OPERATOR).length === 5, 60_000);
    expect(b.to(OPERATOR)[4]).toContain(order.clientOrderId);
    // /stop while another cancel waits: answered at once, and the stop begins.
    b.say(OPERATOR, `/cancel ${order.clientOrderId}`);
    expect(await ask(b, '/stop', 2222)).toBe('stopping misso');
    expect(u.state.get('stop_updates')).toBe(true);
    await advanceWithIo(clock, () => u.phase === 'stopped', 60_000);
  });

  it('a chat not in chat_id has no effect and is logged once', async () => {
    const { bot: b, updater: u, lines } = await rig();
    b.say(STRANGER, '/set risk 9');
    b.say(STRANGER, '/stop');
    // The operator's command after them proves both were read.
    expect(await ask(b, '/get risk')).toBe('risk = 0.5');
    expect(b.to(STRANGER)).toEqual([]);
    expect(u.state.get('risk')).toBe(0.5);
    expect(u.phase).toBe('running');
    const warnings = lines.filter((l) => l['msg'] === 'telegram command from a chat not in notify.telegram.chat_id ignored');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ chat: String(STRANGER) });
    // A second chat of the list may command too.
    expect(await ask(b, '/get paused', 2222)).toBe('paused = false');
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });

  it("a stranger's flood is folded: one event now, a count per window, never the operator's history", async () => {
    const { bot: b, clock, server: s } = await rig();
    expect(await ask(b, '/status')).toMatch(/^misso on sim/);
    for (let i = 0; i < 40; i++) b.say(STRANGER, i === 39 ? '/last_one' : '/junk');
    // The operator's command after them proves they were all read.
    expect(await ask(b, '/get risk')).toBe('risk = 0.5');
    type Ev = { type: string; command?: string; outcome?: string; chat?: string; count?: number };
    const events = async (): Promise<Ev[]> => ((await (await fetch(`${s.url}/api/events?since=0`)).json()) as { events: Ev[] }).events;
    const refused = async (): Promise<Ev[]> => (await events()).filter((e) => e.outcome === 'unauthorized');
    expect(await refused()).toEqual([expect.objectContaining({ type: 'command', command: 'junk', chat: String(STRANGER), count: 1 })]);
    await clock.advance(60_000);
    await waitFor(() => b.offsets.length > 0, 'a poll');
    expect((await refused()).map((e) => [e.command, e.count])).toEqual([
      ['junk', 1],
      ['last_one', 39],
    ]);
    // The operator's own commands are still there.
    expect((await events()).filter((e) => e.type === 'command' && e.outcome === 'ok').map((e) => e.command)).toEqual(['status', 'get']);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/misso_interactor_commands_total\{command="any",outcome="unauthorized"\} 40/);
    expect(b.to(STRANGER)).toEqual([]);
  });

  it('/stop stops the updater, after replying', async () => {
    const { bot: b, updater: u } = await rig();
    expect(await ask(b, '/stop')).toBe('stopping misso');
    await waitFor(() => u.phase === 'stopped', 'the updater to stop');
  });

  it('obeys a command addressed @name only when name is this bot (getMe), in any case', async () => {
    const { bot: b, updater: u, lines } = await rig();
    b.say(OPERATOR, '/stop@some_other_bot');
    b.say(OPERATOR, '/status@otherbot');
    b.say(OPERATOR, '/set@other_bot risk 9');
    b.say(OPERATOR, '/stop@');
    // The operator's command after them proves they were all read; addressed to us, any case.
    expect(await ask(b, '/get@Misso_BOT risk')).toBe('risk = 0.5');
    expect(b.to(OPERATOR)).toEqual(['risk = 0.5']);
    expect(u.state.get('risk')).toBe(0.5);
    expect(u.phase).toBe('running');
    expect(await ask(b, '/status@misso_bot')).toMatch(/^misso on sim: running/);
    expect(lines.filter((l) => String(l['msg']).startsWith('telegram getMe failed'))).toEqual([]);
    // Asked once, at start.
    expect(b.getMeCalls).toBe(1);
  });

  it('ignores every command addressed @name when getMe fails (logged once); plain commands still work', async () => {
    const { bot: b, updater: u, lines } = await rig({ getMeFails: true });
    b.say(OPERATOR, '/stop@misso_bot');
    b.say(OPERATOR, '/stop@some_other_bot');
    expect(await ask(b, '/get risk')).toBe('risk = 0.5');
    expect(await ask(b, '/set risk 0.6')).toBe('risk = 0.6 (was 0.5)');
    expect(b.to(OPERATOR)).toEqual(['risk = 0.5', 'risk = 0.6 (was 0.5)']);
    expect(u.phase).toBe('running');
    // Asked again for each addressed command from the operator, and said once as a warning.
    // Asked beside the poll loop: the replies above do not wait for it.
    await waitFor(() => b.getMeCalls >= 3, 'getMe asked for both addressed commands');
    expect(b.getMeCalls).toBe(3);
    const warnings = lines.filter((l) => String(l['msg']).startsWith('telegram getMe failed') && l['level'] === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!['err']).toBe('HTTP 401 Unauthorized');
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });

  it('asks getMe again for an addressed command while the username is unknown: a failed first getMe does not mute /stop@bot for the run', async () => {
    const { bot: b, updater: u } = await rig({ getMeFails: true });
    expect(await ask(b, '/get risk')).toBe('risk = 0.5');
    b.healGetMe();
    expect(await ask(b, '/stop@misso_bot')).toBe('stopping misso');
    await waitFor(() => u.phase === 'stopped', 'the updater to stop');
  });

  it('a command typed after an addressed one that waits for getMe runs after it, in the order typed', async () => {
    const { bot: b, updater: u } = await rig({ getMeFails: true });
    expect(await ask(b, '/get risk')).toBe('risk = 0.5');
    b.healGetMe(400);
    b.say(OPERATOR, '/set@misso_bot risk 0.7');
    b.say(OPERATOR, '/set risk 0.8');
    await waitFor(() => b.to(OPERATOR).length >= 3, 'both replies');
    expect(b.to(OPERATOR).slice(1)).toEqual(['risk = 0.7 (was 0.5)', 'risk = 0.8 (was 0.7)']);
    expect(u.state.get('risk')).toBe(0.8);
  });

  it('an addressed command still waiting for getMe when the interactor closes is not obeyed', async () => {
    const { bot: b, updater: u } = await rig({ getMeFails: true });
    expect(await ask(b, '/get risk')).toBe('risk = 0.5');
    b.healGetMe(2_000);
    const calls = b.getMeCalls;
    b.say(OPERATOR, '/set@misso_bot risk 0.9');
    await waitFor(() => b.getMeCalls > calls, 'getMe asked');
    await u.stop();
    await new Promise((r) => setTimeout(r, 2_500));
    expect(u.state.get('risk')).toBe(0.5);
    expect(b.to(OPERATOR).filter((t) => t.includes('0.9'))).toEqual([]);
  });

  it('skips commands sent while misso was not running', async () => {
    const { bot: b, updater: u } = await rig({ backlog: ['/stop', '/set risk 3'] });
    expect(await ask(b, '/get risk')).toBe('risk = 0.5');
    expect(u.phase).toBe('running');
    expect(b.to(OPERATOR)).toEqual(['risk = 0.5']);
  });

  it('retries a failed poll after 1 s, doubling, and starts over once a poll works', async () => {
    const { bot, clock, lines } = await rig();
    const retries = (): unknown[] => lines.filter((l) => l['msg'] === 'telegram getUpdates failed; retrying').map((l) => l['retryInMs']);
    bot.failPolls(3);
    await waitFor(() => retries().length === 1, 'the first failed poll');
    // Each retry waits on the clock: none comes before its delay has passed.
    await clock.advance(999);
    expect(retries()).toHaveLength(1);
    await clock.advance(1);
    await waitFor(() => retries().length === 2, 'the second failed poll');
    await clock.advance(2000);
    await waitFor(() => retries().length === 3, 'the third failed poll');
    const polls = bot.offsets.length;
    await clock.advance(4000);
    // The fourth poll works; the failure set while it is held is met by the fifth.
    await waitFor(() => bot.offsets.length > polls, 'a poll that works');
    bot.failPolls(1);
    await waitFor(() => retries().length === 4, 'a failure after a poll that worked');
    expect(retries()).toEqual([1000, 2000, 4000, 1000]);
  });

  it('does not poll without activate_interactor', async () => {
    const { bot: b } = await rig({ activate: false });
    await new Promise((r) => setTimeout(r, 200));
    expect(b.offsets).toEqual([]);
  });
});

describe('webhook sink (notify.webhook)', () => {
  it('posts each notification as JSON with the configured headers, retrying a 5xx', async () => {
    const got: { headers: IncomingMessage['headers']; body: unknown }[] = [];
    let failFirst = true;
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (failFirst) {
          failFirst = false;
          res.writeHead(503).end();
          return;
        }
        got.push({ headers: req.headers, body: JSON.parse(body) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    const clock = new VirtualClock(1_700_000_000_000);
    const notifier = createNotifier(
      { telegram: null, webhook: { url, headers: { authorization: 'Bearer hook-secret' } }, dedupeSecs: 300, maxPerMinute: 20 },
      { clock, logger: pino({ level: 'silent' }), queue: { backoffBaseMs: 1000 } },
    );
    try {
      notifier.notify({ text: 'BTC/USD:USD order failed', level: 'error', key: 'order:1' });
      await waitFor(() => clock.pending > 0, 'the retry to be scheduled');
      await clock.advance(1000);
      await waitFor(() => got.length === 1, 'the webhook to receive the notification');
      // `at` is when it was sent: after the one-second retry, in virtual time.
      expect(got[0]!.body).toEqual({ text: 'BTC/USD:USD order failed', level: 'error', key: 'order:1', condition: 'error', at: 1_700_000_001_000, source: 'misso' });
      expect(got[0]!.headers['content-type']).toBe('application/json');
      expect(got[0]!.headers['authorization']).toBe('Bearer hook-secret');
    } finally {
      await notifier.close();
      hook.close();
    }
  });
});

describe('interactor config', () => {
  it('refuses settable attributes that do not exist or belong to the engine, and an interactor without telegram', async () => {
    const { loadConfigObject } = await import('../../src/config/load.js');
    const { configContext } = await import('../../src/engine/config-context.js');
    const { BUILTIN_TASK_KINDS } = await import('../../src/tasks/registry.js');
    const ctx = configContext(new Map(Object.entries(BUILTIN_TASK_KINDS)), { TG: TOKEN });
    const bad = {
      class_attributes: { activate_interactor: true, risk: 1 },
      tasks: { t_update_tickers: { freq: 5 } },
      notify: { telegram: { token: '${TG}', chat_id: 1, settable: ['risk', 'rsik', 'pending_orders'] } },
    };
    const err = await loadConfigObject(bad, ctx).then(() => null, (e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect(err?.message).toContain("notify.telegram.settable[1]: no class attribute named `rsik`");
    expect(err?.message).toContain('did you mean');
    expect(err?.message).toContain('notify.telegram.settable[2]: `pending_orders` is owned by the engine and cannot be set from chat');
    // The seed's own config sets activate_interactor without Telegram: it still loads.
    const seedLike = { class_attributes: { activate_interactor: true }, tasks: { t_update_tickers: { freq: 5 } } };
    await expect(loadConfigObject(seedLike, ctx)).resolves.toBeTruthy();
  });
});
