import type { Exchange } from 'ccxt';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { exchangeConfig } from '../../src/config/defaults.js';
import { createOperatorSource } from '../../src/engine/operator-source.js';
import { createExchangeFactory } from '../../src/exchange/factory.js';
import { createExchangeSession, type ManagedExchangeSession } from '../../src/exchange/session.js';
import { sendRefusal } from '../../src/http/api-routes.js';
import { ControlRefusal } from '../../src/http/control-refusal.js';
import { StateStore } from '../../src/state/state-store.js';

const SYMBOL = 'BTC/USD:USD';

/** The simulator behind a real session, its fetchOHLCV counted and held until released. */
async function rig() {
  const clock = new VirtualClock(1_700_000_000_000);
  const config = exchangeConfig({ id: 'sim' });
  const base = createExchangeFactory(config, { clock, logger: silentLogger() });
  const counter = { calls: 0, release: (): void => undefined };
  let gate: Promise<void> = Promise.resolve();
  const hold = (): void => {
    gate = new Promise<void>((r) => (counter.release = r));
  };
  const factory = async (): Promise<Exchange> => {
    const ex = await base();
    const fetchOHLCV = ex.fetchOHLCV.bind(ex);
    ex.fetchOHLCV = async (...args: Parameters<Exchange['fetchOHLCV']>) => {
      counter.calls++;
      await gate;
      return fetchOHLCV(...args);
    };
    return ex;
  };
  const session = await createExchangeSession({ config, clock, logger: silentLogger(), factory });
  const source = createOperatorSource({
    state: new StateStore({ watch_list: [SYMBOL] }, clock),
    clock,
    orders: () => null,
    journal: () => null,
    exchange: () => session.exchange,
    session: () => session,
    stop: () => undefined,
    restartExchange: async () => undefined,
    hidden: new Set(),
  });
  return { clock, session, source, counter, hold };
}

let open: ManagedExchangeSession | null = null;
afterEach(async () => {
  await open?.close();
  open = null;
});

async function refusalOf(p: Promise<unknown>): Promise<ControlRefusal> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ControlRefusal);
  return error as ControlRefusal;
}

describe("the operator's candle reads never starve the strategy", () => {
  it('20 concurrent identical requests make 1 exchange call, at the lowest priority; the answer is served again for a few seconds', async () => {
    const { clock, session, source, counter, hold } = await rig();
    open = session;
    const marketBefore = session.budget.stats().byPriority.market.granted;
    hold();
    const answers = Array.from({ length: 20 }, () => source.candles(SYMBOL, '1m', 100));
    await new Promise((r) => setImmediate(r));
    counter.release();
    const rows = await Promise.all(answers);
    expect(counter.calls).toBe(1);
    expect(rows[0]!.length).toBeGreaterThan(0);
    for (const r of rows) expect(r).toEqual(rows[0]);
    const budget = session.budget.stats().byPriority;
    expect(budget.operator.granted).toBe(1);
    expect(budget.market.granted).toBe(marketBefore);

    // From memory while it is fresh (not past the minute's candle: the clock starts on a minute's 20th second).
    await clock.advance(3_000);
    await source.candles(SYMBOL, '1m', 100);
    expect(counter.calls).toBe(1);
    // A different request is a different read.
    await source.candles(SYMBOL, '1m', 50);
    expect(counter.calls).toBe(2);
    await clock.advance(5_000);
    await source.candles(SYMBOL, '1m', 100);
    expect(counter.calls).toBe(3);
  });

  it('an answer is not served past the end of its candle', async () => {
    const { clock, session, source, counter } = await rig();
    open = session;
    // 1 s before a minute ends: the next request after it asks the exchange again.
    await clock.advance(60_000 - (clock.now() % 60_000) - 1_000);
    await source.candles(SYMBOL, '1m', 100);
    await clock.advance(1_500);
    await source.candles(SYMBOL, '1m', 100);
    expect(counter.calls).toBe(2);
  });

  it('is refused 503 with Retry-After, not queued, while the strategy needs the budget (its calls waiting, or the window half used)', async () => {
    const { session, source, counter } = await rig();
    open = session;
    const budget = session.budget;
    // The strategy's market data took most of the window.
    await budget.acquire('market', Math.ceil(budget.capacity * 0.6));
    const refused = await refusalOf(source.candles(SYMBOL, '1m', 100));
    expect(refused.status).toBe(503);
    expect(refused.retryAfterSecs).toBeGreaterThanOrEqual(1);
    expect(refused.message).toMatch(/rate budget is kept for the strategy/);
    // With the strategy's calls waiting (the window full), likewise.
    const waiting = budget.acquire('market', budget.capacity);
    expect(budget.waiting).toBe(1);
    expect((await refusalOf(source.candles(SYMBOL, '1m', 100))).status).toBe(503);
    expect(counter.calls).toBe(0);
    expect(budget.stats().byPriority.operator.waiting).toBe(0);
    budget.close();
    await waiting.catch(() => undefined);
  });

  it('is refused 503 with the pause as Retry-After during a rate-limit pause', async () => {
    const { session, source, counter } = await rig();
    open = session;
    session.budget.penalize({ kind: 'rate_limit', retryAfterMs: 30_000 });
    const refused = await refusalOf(source.candles(SYMBOL, '1m', 100));
    expect(refused.status).toBe(503);
    expect(refused.retryAfterSecs).toBe(30);
    expect(counter.calls).toBe(0);
  });

  it('refuses a third different read while two are out (429), and answers the same read from the one under way', async () => {
    const { session, source, counter, hold } = await rig();
    open = session;
    hold();
    const a = source.candles(SYMBOL, '1m', 100);
    const b = source.candles(SYMBOL, '5m', 100);
    await new Promise((r) => setImmediate(r));
    const refused = await refusalOf(source.candles(SYMBOL, '15m', 100));
    expect(refused.status).toBe(429);
    expect(refused.retryAfterSecs).toBe(1);
    const again = source.candles(SYMBOL, '5m', 100);
    counter.release();
    await Promise.all([a, b, again]);
    expect(counter.calls).toBe(2);
  });

  it('a refusal that gives a wait is sent with Retry-After', async () => {
    const app = Fastify();
    app.get('/x', async (_req, reply) => sendRefusal(reply, new ControlRefusal('busy', 503, null, 7)));
    const res = await app.inject({ method: 'GET', url: '/x' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.json()).toEqual({ error: 'busy', field: null });
    await app.close();
  });
});
