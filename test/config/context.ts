import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ConfigContext } from '../../src/config/context.js';
import { BUILTIN_ATTRIBUTES } from '../../src/state/builtin-attributes.js';
import { BUILTIN_TASK_KINDS } from '../../src/tasks/registry.js';

/** The directory holding the config test fixtures. */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

const BUILTINS: Record<string, string> = {
  'Misso.services.async_helper': join(FIXTURES, 'async-helper.ts'),
  'Misso.services.helper': join(FIXTURES, 'helper.ts'),
};

async function importFile(file: string): Promise<Record<string, unknown>> {
  if (!existsSync(file)) throw new Error(`no file ${file}`);
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

/** The task kinds of the seed, as the engine registers them. */
export const TASK_KINDS = new Set([
  't_init_update',
  't_update_template',
  't_update_tickers',
  't_update_balance',
  't_execute_orders',
  't_update_open_orders',
  't_update_open_orders_dict',
  't_get_open_orders',
  't_get_open_positions',
  't_update_candles',
  't_restart_exchange',
  't_shutdown',
  't_system_status',
]);

/**
 * A real context for the config tests: the engine's built-in attributes and task schedules;
 * built-in module names map to fixture modules, other `modul`s and user task kinds are imported
 * from disk like the engine does.
 */
export function testContext(overrides: Partial<ConfigContext> = {}): ConfigContext {
  return {
    taskKinds: TASK_KINDS,
    builtinAttributes: BUILTIN_ATTRIBUTES,
    async loadModule(modul, baseDir) {
      const builtin = BUILTINS[modul];
      if (builtin) return importFile(builtin);
      if (modul.startsWith('.') || modul.startsWith('/')) return importFile(resolve(baseDir, modul));
      return (await import(modul)) as Record<string, unknown>;
    },
    async loadTaskKind(spec, baseDir) {
      const hash = spec.lastIndexOf('#');
      const mod = await importFile(resolve(baseDir, spec.slice(0, hash)));
      const kind = mod[spec.slice(hash + 1)];
      if (typeof kind !== 'function') throw new Error(`${spec.slice(0, hash)} has no export ${spec.slice(hash + 1)}`);
      return kind;
    },
    runsOnlySubtasks: (kind) => BUILTIN_TASK_KINDS[kind]?.onlySubtasks === true,
    taskSchedule(kind) {
      const k = BUILTIN_TASK_KINDS[kind];
      return k ? { mode: k.mode, defaultFreqSecs: k.defaultFreqSecs ?? null } : undefined;
    },
    env: {},
    ...overrides,
  };
}
