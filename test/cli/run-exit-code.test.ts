import { afterEach, describe, expect, it } from 'vitest';
import { RUN_EXIT } from '../../src/cli/exit-codes.js';
import { notStartedMessage, runExitCode } from '../../src/cli/run-exit-code.js';
import type { Updater } from '../../src/engine/updater.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

// `misso run` exits 3 when `orders.on_stop: cancel_all` could not confirm every order of ours
// cancelled (the exchange kept failing through the stop's budget, or an order whose placement is
// still unknown may rest there unseen), 0 when it could.
let updater: Updater | null = null;
afterEach(async () => {
  await updater?.stop();
  updater = null;
});

async function stopWithRestingOrder(mode: 'ok' | 'failing' | 'lost'): Promise<Updater> {
  let sim: ReturnType<typeof createSimExchange> | null = null;
  const built = await virtualUpdater(
    {
      class_attributes: { watch_list: ['BTC/USD:USD'], last_price: {} },
      shared_attributes: { pending_orders: { modul: 'queue', function: 'Queue' } },
      tasks: { t_update_tickers: { freq: 10, max_age_secs: 3600 }, t_execute_orders: { freq: 5 } },
      orders: { on_stop: 'cancel_all' },
    },
    { exchangeFactory: () => Promise.resolve((sim ??= createSimExchange({ seed: 7 }, { clock: built.clock }))) },
  );
  const { clock } = built;
  const u = (updater = built.updater);
  await startVirtual(u, clock);
  const price = Math.round(u.state.get<Record<string, number>>('last_price')['BTC/USD:USD']! * 0.8);
  if (mode === 'lost') {
    // createOrder's answer is lost, the exchange hides the order past the stop's resolve wait,
    // and the cancel by client id fails too: the order may rest there.
    sim!.setKnobs({
      visibility_delay_ms: 600_000,
      faults: [
        { kind: 'timeout_after', methods: ['createOrder'], calls: [1, 1] },
        { kind: 'exchange_not_available', probability: 1, methods: ['cancelOrder'] },
      ],
    });
  }
  const order = u.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01, price });
  await advanceWithIo(clock, () => (mode === 'lost' ? order.attempts > 0 : order.status === 'open'), 30_000);
  if (mode === 'failing') {
    sim!.setKnobs({ faults: [{ kind: 'exchange_not_available', probability: 1, methods: ['cancelOrder', 'fetchOrder', 'fetchOpenOrders'] }] });
  }
  let stopped = false;
  void u.stop().then(() => (stopped = true));
  await advanceWithIo(clock, () => stopped, 600_000, 1_000);
  return u;
}

describe('misso run exit code after an on_stop cancel_all', () => {
  it('is 3 when the exchange kept failing and the order could not be confirmed cancelled', async () => {
    const u = await stopWithRestingOrder('failing');
    expect(u.stopReport?.cancel?.remaining).toHaveLength(1);
    expect(runExitCode(u, { stateLost: false, forEndedStart: false })).toBe(RUN_EXIT.ordersLeftOpen);
    expect(RUN_EXIT.ordersLeftOpen).toBe(3);
  });

  it('is 3 when an order whose placement is unknown may rest on the exchange', async () => {
    const u = await stopWithRestingOrder('lost');
    expect(u.stopReport).toMatchObject({ unresolved: 1, cancel: { remaining: [], unconfirmed: null } });
    expect(runExitCode(u, { stateLost: false, forEndedStart: false })).toBe(RUN_EXIT.ordersLeftOpen);
  });

  it('is 0 when every order was cancelled and confirmed', async () => {
    const u = await stopWithRestingOrder('ok');
    expect(u.stopReport?.cancel).toMatchObject({ canceled: 1, remaining: [], unconfirmed: null });
    expect(runExitCode(u, { stateLost: false, forEndedStart: false })).toBe(RUN_EXIT.done);
  });
});

