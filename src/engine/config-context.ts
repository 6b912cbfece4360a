import ccxt from 'ccxt';
import type { ConfigContext } from '../config/context.js';
import { SIM_KNOBS_SCHEMA } from '../sim/sim-knobs.js';
import { BUILTIN_ATTRIBUTES } from '../tasks/registry.js';
import { loadModule, loadTaskKind } from './module-registry.js';
import type { TaskKind } from './task-kind.js';

/**
 * The validator's view of the engine: the task kinds it knows (with the options each accepts),
 * the built-in attributes, ccxt's exchange ids, and how modules and user kinds are loaded.
 */
export function configContext(kinds: ReadonlyMap<string, TaskKind>, env?: Readonly<Record<string, string | undefined>>): ConfigContext {
  return {
    taskKinds: new Set(kinds.keys()),
    builtinAttributes: BUILTIN_ATTRIBUTES,
    loadModule,
    loadTaskKind,
    taskOptionKeys: (kind) => {
      const options = kinds.get(kind)?.options;
      return options ? new Set(options) : undefined;
    },
    exchangeIds: new Set(['sim', ...(ccxt.exchanges as string[])]),
    simKnobs: { schema: SIM_KNOBS_SCHEMA, keys: Object.keys(SIM_KNOBS_SCHEMA.shape) },
    ...(env ? { env } : {}),
  };
}
