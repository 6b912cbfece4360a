import ccxt, { type Exchange } from 'ccxt';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/logger.js';
import { VirtualClock } from '../../src/core/clock.js';
import { StoppedError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { errorKind } from '../../src/exchange/classify.js';
import { instrumentHttpErrors } from '../../src/exchange/http-error-info.js';
import { createExchangeSession, type ManagedExchangeSession } from '../../src/exchange/session.js';
import { binanceFixture, hang, json, SYMBOL, tickerBody, type BinanceFixture, type SeenRequest } from './binance-fixture.js';
import { deferred, exchangeConfig, settle, settleTimers, until } from './helpers.js';

interface Rig {
  clock: VirtualClock;
  session: ManagedExchangeSession;
  fixtures: BinanceFixture[];
  /** Answers every non-default request of every instance, current and future. */
  handle: (req: SeenRequest) => Response | Promise<Response>;
  /** Answers every instance's exchangeInfo while it returns a response (see BinanceFixture.info). */
  info?: (req: SeenRequest) => Response | undefined;
}

/**
 * A virtual clock that also keeps every wait asked of it, in order: what a loop asked to sleep
 * does not depend on how fast the machine settles promise chains between virtual-time steps.
 */
class RecordingClock extends VirtualClock {
  readonly sleeps: number[] = [];
  override sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    this.sleeps.push(ms);
    return super.sleep(ms, signal);
  }
}

async function rig(options: { capacity?: number; factoryFailures?: number; drainTimeoutMs?: number; clock?: VirtualClock; logger?: Logger } = {}): Promise<Rig> {
  const clock = options.clock ?? new VirtualClock();
  let failures = options.factoryFailures ?? 0;
  const r: Partial<Rig> & { fixtures: BinanceFixture[]; handle: Rig['handle'] } = {
    clock,
    fixtures: [],
    handle: () => json(tickerBody()),
  };
  const factory = async (): Promise<Exchange> => {
    if (r.fixtures.length > 0 && failures > 0) {
      failures--;
      throw new ccxt.ExchangeNotAvailable('still down');
    }
    const f = binanceFixture();
    f.handle = (req) => r.handle(req);
    f.info = (req) => r.info?.(req);
    instrumentHttpErrors(f.exchange, () => clock.now());
    r.fixtures.push(f);
    return f.exchange;
  };
  r.session = await createExchangeSession({
    config: exchangeConfig({
      id: 'binanceusdm',
      rateBudget: { capacity: options.capacity ?? 100, windowMs: 1000, enabled: true },
    }),
    clock,
    logger: options.logger ?? silentLogger(),
    factory,
    ...(options.drainTimeoutMs !== undefined ? { drainTimeoutMs: options.drainTimeoutMs } : {}),
  });
  return r as Rig;
}

const requestsTo = (f: BinanceFixture | undefined, path: string): number =>
  f?.requests.filter((q) => q.path === path).length ?? 0;

const TICKER = '/fapi/v1/ticker/24hr';

/** Starts `session.close()`; `done()` says whether it has resolved by the time it is asked. */
function closing(session: ManagedExchangeSession): { done: () => boolean; closed: Promise<void> } {
  let done = false;
  const closed = session.close().then(() => void (done = true));
  return { done: () => done, closed };
}

