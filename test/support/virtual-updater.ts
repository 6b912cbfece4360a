import type { MissoConfigInput } from '../../src/config/schema.js';
import { VirtualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { Updater, type UpdaterOptions } from '../../src/engine/updater.js';
import type { Notifier, NotifyMessage } from '../../src/notify/index.js';

/** A notifier that keeps what it is given, so tests can read what the operator would see. */
export class CollectingNotifier implements Notifier {
  readonly messages: NotifyMessage[] = [];
  notify(msg: NotifyMessage): void {
    this.messages.push(msg);
  }
  texts(): string[] {
    return this.messages.map((m) => m.text);
  }
  async close(): Promise<void> {}
}

/** Builds an updater on virtual time with an in-memory journal and a collecting notifier. `config` is any value, as a JavaScript caller's: tests hand it wrong configs on purpose. */
export async function virtualUpdater(
  config: unknown,
  options: Partial<UpdaterOptions> & { file?: string } = {},
): Promise<{ updater: Updater; clock: VirtualClock; notifier: CollectingNotifier }> {
  const clock = new VirtualClock(1_700_000_000_000);
  const notifier = new CollectingNotifier();
  const { file, ...given } = options;
  const opts: UpdaterOptions = {
    clock,
    logger: silentLogger(),
    storagePath: ':memory:',
    notifier,
    random: () => 1,
    ...given,
  };
  const updater = file ? await Updater.fromFile(file, opts) : await Updater.fromConfig(config as MissoConfigInput, opts);
  return { updater, clock, notifier };
}

/** Starts the updater while moving virtual time, for configs whose init waits on the clock. */
export async function startVirtual(updater: Updater, clock: VirtualClock, maxMs = 60_000): Promise<void> {
  let done = false;
  let failure: unknown = null;
  updater.start().then(
    () => (done = true),
    (err: unknown) => {
      failure = err;
      done = true;
    },
  );
  // Real I/O runs between the steps too: a start also loads modules and opens files, which a
  // busy machine may finish only after many steps of virtual time.
  await advanceWithIo(clock, () => done, maxMs, 50);
  if (failure) throw failure;
}

/**
 * Moves virtual time in small steps and lets real I/O run between them, until `predicate()`
 * holds: for work that also waits on real callbacks (building a fresh exchange instance).
 */
export async function advanceWithIo(clock: VirtualClock, predicate: () => boolean, maxMs = 60_000, stepMs = 100): Promise<void> {
  const limit = clock.now() + maxMs;
  while (!predicate()) {
    if (clock.now() >= limit) throw new Error(`condition not met within ${maxMs} ms of virtual time`);
    await clock.advance(stepMs);
    await new Promise((r) => setTimeout(r, 1));
  }
}
