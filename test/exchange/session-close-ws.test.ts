/**
 * A closed session's exchange instance opens no websocket: a watch call that was still on its
 * way when the session closed (awaiting its listenKey) must not connect afterwards, or its socket
 * and ccxt's keep-alive timer hold the stopped process open for good.
 */
import { ExchangeClosedByUser } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { createExchangeSession, type ManagedExchangeSession } from '../../src/exchange/session.js';
import { DEFAULT_SIM_API_KEY, DEFAULT_SIM_SECRET, startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { deferred, exchangeConfig, until } from './helpers.js';

const BTC = 'BTC/USD:USD';

describe('closing a session while a watch call is under way', () => {
  let server: SimServer;

  beforeAll(async () => {
    server = await startSimServer({ port: 0, seed: 3 });
  });
  afterAll(async () => {
    await server.close();
  });

  async function open(ccxtOptions: Record<string, unknown> = {}): Promise<ManagedExchangeSession> {
    return createExchangeSession({
      config: exchangeConfig({
        id: 'binanceusdm',
        urls: { api: server.url },
        apiKey: DEFAULT_SIM_API_KEY,
        secret: DEFAULT_SIM_SECRET,
        timeoutMs: 2000,
        options: { fetchCurrencies: false, ...ccxtOptions },
      }),
      clock: new SystemClock(),
      logger: silentLogger(),
    });
  }

  /** Settles with what the watch call did, or 'pending' if it did nothing within `ms`. */
  function outcome(watching: Promise<unknown>, ms: number): Promise<unknown> {
    return Promise.race([
      watching.then(() => 'delivered', (error: unknown) => error),
      new Promise((resolve) => setTimeout(() => resolve('pending'), ms)),
    ]);
  }

  it('a watch call that reaches its connection after close() fails, and no socket is left open', async () => {
    const session = await open();
    const instance = session.instance;
    // The user stream's watch call waits on its listenKey (a REST call) before it connects, as it
    // does at every start and restart: the session closes meanwhile.
    const listenKey = deferred();
    const authenticate = instance.authenticate.bind(instance);
    instance.authenticate = (async (params: object) => {
      await listenKey.promise;
      return authenticate(params);
    }) as typeof instance.authenticate;
    const watching = instance.watchOrders();
    expect(Object.keys(instance.clients ?? {})).toEqual([]);

    await session.close();
    listenKey.resolve();

    expect(await outcome(watching, 3000)).toBeInstanceOf(ExchangeClosedByUser);
    expect(Object.keys(instance.clients ?? {})).toEqual([]);
    expect(server.ws.counters.open).toBe(0);
  });

  it('a watch call made on the instance after close() is refused at once', async () => {
    const session = await open();
    const instance = session.instance;
    const before = server.ws.counters.open;
    expect(await outcome(instance.watchTickers([BTC]), 3000)).toBe('delivered');
    expect(server.ws.counters.open).toBe(before + 1);

    await session.close();
    expect(await outcome(instance.watchTicker(BTC), 3000)).toBeInstanceOf(ExchangeClosedByUser);
    expect(Object.keys(instance.clients ?? {})).toEqual([]);
  });

  it('an instance the factory hands back again (a library’s fixed exchange) connects again in the next session', async () => {
    const first = await open();
    const fixed = first.instance;
    await first.close();
    const again = await createExchangeSession({
      config: exchangeConfig({ id: 'binanceusdm', urls: { api: server.url }, timeoutMs: 2000, options: { fetchCurrencies: false } }),
      clock: new SystemClock(),
      logger: silentLogger(),
      factory: async () => fixed,
    });
    expect(again.instance).toBe(fixed);
    expect(await outcome(again.instance.watchTickers([BTC]), 3000)).toBe('delivered');
    await again.close();
  });

  it('closing drops the listenKey keep-alive ccxt armed (its timer held a stopped process open for 20 minutes)', async () => {
    const session = await open({ listenKeyRefreshRate: 100 });
    const instance = session.instance;
    const watching = instance.watchOrders();
    watching.catch(() => undefined);
    // Authenticating once the private client exists; the keep-alive is armed when that ends,
    // before or after the close.
    await until(() => Object.keys(instance.clients ?? {}).length > 0, 2000);
    await session.close();
    const spawned: string[] = [];
    const spawn = instance.spawn.bind(instance);
    instance.spawn = ((method: { name?: string }, ...args: unknown[]) => {
      spawned.push(method.name ?? '?');
      return spawn(method, ...args);
    }) as typeof instance.spawn;
    await new Promise((r) => setTimeout(r, 400));
    expect(spawned).toEqual([]);
  });
});
