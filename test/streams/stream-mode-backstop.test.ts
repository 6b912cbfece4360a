/**
 * The stream manager's own refusal of `stream: on` where the exchange lacks a needed watch
 * method. `misso check` refuses such a config first; this is the backstop for a config checked
 * without that hook (`ConfigContext.watchMethodsOf` is optional). Building the manager makes no
 * network call.
 */
import ccxt, { type Exchange } from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import type { TaskConfig } from '../../src/config/types.js';
import { UserError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { configContext } from '../../src/engine/config-context.js';
import { StateStore } from '../../src/state/state-store.js';
import { StreamManager, type StreamManagerOptions } from '../../src/streams/stream-manager.js';
import { BUILTIN_TASK_KINDS } from '../../src/tasks/registry.js';
import { trackedRigs } from '../support/order-rig.js';

const rigs = trackedRigs();
afterEach(() => rigs.cleanup());

async function tasks(): Promise<readonly TaskConfig[]> {
  const text = 'exchange: {id: coinex, stream: auto}\ntasks:\n  t_update_tickers: {freq: 5}\n  t_get_open_positions: {name: get_positions, freq: 30}\n';
  const config = await loadConfigText(text, 'c.yaml', configContext(new Map(Object.entries(BUILTIN_TASK_KINDS))));
  return config.tasks;
}

async function options(mode: StreamManagerOptions['mode'], exchange: Exchange): Promise<StreamManagerOptions> {
  const r = await rigs.make();
  return {
    mode,
    tasks: await tasks(),
    exchange,
    instance: () => exchange,
    state: new StateStore({ watch_list: [] }, r.clock),
    orders: r.manager,
    clock: r.clock,
    logger: silentLogger(),
    notify: () => undefined,
    runTask: async () => undefined,
  };
}

describe('stream: on at run time', () => {
  it('refuses a needed watch method the exchange lacks, with the way out, and auto streams the rest', async () => {
    const coinex = new ccxt.pro.coinex() as unknown as Exchange;
    expect([coinex.has['watchPositions'], Boolean(coinex.has['watchTickers'])]).toEqual([undefined, true]);
    const on = await options('on', coinex);
    expect(() => StreamManager.create(on)).toThrow(UserError);
    expect(() => StreamManager.create(on)).toThrow(
      'exchange.stream is on, but coinex has no watchPositions (needed by the positions stream); use `stream: auto` (polls what cannot stream) or `stream: off`',
    );
    const auto = StreamManager.create(await options('auto', coinex));
    expect(auto?.stats().map((s) => s.name)).toEqual(['tickers']);
  });
});