describe('ExchangeSession proxy', () => {
  it('loads markets at open and reads properties through to the instance', async () => {
    const { session, fixtures } = await rig();
    const ex = session.exchange;
    expect(requestsTo(fixtures[0], '/fapi/v1/exchangeInfo')).toBe(1);
    expect(ex.id).toBe('binanceusdm');
    expect(ex.symbols).toEqual([SYMBOL]);
    expect(ex.market(SYMBOL).id).toBe('BTCUSDT');
    expect(ex.has['fetchTickers']).toBe(true);
    expect(ex instanceof ccxt.Exchange).toBe(true);
    expect('fetchTicker' in ex).toBe(true);
    // Repeated reads of a method give the same function: cheap on the hot path.
    expect(ex.fetchTicker).toBe(ex.fetchTicker);
  });

  it('serves a reassigned helper, not a stale binding', async () => {
    const { session } = await rig();
    const first = session.exchange.amountToPrecision;
    expect(session.exchange.amountToPrecision).toBe(first);
    session.exchange.amountToPrecision = () => 'patched';
    expect(session.exchange.amountToPrecision(SYMBOL, 1)).toBe('patched');
  });

  it('fails to open, closing what it built, when markets cannot be loaded', async () => {
    const fixture = binanceFixture();
    const error = await createExchangeSession({
      config: exchangeConfig({ id: 'binanceusdm' }),
      clock: new VirtualClock(),
      logger: silentLogger(),
      factory: () => {
        const ex = fixture.exchange;
        (ex as unknown as { fetchImplementation: unknown }).fetchImplementation = () => Promise.resolve(new Response('', { status: 503 }));
        return Promise.resolve(ex);
      },
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ccxt.ExchangeNotAvailable);
    expect(errorKind(error)).toBe('retryable');
  });

  it('sends calls through the budget with their priority and weight', async () => {
    const r = await rig({ capacity: 100 });
    const { session } = r;
    r.handle = (req) => json(req.query.get('symbol') ? tickerBody() : [tickerBody()]);
    const ticker = await session.exchange.fetchTicker(SYMBOL);
    expect(ticker.last).toBe(50000);
    await session.exchange.fetchTickers();
    const stats = session.stats();
    expect(stats.calls).toMatchObject({ loadMarkets: 1, fetchTicker: 1, fetchTickers: 1 });
    expect(stats.budget.byPriority.market.grantedWeight).toBe(1 + 1 + 40);
    expect(session.budget.used()).toBe(42);
    // loadMarkets answered from memory costs nothing.
    await session.exchange.loadMarkets();
    expect(session.budget.used()).toBe(42);
    // Synchronous helpers are not calls; implicit endpoint methods are.
    expect(session.exchange.amountToPrecision(SYMBOL, 0.01234)).toBe('0.012');
    const implicit = session.exchange as unknown as { fapiPrivatePostOrder: (p: object) => Promise<unknown> };
    await implicit.fapiPrivatePostOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01' });
    const after = session.stats();
    expect(Object.keys(after.calls).sort()).toEqual(['fapiPrivatePostOrder', 'fetchTicker', 'fetchTickers', 'loadMarkets']);
    expect(after.budget.byPriority.order.granted).toBe(1);
  });

  it('makes callers wait for the budget in virtual time', async () => {
    const { session, clock, fixtures } = await rig({ capacity: 2 });
    await clock.advance(1000);
    const calls = [0, 1, 2, 3].map(() => session.exchange.fetchTicker(SYMBOL));
    await settle();
    expect(requestsTo(fixtures[0], '/fapi/v1/ticker/24hr')).toBe(2);
    await clock.advance(1000);
    await Promise.all(calls);
    expect(requestsTo(fixtures[0], '/fapi/v1/ticker/24hr')).toBe(4);
    expect(session.budget.maxObservedInWindow).toBe(2);
  });

  it('rethrows the original ccxt error with its kind, and pauses the budget on a 429', async () => {
    const r = await rig();
    r.handle = () => json({ code: -1003, msg: 'Too many requests' }, 429, { 'Retry-After': '7' });
    const error = await r.session.exchange.fetchTicker(SYMBOL).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ccxt.DDoSProtection);
    expect(errorKind(error)).toBe('rate_limit');
    expect(r.session.stats().errors.rate_limit).toBe(1);
    expect(r.session.budget.stats().pausedUntil).toBe(r.clock.now() + 7000);
    // Orders still go out; market data waits out the pause.
    r.handle = () => json(tickerBody());
    const market = r.session.exchange.fetchTicker(SYMBOL);
    let marketDone = false;
    void market.then(() => (marketDone = true));
    await r.session.exchange.cancelOrder('1', SYMBOL).catch(() => undefined);
    expect(marketDone).toBe(false);
    await r.clock.advance(7000);
    await market;
  });

  it('stops everything on a 418 ban', async () => {
    const r = await rig();
    r.handle = () => json({ code: -1003, msg: 'Way too many requests; IP banned until soon.' }, 418, { 'Retry-After': '60' });
    await r.session.exchange.fetchTicker(SYMBOL).catch(() => undefined);
    expect(r.session.budget.stats().bannedUntil).toBe(r.clock.now() + 60_000);
    let sent = false;
    const order = r.session.exchange
      .cancelOrder('1', SYMBOL)
      .catch(() => undefined)
      .finally(() => (sent = true));
    await settle();
    expect(sent).toBe(false);
    await r.clock.advance(60_000);
    await order;
    expect(sent).toBe(true);
  });

  it('resyncs the clock once on InvalidNonce and still throws the error', async () => {
    const r = await rig();
    r.handle = () => json({ code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' }, 400);
    const results = await Promise.allSettled([r.session.exchange.fetchBalance(), r.session.exchange.fetchBalance()]);
    expect(results.every((x) => x.status === 'rejected' && x.reason instanceof ccxt.InvalidNonce)).toBe(true);
    expect(requestsTo(r.fixtures[0], '/fapi/v1/time')).toBeGreaterThanOrEqual(1);
    expect(r.session.stats().resyncs.ok).toBeGreaterThanOrEqual(1);
    expect(r.session.stats().errors.nonce).toBe(2);
  });

  it('never retries: one createOrder call is one request, whatever the error', async () => {
    const r = await rig();
    r.handle = () => new Response('', { status: 503 });
    await r.session.exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, 40000).catch(() => undefined);
    expect(requestsTo(r.fixtures[0], '/fapi/v1/order')).toBe(1);
    expect(r.session.stats().errors.retryable).toBe(1);
  });
});

describe('ExchangeSession restart', () => {
  it('closes the gate, drains calls in flight, rebuilds, runs hooks, then lets waiting calls through', async () => {
    const r = await rig();
    const events: string[] = [];
    const slow = deferred();
    r.handle = async (req) => {
      if (req.query.get('symbol') === 'BTCUSDT' && events.length === 0) {
        events.push('slow call reached the server');
        await slow.promise;
      }
      return json(tickerBody());
    };
    const proxy = r.session.exchange;
    const inFlight = proxy.fetchTicker(SYMBOL).then(() => events.push('slow call done'));
    await until(() => events.length === 1);
    expect(r.session.inFlight).toBe(1);
    r.session.onReopen(async () => {
      events.push('hook');
      // Hooks reconcile through the proxy while the gate is closed.
      await proxy.fetchTicker(SYMBOL);
    });
    const restarted = r.session.restart().then(() => events.push('reopened'));
    expect(r.session.restarting).toBe(true);
    const late = proxy.fetchTicker(SYMBOL).then(() => events.push('late call done'));
    await settleTimers();
    expect(r.fixtures.length).toBe(1);
    expect(events).toEqual(['slow call reached the server']);
    slow.resolve();
    await Promise.all([inFlight, restarted, late]);
    expect(events).toEqual(['slow call reached the server', 'slow call done', 'hook', 'reopened', 'late call done']);
    expect(r.session.restarting).toBe(false);
    expect(r.fixtures.length).toBe(2);
    expect(r.session.instance).toBe(r.fixtures[1]?.exchange);
    expect(proxy).toBe(r.session.exchange);
    expect(requestsTo(r.fixtures[1], '/fapi/v1/exchangeInfo')).toBe(1);
    expect(requestsTo(r.fixtures[1], '/fapi/v1/ticker/24hr')).toBe(2);
    expect(r.session.stats().restarts).toBe(1);
  });

  it('gives up waiting for a stuck call after drainTimeoutMs', async () => {
    const r = await rig({ drainTimeoutMs: 5000 });
    r.handle = () => new Promise<Response>(() => undefined);
    void r.session.exchange.fetchTicker(SYMBOL).catch(() => undefined);
    await until(() => r.fixtures[0]?.requests.some((q) => q.path === '/fapi/v1/ticker/24hr') === true);
    let done = false;
    const restarted = r.session.restart().then(() => (done = true));
    await r.clock.advance(4999);
    await settleTimers();
    expect(done).toBe(false);
    expect(r.fixtures.length).toBe(1);
    await r.clock.advance(1);
    await restarted;
    expect(r.fixtures.length).toBe(2);
  });

  it('a rebuild meeting a 418 ban or a 429 waits it out in the budget instead of retrying through it (review 26, bad day F1)', async () => {
    for (const [status, retryAfter, stat] of [[418, '60', 'bannedUntil'], [429, '30', 'pausedUntil']] as const) {
      const r = await rig();
      const answered: number[] = [];
      const limited = (): Response => json({ code: -1003, msg: status === 418 ? 'Way too many requests; IP banned until soon.' : 'Too many requests.' }, status, { 'Retry-After': retryAfter });
      const endsAt = r.clock.now() + Number(retryAfter) * 1000;
      r.info = () => {
        answered.push(r.clock.now());
        return r.clock.now() < endsAt ? limited() : undefined;
      };
      let done = false;
      const restarted = r.session.restart().then(() => (done = true));
      await r.clock.advanceUntil(() => answered.length > 0, 5_000, 50);
      await r.clock.advance(1_000);
      // The budget holds the exchange's pause, as when a task's call meets it.
      expect(r.session.budget.stats()[stat], `${status}`).toBe(answered[0]! + Number(retryAfter) * 1000);
      await r.clock.advanceUntil(() => done, 120_000, 250);
      await restarted;
      // One request met the limit; the next went out once it had ended, and the rebuild worked.
      expect(answered.filter((t) => t < endsAt), `${status}`).toHaveLength(1);
      expect(answered.filter((t) => t >= endsAt)).toHaveLength(1);
      expect(r.session.stats().errors.rate_limit).toBe(1);
      await r.session.close();
    }
  });

  it("a stop's end of waiting on pauses ends a rebuild waiting out a ban, counted as no failure (review 26 of the diff, #8)", async () => {
    const r = await rig();
    r.info = () => json({ code: -1003, msg: 'Way too many requests; IP banned until soon.' }, 418, { 'Retry-After': '3600' });
    let ended: unknown = null;
    const restarted = r.session.restart().then(() => (ended = 'done'), (e: unknown) => (ended = e));
    await r.clock.advanceUntil(() => r.session.budget.stats().bannedUntil > 0, 10_000, 50);
    await r.clock.advance(10_000);
    const built = r.fixtures.length;
    r.session.budget.stopWaitingOnPauses();
    await r.clock.advanceUntil(() => ended !== null, 5_000, 100);
    await restarted;
    expect(ended).toBeInstanceOf(StoppedError);
    // No instance built after it, and only the ban counted as a failure.
    expect(r.fixtures.length).toBe(built);
    expect(r.session.stats().errors).toMatchObject({ rate_limit: 1, unknown: 0 });
    await r.session.close();
  });

  it("a rebuild failing for long logs the 1st, 2nd, 4th and 8th failure, then one line a minute, then one line it worked (review 26, bad day F5)", async () => {
    const lines: { msg: string; failures?: number; failingForMs?: number; failedTries?: number }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) });
    const r = await rig({ factoryFailures: 20, logger });
    let done = false;
    const restarted = r.session.restart().then(() => (done = true));
    await r.clock.advanceUntil(() => done, 900_000, 500);
    await restarted;
    const failing = lines.filter((l) => l.msg.startsWith('restart: rebuilding the exchange failed'));
    expect(failing.slice(0, 4).map((l) => l.failures)).toEqual([1, 2, 4, 8]);
    // 20 failures over several minutes (the backoff's cap is 30 s): far fewer lines than tries.
    expect(failing.length).toBeLessThan(12);
    for (let i = 4; i < failing.length; i++) expect(failing[i]!.failingForMs! - failing[i - 1]!.failingForMs!).toBeGreaterThanOrEqual(60_000);
    expect(lines.filter((l) => l.msg === 'restart: the exchange could be rebuilt again').map((l) => l.failedTries)).toEqual([20]);
  });

  it('retries a failing rebuild with backoff until it works', async () => {
    const clock = new RecordingClock();
    const r = await rig({ factoryFailures: 2, clock });
    let done = false;
    const started = r.clock.now();
    clock.sleeps.length = 0;
    const restarted = r.session.restart().then(() => (done = true));
    await settle();
    expect(done).toBe(false);
    await r.clock.advanceUntil(() => done, 60_000, 50);
    await restarted;
    // Two failures: waits of 500 ms, then 1000 ms, and no third one. The waits asked for are
    // exact; the virtual time that passed is only bounded below, since it also counts the steps
    // taken while ccxt's own real timers (close()) ran, which a busy machine makes more of.
    expect(clock.sleeps.filter((ms) => ms >= 500)).toEqual([500, 1000]);
    expect(r.clock.now() - started).toBeGreaterThanOrEqual(1500);
    expect(r.fixtures.length).toBe(2);
  });

  it('joins concurrent restarts, and an aborted restart reopens the gate', async () => {
    const r = await rig({ factoryFailures: 1000 });
    const ac = new AbortController();
    const a = r.session.restart({ signal: ac.signal });
    const b = r.session.restart();
    expect(b).toBe(a);
    await r.clock.advance(2000);
    ac.abort();
    await expect(a).rejects.toBeInstanceOf(StoppedError);
    expect(r.session.restarting).toBe(false);
  });

  it('waitOpen resolves on reopen, or early on abort', async () => {
    const r = await rig({ factoryFailures: 1 });
    const restarted = r.session.restart();
    const ac = new AbortController();
    let early = false;
    const aborted = r.session.waitOpen(ac.signal).then(() => (early = true));
    let opened = false;
    const waited = r.session.waitOpen().then(() => (opened = true));
    ac.abort();
    await aborted;
    expect(early).toBe(true);
    expect(opened).toBe(false);
    await r.clock.advanceUntil(() => opened, 10_000, 50);
    await Promise.all([restarted, waited]);
    expect(r.session.restarting).toBe(false);
  });
});

