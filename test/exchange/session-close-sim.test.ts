/**
 * The in-process sim's closed instance opens no stream connection either: after a restart a
 * stream loop may still call the old instance (it is `session.instance` until the new one is
 * built), and a sim connection opened there would push on forever (its push loop holds the
 * process on a system clock, and its private connection the venue's feed).
 */
import { ExchangeClosedByUser } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { createExchangeSession } from '../../src/exchange/session.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';
import { exchangeConfig, settle } from './helpers.js';

const BTC = 'BTC/USD:USD';

/** Settles with what the watch call did within `ms` of virtual time, or 'pending'. */
async function outcome(clock: VirtualClock, watching: Promise<unknown>, ms: number): Promise<unknown> {
  let result: unknown = 'pending';
  watching.then(
    () => (result = 'delivered'),
    (error: unknown) => (result = error),
  );
  await settle();
  await clock.advance(ms);
  await settle();
  return result;
}

describe('sim: a closed instance refuses new stream connections', () => {
  it('after close(), watch calls fail and no connection or push loop is left', async () => {
    const clock = new VirtualClock();
    const session = await createExchangeSession({ config: exchangeConfig({ id: 'sim' }), clock, logger: silentLogger() });
    const instance = session.instance;
    await session.close();
    const idle = clock.pending;

    expect(await outcome(clock, instance.watchTickers([BTC]), 5000)).toBeInstanceOf(ExchangeClosedByUser);
    expect(await outcome(clock, instance.watchOrders(), 5000)).toBeInstanceOf(ExchangeClosedByUser);
    expect(Object.keys(instance.clients ?? {})).toEqual([]);
    expect(clock.pending).toBe(idle);
  });

  it('after a restart, the old instance refuses and the new one streams on the same venue', async () => {
    const clock = new VirtualClock();
    const session = await createExchangeSession({ config: exchangeConfig({ id: 'sim' }), clock, logger: silentLogger() });
    const old = session.instance;
    expect(await outcome(clock, old.watchTickers([BTC]), 2000)).toBe('delivered');

    const restarting = session.restart();
    await clock.advanceUntil(() => session.instance !== old, 10_000);
    await restarting;

    expect(await outcome(clock, old.watchTickers([BTC]), 5000)).toBeInstanceOf(ExchangeClosedByUser);
    expect(Object.keys(old.clients ?? {})).toEqual([]);
    expect(await outcome(clock, session.instance.watchTickers([BTC]), 2000)).toBe('delivered');
    await session.close();
  });

  it('an instance the factory hands back again (a library’s fixed exchange) streams again after a restart and in a new session', async () => {
    const clock = new VirtualClock();
    const sim = createSimExchange({ seed: 7 }, { clock });
    const open = (): ReturnType<typeof createExchangeSession> =>
      createExchangeSession({ config: exchangeConfig({ id: 'sim' }), clock, logger: silentLogger(), factory: async () => sim });
    const session = await open();
    expect(await outcome(clock, sim.watchTickers([BTC]), 2000)).toBe('delivered');
    let restarted = false;
    void session.restart().then(() => (restarted = true));
    await clock.advanceUntil(() => restarted, 10_000);
    expect(session.stats().restarts).toBe(1);
    expect(session.instance).toBe(sim);
    expect(await outcome(clock, session.instance.watchTickers([BTC]), 2000)).toBe('delivered');
    await session.close();

    const again = await open();
    expect(await outcome(clock, again.instance.watchTickers([BTC]), 2000)).toBe('delivered');
    await again.close();
  });
});
