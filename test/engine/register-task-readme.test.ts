import { afterEach, describe, expect, it } from 'vitest';
import type { Updater } from '../../src/engine/updater.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

// README's `registerTask` example, as written, on the default (simulated) exchange: the
// simulator answers ccxt's unified `fetchTime` with the venue's clock, so the task stores it.
let updater: Updater | null = null;
afterEach(async () => {
  await updater?.stop();
  updater = null;
});

describe("README's registerTask example", () => {
  it('stores the exchange time on the default simulated exchange, every pass succeeding', async () => {
    const built = await virtualUpdater({ class_attributes: { watch_list: ['BTC/USD:USD'] }, tasks: { t_update_tickers: { freq: 10 } } });
    updater = built.updater;
    updater.registerTask(
      't_my_task',
      async (rt) => {
        rt.state.set('my_value', await rt.exchange.fetchTime(), rt.name);
      },
      { freqSecs: 30 },
    );
    await startVirtual(updater, built.clock);
    const u = updater;
    await advanceWithIo(built.clock, () => (u.taskStatuses()['t_my_task']?.runs ?? 0) > 0, 60_000);
    expect(u.taskStatuses()['t_my_task']).toMatchObject({ ok: true, lastError: null });
    expect(typeof u.state.get('my_value')).toBe('number');
  });
});
