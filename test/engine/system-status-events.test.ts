import { afterEach, describe, expect, it } from 'vitest';
import type { Updater } from '../../src/engine/updater.js';
import type { StateChange } from '../../src/state/state-store.js';
import { startVirtual, virtualUpdater } from '../support/virtual-updater.js';

// Review 26 (seed) F14: a task's True/False in system_status was written without a `change`
// event, so a strategy listening for system_status never saw a task go down or come back.

let current: Updater | null = null;
afterEach(async () => {
  await current?.stop();
  current = null;
});

describe('system_status changes', () => {
  it('are announced when a task goes down and when it comes back, once each, from the task', async () => {
    const { updater, clock } = await virtualUpdater({
      class_attributes: { watch_list: ['BTC/USD:USD'] },
      exchange: { id: 'sim', stream: 'off' },
      tasks: { t_update_tickers: { freq: 1 } },
    });
    current = updater;
    let failing = false;
    updater.registerTask('t_flaky', () => {
      if (failing) throw new Error('down for a while');
    }, { freqSecs: 1 });
    await startVirtual(updater, clock);
    await clock.advance(1_500);
    const seen: [string, boolean | null | undefined][] = [];
    updater.state.on('change', (c: StateChange) => {
      if (c.name === 'system_status') seen.push([c.source ?? '', (c.value as Record<string, boolean | null>)['t_flaky']]);
    });
    failing = true;
    await clock.advance(3_000);
    failing = false;
    await clock.advance(30_000);
    const flaky = seen.filter(([source]) => source === 't_flaky').map(([, up]) => up);
    expect(flaky).toEqual([false, true]);
    expect(updater.state.get<Record<string, boolean>>('system_status')['t_flaky']).toBe(true);
  });
});