describe('ExchangeSession close', () => {
  it('is idempotent, rejects queued and later calls, and answers a sent read StoppedError', async () => {
    const r = await rig({ capacity: 1 });
    await r.clock.advance(1000);
    const release = deferred();
    r.handle = async () => {
      await release.promise;
      return json(tickerBody());
    };
    const sent = r.session.exchange.fetchTicker(SYMBOL);
    sent.catch(() => undefined);
    const queued = r.session.exchange.fetchTicker(SYMBOL);
    queued.catch(() => undefined);
    await settle();
    const closing = r.session.close();
    expect(r.session.close()).toBe(closing);
    await expect(queued).rejects.toBeInstanceOf(StoppedError);
    await expect(r.session.exchange.fetchTicker(SYMBOL)).rejects.toBeInstanceOf(StoppedError);
    await closing;
    await expect(sent).rejects.toBeInstanceOf(StoppedError);
    // Its late answer changes nothing.
    release.resolve();
    await settle();
    await expect(r.session.restart()).rejects.toBeInstanceOf(StoppedError);
  });

  it('waits for a write in flight, whose answer is journaled, but not for a read', async () => {
    const r = await rig();
    const release = deferred();
    r.handle = async (req) => {
      if (req.path !== '/fapi/v1/order') return hang(req);
      await release.promise;
      return json({ orderId: 7, symbol: 'BTCUSDT', status: 'NEW', clientOrderId: 'c7', price: '49000', origQty: '0.001', executedQty: '0', type: 'LIMIT', side: 'BUY', updateTime: r.clock.now() });
    };
    let readError: unknown;
    const read = r.session.exchange.fetchTicker(SYMBOL).catch((err: unknown) => (readError = err));
    const write = r.session.exchange.createOrder(SYMBOL, 'limit', 'buy', 0.001, 49000);
    await until(() => requestsTo(r.fixtures[0], '/fapi/v1/order') + requestsTo(r.fixtures[0], TICKER) === 2);
    const close = closing(r.session);
    await r.clock.advance(1_000);
    await settleTimers();
    expect(close.done()).toBe(false);
    // The read is answered at once, while the write is still waited for.
    expect(readError).toBeInstanceOf(StoppedError);
    release.resolve();
    await expect(write).resolves.toMatchObject({ id: '7', status: 'open' });
    await close.closed;
    // The read, still hung, was not waited for: it is answered StoppedError at the close, not at
    // ccxt's timeout after everything closed.
    await read;
    expect(r.session.inFlight).toBe(0);
  });

  it('closes at once with only a read hung in flight', async () => {
    const r = await rig({ drainTimeoutMs: 20_000 });
    r.handle = hang;
    const read = r.session.exchange.fetchTicker(SYMBOL).catch((err: unknown) => err);
    await until(() => requestsTo(r.fixtures[0], TICKER) > 0);
    const close = closing(r.session);
    await settleTimers();
    expect(close.done()).toBe(true);
    await close.closed;
    expect(await read).toBeInstanceOf(StoppedError);
    // Not counted as the exchange's failure.
    expect(Object.values(r.session.stats().errors).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it("does not wait for a restart's reconciliation hung on a read", async () => {
    const r = await rig({ drainTimeoutMs: 100 });
    r.handle = hang;
    let hookError: unknown;
    r.session.onReopen(async () => {
      await r.session.exchange.fetchTicker(SYMBOL).catch((err: unknown) => {
        hookError = err;
        throw err;
      });
    });
    const restarted = r.session.restart().catch(() => undefined);
    // The restart closes the old instance first, and ccxt's close() waits on a real timer.
    for (let i = 0; i < 100 && requestsTo(r.fixtures[1], TICKER) === 0; i++) await settleTimers();
    expect(requestsTo(r.fixtures[1], TICKER)).toBe(1);
    const close = closing(r.session);
    await settleTimers();
    expect(close.done()).toBe(true);
    await close.closed;
    await restarted;
    expect(hookError).toBeInstanceOf(StoppedError);
  });

  it('answers many reads in flight at the close without a listener-leak warning', async () => {
    const r = await rig();
    r.handle = hang;
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const reads = Array.from({ length: 30 }, () => r.session.exchange.fetchTicker(SYMBOL).catch((err: unknown) => err));
      await until(() => requestsTo(r.fixtures[0], TICKER) === 30);
      await r.session.close();
      for (const outcome of await Promise.all(reads)) expect(outcome).toBeInstanceOf(StoppedError);
      await settle();
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('rejects calls waiting at a closed gate', async () => {
    const r = await rig({ factoryFailures: 1000 });
    const restarted = r.session.restart();
    const waiting = r.session.exchange.fetchTicker(SYMBOL).catch((err: unknown) => err);
    const restartError = restarted.catch((err: unknown) => err);
    await settle();
    await r.session.close();
    expect(await waiting).toBeInstanceOf(StoppedError);
    expect(await restartError).toBeInstanceOf(StoppedError);
  });
});

describe('ExchangeSession on the simulator', () => {
  it('opens with the default factory and keeps the venue across a restart', async () => {
    const clock = new VirtualClock();
    const session = await createExchangeSession({ config: exchangeConfig({ sim: { seed: 11 } }), clock, logger: silentLogger() });
    const ex = session.exchange;
    const symbol = ex.symbols.find((s) => s.endsWith(':USD')) ?? '';
    const last = (await ex.fetchTicker(symbol)).last ?? 0;
    const price = Number(ex.priceToPrecision(symbol, last * 0.8));
    const order = await ex.createOrder(symbol, 'limit', 'buy', Number(ex.amountToPrecision(symbol, 50 / price)), price);
    const before = session.instance;
    await session.restart();
    expect(session.instance).not.toBe(before);
    const open = await ex.fetchOpenOrders(symbol);
    expect(open.map((o) => o.id)).toContain(order.id);
    expect(session.stats().budget.byPriority.order.granted).toBe(1);
    expect(session.stats().budget.byPriority.status.granted).toBe(1);
    await session.close();
  });
});
