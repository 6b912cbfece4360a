/**
 * The seed's helpers answer from the stream cache when it is fresh; the state meta then says the
 * value came by `ws`, not by the template task's REST pass (it made no request).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Updater } from '../../src/engine/updater.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';
import { startVirtual, virtualUpdater } from '../support/virtual-updater.js';

const BTC = 'BTC/USD:USD';
const ETH = 'ETH/USD:USD';

describe("a seed helper's answer from the stream cache", () => {
  let updater: Updater | undefined;
  afterEach(async () => {
    await updater?.stop();
    updater = undefined;
  });

  it('get_ohlcv_data served from the candle stream marks its target_attr ws; a REST answer marks the task', async () => {
    const built = await virtualUpdater({
      exchange: { id: 'sim', seed: 12 },
      class_attributes: { watch_list: [BTC, ETH], ohlcs: {} },
      tasks: {
        t_update_template: {
          name: 'update_ohlcv',
          freq: 60,
          subtasks: { s0: { type: 'async', modul: 'Misso.services.async_helper', method: 'get_ohlcv_data', input_args: ['self.aftx', 'self.watch_list', '1m', 100], target_attr: 'ohlcs' } },
        },
      },
    });
    updater = built.updater;
    const u = built.updater;
    await startVirtual(u, built.clock);
    const sim = (u.session as unknown as { instance: SimExchange }).instance;
    // The first pass fetched by REST (the stream had nothing yet).
    expect(u.state.meta('ohlcs')?.source).toBe('update_ohlcv');
    await built.clock.advanceUntil(() => u.streamStats().find((s) => s.name === 'candles')?.fresh === true, 30_000);
    const fetched = sim.counters().calls['fetchOHLCV'] ?? 0;
    await built.clock.advance(61_000);
    expect(sim.counters().calls['fetchOHLCV'] ?? 0).toBe(fetched);
    expect(u.state.meta('ohlcs')?.source).toBe('ws');
  });
});
