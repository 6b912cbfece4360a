import { VirtualClock } from '../../src/core/clock.js';
import { startStatusServer, type StatusServer } from '../../src/http/status-server.js';
import type { OperatorSource } from '../../src/http/types.js';
import { FakeStatusSource } from './fake-status-source.js';

/**
 * An operator that queues nothing, for tests of requests refused before any route acts: reads
 * answer empty, and anything that would act throws "not reached".
 */
export function refusingOperator(): OperatorSource {
  const refuse = (): never => {
    throw new Error('not reached');
  };
  return {
    orders: () => [],
    state: () => ({}),
    candles: async () => [],
    positions: () => [],
    capital: () => [],
    placeOrder: refuse,
    cancelOrder: async () => refuse(),
    cancelOrders: async () => [],
    amendOrder: async () => refuse(),
    stop: () => undefined,
    restartExchange: async () => undefined,
  };
}

/** A status server on a fake source and {@link refusingOperator}, guarded by `token`; pushed to `servers` for the caller's teardown. */
export async function startRefusingServer(token: string, servers: StatusServer[]): Promise<StatusServer> {
  const fake = new FakeStatusSource();
  const source = { snapshot: () => fake.snapshot(), subscribe: fake.subscribe.bind(fake), operator: refusingOperator() };
  const server = await startStatusServer({ source, clock: new VirtualClock(), processMetrics: false, token });
  servers.push(server);
  return server;
}
