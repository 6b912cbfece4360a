import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { Updater } from '../../src/engine/updater.js';
import { startRetryOf } from '../../src/engine/updater-options.js';

// The options of Updater.fromFile / fromConfig are checked before the config is read: from
// JavaScript a mistake there failed deep inside start() (a level name as the logger: 'this.logger.info
// is not a function', and stop() threw it too) or not at all (a negative startRetry retried a
// down exchange as fast as it answered: about 60 requests in 3 s against 4).
const CONFIG = { class_attributes: { watch_list: ['BTC/USD:USD'] }, tasks: { t_update_tickers: { freq: 5 } } };
const build = (options: unknown) => Updater.fromConfig(CONFIG, options as never);

describe('Updater options', () => {
  it.each([
    [null, TypeError, 'Updater options must be an object, got null'],
    [{ htppPort: 0 }, TypeError, 'unknown Updater option(s): htppPort; the options are clock, logger,'],
    [{ logger: 'debug' }, TypeError, 'the Updater option logger must be a pino logger or a function of the config returning one, got "debug"'],
    [{ logger: {} }, TypeError, 'the Updater option logger must be a pino logger'],
    [{ clock: {} }, TypeError, 'the Updater option clock must be a Clock ({now(), sleep(ms, signal)})'],
    [{ httpPort: -1 }, RangeError, 'the Updater option httpPort must be an integer from 0 to 65535 (0: any free port), or null for no status server, got -1'],
    [{ httpPort: '8080' }, TypeError, 'the Updater option httpPort must be an integer from 0 to 65535'],
    [{ initAttempts: 0 }, RangeError, 'the Updater option initAttempts must be an integer of at least 1, got 0'],
    [{ initAttempts: Number.NaN }, RangeError, 'initAttempts must be an integer of at least 1, got NaN'],
    [{ startRetry: { baseMs: -5, maxMs: -1 } }, RangeError, 'the Updater option startRetry.baseMs must be a number of milliseconds above 0, got -5'],
    [{ startRetry: { baseMs: 'x' } }, TypeError, 'startRetry.baseMs must be a number of milliseconds above 0, got "x"'],
    [{ startRetry: { baseMs: 5000, maxMs: 2000 } }, RangeError, 'startRetry.maxMs (2000) is below startRetry.baseMs (5000)'],
    [{ startRetry: { base: 50 } }, TypeError, 'unknown key(s) in the Updater option startRetry: base'],
    [{ storagePath: 7 }, TypeError, 'the Updater option storagePath must be a path (string), got 7'],
    [{ newJournal: 'yes' }, TypeError, 'the Updater option newJournal must be true or false, got "yes"'],
    [{ rekeyJournal: 1 }, TypeError, 'the Updater option rekeyJournal must be true or false, got 1'],
  ])('refuses %j before anything is built', async (options, kind, message) => {
    const refusal = build(options);
    await expect(refusal).rejects.toThrow(kind);
    await expect(refusal).rejects.toThrow(message);
  });

  it('refuses a logger function that returns no logger, naming what it returned', async () => {
    await expect(build({ logger: () => 'info' })).rejects.toThrow(
      'the Updater option logger is a function, which must return a pino logger, but it returned "info"',
    );
  });

  it('takes no options, undefined ones and the documented ones', async () => {
    const given = [undefined, {}, { logger: silentLogger(), httpPort: null, initAttempts: 2, startRetry: { baseMs: 10 }, storagePath: ':memory:' }];
    for (const options of given) {
      const updater = await build(options);
      expect(updater.phase).toBe('created');
      await updater.stop();
    }
  });

  it('takes one startRetry bound given alone beyond the default of the other, as before the check (the default gives way)', async () => {
    for (const startRetry of [{ baseMs: 5000 }, { maxMs: 100 }]) {
      const updater = await build({ logger: silentLogger(), storagePath: ':memory:', startRetry });
      expect(updater.phase).toBe('created');
      await updater.stop();
    }
    expect(startRetryOf({ startRetry: { baseMs: 5000 } })).toEqual({ baseMs: 5000, maxMs: 5000 });
    expect(startRetryOf({ startRetry: { maxMs: 100 } })).toEqual({ baseMs: 100, maxMs: 100 });
    expect(startRetryOf({})).toEqual({ baseMs: 250, maxMs: 2000 });
  });
});
