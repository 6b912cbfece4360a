/**
 * Where the journal lives: with the in-process simulator, in memory unless the config wrote
 * `storage.path` (whatever it wrote, the default's own `./misso.db` included: a user who wrote
 * it asked for the file); with a real exchange, the path, written or the default.
 */
import { describe, expect, it } from 'vitest';
import { loadConfigObject, loadConfigText } from '../../src/config/load.js';
import { configContext } from '../../src/engine/config-context.js';
import { journalPath } from '../../src/engine/order-wiring.js';
import { BUILTIN_TASK_KINDS } from '../../src/tasks/registry.js';

const ctx = configContext(new Map(Object.entries(BUILTIN_TASK_KINDS)));
const TASKS = 'tasks:\n  t_update_tickers: {freq: 5}\n';

describe('the journal path', () => {
  it.each([
    ['sim, storage.path not written', 'exchange: {id: sim}\n', ':memory:'],
    ['sim, storage.path written as the default ./misso.db', 'exchange: {id: sim}\nstorage: {path: ./misso.db}\n', './misso.db'],
    ['sim, storage.path written as another file', 'exchange: {id: sim}\nstorage: {path: ./j.db}\n', './j.db'],
    ['a real exchange, storage.path not written', 'exchange: {id: binanceusdm}\n', './misso.db'],
  ])('%s', async (_, text, expected) => {
    const config = await loadConfigText(text + TASKS, 'c.yaml', ctx, { baseDir: process.cwd() });
    expect(journalPath(config, undefined)).toBe(expected);
  });

  it('a config object that writes storage.path on sim keeps that file; the storagePath option wins over both', async () => {
    const written = await loadConfigObject({ exchange: { id: 'sim' }, storage: { path: './misso.db' }, tasks: { t_update_tickers: { freq: 5 } } }, ctx);
    expect(journalPath(written, undefined)).toBe('./misso.db');
    const unwritten = await loadConfigObject({ exchange: { id: 'sim' }, tasks: { t_update_tickers: { freq: 5 } } }, ctx);
    expect(journalPath(unwritten, undefined)).toBe(':memory:');
    expect(journalPath(written, ':memory:')).toBe(':memory:');
  });
});
