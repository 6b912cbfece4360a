import { afterEach, describe, expect, it } from 'vitest';
import type { Updater } from '../../src/engine/updater.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

// A pass that fails must disarm its timeout sleep (timeout_secs, default max(30, 2 × freq)) as a
// pass that succeeds does: otherwise a library script whose registered task throws lingers up to
// timeout_secs after `await updater.stop()`. Counted as the virtual clock's pending sleeps.
let updater: Updater | null = null;
afterEach(async () => {
  await updater?.stop();
  updater = null;
});

async function sleepersAfterStop(failing: boolean): Promise<number> {
  const built = await virtualUpdater({ class_attributes: { watch_list: ['BTC/USD:USD'] }, tasks: { t_update_tickers: { freq: 5 } } });
  updater = built.updater;
  updater.registerTask(
    't_probe',
    () => {
      if (failing) throw new Error('probe failed');
    },
    { freqSecs: 1 },
  );
  await startVirtual(updater, built.clock);
  await built.clock.advance(5_000);
  let stopped = false;
  void updater.stop().then(() => (stopped = true));
  await advanceWithIo(built.clock, () => stopped, 60_000, 100);
  return built.clock.pending;
}

describe('a task whose passes fail', () => {
  it('leaves no timer armed once the updater stopped, like a task whose passes succeed', async () => {
    expect(await sleepersAfterStop(false)).toBe(0);
    expect(await sleepersAfterStop(true)).toBe(0);
  });
});