describe('misso run exit code and words when the start was never done', () => {
  const stopped = { phase: 'stopped' as const, stopReport: null };
  const binance = (urls: Record<string, unknown> | null) => ({ exchange: { id: 'binanceusdm', urls } }) as unknown as Parameters<typeof notStartedMessage>[0]['config'];

  it('is 1 when --for ran out before misso reached running, 0 for a run that reached it, 1 when the state was lost', () => {
    expect(runExitCode(stopped, { stateLost: false, forEndedStart: true })).toBe(RUN_EXIT.fault);
    expect(runExitCode(stopped, { stateLost: false, forEndedStart: false })).toBe(RUN_EXIT.done);
    expect(runExitCode(stopped, { stateLost: true, forEndedStart: false })).toBe(RUN_EXIT.fault);
  });

  it('names the last error, the server to check and the key pointing at it', () => {
    const text = notStartedMessage({
      config: binance({ api: 'http://127.0.0.1:8555' }),
      configPath: 'examples/binanceusdm-local.yaml',
      lastError: 'binanceusdm GET http://127.0.0.1:8555/fapi/v1/exchangeInfo fetch failed: connect ECONNREFUSED 127.0.0.1:8555',
      stoppedBy: '--for 10',
    });
    expect(text).toBe(
      'misso: never reached running: the exchange binanceusdm was unreachable (the start was still retrying when --for 10 stopped it; ' +
        'last error: binanceusdm GET http://127.0.0.1:8555/fapi/v1/exchangeInfo fetch failed: connect ECONNREFUSED 127.0.0.1:8555)\n' +
        'misso: next: is the server at http://127.0.0.1:8555 up (for the simulated exchange: misso sim-server --port 8555), ' +
        'and is exchange.urls in examples/binanceusdm-local.yaml the right URL?',
    );
  });

  it('finds the URL inside a map of urls, and without urls points at the network', () => {
    const nested = notStartedMessage({ config: binance({ api: { public: 'https://proxy.example:8443/x', private: 'https://proxy.example:8443/y' } }), configPath: 'c.yaml', lastError: 'ETIMEDOUT', stoppedBy: 'SIGINT' });
    expect(nested).toContain('next: is the server at https://proxy.example:8443 up, and is exchange.urls in c.yaml the right URL?');
    const real = notStartedMessage({ config: binance(null), configPath: 'c.yaml', lastError: 'ETIMEDOUT', stoppedBy: 'SIGINT' });
    expect(real).toContain('(the start was still retrying when SIGINT stopped it; last error: ETIMEDOUT)');
    expect(real).toContain('next: check that this machine reaches binanceusdm');
  });

  it('words the error by its kind: a rate limit or a clock off is no unreachable exchange', () => {
    const n = { config: binance({ api: 'http://127.0.0.1:8555' }), configPath: 'c.yaml', stoppedBy: '--for 10' };
    const limited = notStartedMessage({ ...n, lastError: 'binanceusdm 429 Too Many Requests', lastErrorKind: 'rate_limit' });
    expect(limited).toBe(
      "misso: never reached running: the exchange binanceusdm refused the start's requests as too many (rate limited; the start was still retrying when --for 10 stopped it; last error: binanceusdm 429 Too Many Requests)\n" +
        'misso: next: wait until the exchange lifts the limit (a 418 ban can last hours), check that nothing else uses this API key or IP, then run again',
    );
    const skewed = notStartedMessage({ ...n, lastError: "Timestamp for this request is outside of the recvWindow", lastErrorKind: 'nonce' });
    expect(skewed).toContain("the exchange binanceusdm refused the requests' timestamps: this machine's clock is off");
    expect(skewed).toContain("next: sync this machine's clock");
    for (const text of [limited, skewed]) expect(text).not.toContain('unreachable');
    expect(notStartedMessage({ ...n, lastError: 'ECONNREFUSED', lastErrorKind: 'retryable' })).toContain('the exchange binanceusdm was unreachable');
    expect(notStartedMessage({ ...n, lastError: 'TypeError: x', lastErrorKind: 'unknown' })).toContain('the exchange binanceusdm could not be used: its calls kept failing');
  });

  it('without an error, says what stopped the start (and --for that it may be too short)', () => {
    const early = notStartedMessage({ config: binance(null), configPath: 'c.yaml', lastError: null, stoppedBy: '--for 1' });
    expect(early).toBe(
      'misso: never reached running: --for 1 stopped it before the start was done; give --for more seconds if the exchange answers slowly',
    );
    expect(notStartedMessage({ config: binance(null), configPath: 'c.yaml', lastError: null, stoppedBy: 'SIGINT' })).toBe(
      'misso: never reached running: SIGINT stopped it before the start was done',
    );
  });

  it("names the init update's own failure, a helper's error, instead of blaming a slow exchange (review 26, seed F4)", () => {
    const lastError = 'c.yaml:10:7: tasks.t_init_update.subtasks.s0: ./my.mjs.boom failed: helper exploded';
    const text = notStartedMessage({ config: binance(null), configPath: 'c.yaml', lastError: null, stoppedBy: '--for 6', initFailure: { failures: 3, lastError } });
    expect(text).toBe(
      `misso: never reached running: the init update failed 3 times before --for 6 stopped it; last error: ${lastError}\n` +
        "misso: next: fix what that error names (a subtask's helper and its line in c.yaml), then run again",
    );
    expect(text).not.toContain('answers slowly');
  });
});
