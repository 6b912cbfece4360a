/**
 * A stop while running does not wait for a read hung on the network: its answer is of no use
 * once the engine stops, and ccxt would give up on it only at its timeout (10 s here, 2 × that
 * for the session's drain). Orders and cancels under way are still waited for (see
 * test/exchange/session.test.ts). Wall clock, against misso sim-server.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Updater } from '../../src/engine/updater.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { simServerUpdater, STREAM_SYMBOL, streamingRig } from '../support/streaming-rig.js';
import { collectUnhandledRejections } from '../support/unhandled.js';
import { until } from '../support/wait.js';
import type { MissoConfigInput } from '../../src/config/schema.js';

function running(server: SimServer, stream: 'on' | 'off', tasks: MissoConfigInput['tasks']): Promise<Updater> {
  return simServerUpdater(server, { tasks, watchList: ['BTC/USD:USD'], exchange: { stream } });
}

const hangs = (server: SimServer): number => server.counters.snapshot().faults['hang'] ?? 0;

/** Stops `u`, checks it reached `stopped`, and returns how long the stop took, ms. */
async function timedStop(u: Updater): Promise<number> {
  const started = Date.now();
  await u.stop();
  expect(u.phase).toBe('stopped');
  return Date.now() - started;
}

describe('stop with a read hung on the network', () => {
  let server: SimServer | undefined;
  let updater: Updater | undefined;
  afterEach(async () => {
    await updater?.stop();
    await server?.close();
    updater = server = undefined;
  });

  it("a user stream's gap fill hung on its open-orders read does not hold the stop", async () => {
    server = await startSimServer({ port: 0, seed: 51, wsPushMs: 100 });
    const u = (updater = await running(server, 'on', { t_update_open_orders: { freq: 120 } }));
    await until(() => u.streamStats().length > 0 && u.streamStats().every((s) => s.fresh), 5_000, 'streams fresh');
    const srv = server;
    srv.faults.set('hang:path=openOrders,wsdrop:calls=1:path=private');
    await until(() => hangs(srv) > 0, 8_000, 'the gap fill hung');
    expect(await timedStop(u)).toBeLessThan(1_000);
  });

  it('a fills lookup hung beside the streams is answered at the stop, and nothing runs on after the journal closed', async () => {
    const unhandled = collectUnhandledRejections();
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const rig = await streamingRig({ exchange: { timeout_ms: 3_000 }, logger });
    const { server: srv, updater: u } = rig;
    try {
      await u.start();
      await until(() => u.streamStats().every((s) => s.fresh), 5_000, 'streams fresh');
      // The user stream gone and refused: a market order's fill is learnt from its REST answer, so
      // its trades are owed and looked up beside the streams; that lookup hangs.
      srv.faults.set('wsdrop:calls=1:path=private,wsrefuse:path=private,hang:path=userTrades');
      await until(() => rig.stream('orders').phase !== 'up', 5_000, 'the user stream down');
      u.pendingOrders.push({ symbol: STREAM_SYMBOL, side: 'buy', amount: 0.1, tag: 'taker' });
      await until(() => hangs(srv) > 0, 8_000, 'the fills lookup hung');
      expect(await timedStop(u)).toBeLessThan(3_000);
      // Past ccxt's timeout for the abandoned lookup: its late failure reaches nothing, and
      // nothing of the engine runs on (nor logs) after it said it stopped.
      await new Promise((r) => setTimeout(r, 3_500));
      expect(unhandled).toEqual([]);
      const messages = lines.map((l) => (JSON.parse(l) as { msg?: string }).msg ?? '');
      const stoppedAt = messages.indexOf('updater stopped');
      expect(stoppedAt).toBeGreaterThan(-1);
      expect(messages.slice(stoppedAt + 1)).toEqual([]);
      expect(u.orders.orders.find((o) => o.tag === 'taker')?.status).toBe('closed');
    } finally {
      await rig.close();
    }
  });

  it('a REST pass hung on its read holds the stop only for the tasks\' grace', async () => {
    server = await startSimServer({ port: 0, seed: 52, wsPushMs: 100 });
    const u = (updater = await running(server, 'off', { t_get_open_orders: { freq: 1 } }));
    const srv = server;
    srv.faults.set('hang:path=openOrders');
    await until(() => hangs(srv) > 0, 8_000, 'a pass hung');
    // The two settles' 1 s graces for the pass under way, not ccxt's 10 s timeout.
    expect(await timedStop(u)).toBeLessThan(3_500);
  });
});
