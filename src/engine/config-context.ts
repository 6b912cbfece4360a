import type { ConfigContext } from '../config/context.js';
import { ccxtExchangeIds, ccxtProIds, loadCcxtCore, loadExchangeClass, loadedExchangeClass } from '../exchange/ccxt-lib.js';
import { SIM_DESCRIPTION } from '../sim/sim-describe.js';
import { SIM_KNOBS_SCHEMA } from '../sim/sim-knobs.js';
import { SIM_MAX_CANDLE_LIMIT, SIM_TIMEFRAMES } from '../sim/venue-types.js';
import { BUILTIN_ATTRIBUTES } from '../state/builtin-attributes.js';
import { declaredParams } from '../core/function-params.js';
import { coerceError } from '../core/errors.js';
import { parseWatchListFilter } from '../helpers/watch-list-filter.js';
import { BUILTIN_MODULES, loadModule, loadTaskKind } from './module-registry.js';
import { toTaskKind, type TaskKind } from '../tasks/contract.js';

/**
 * The validator's view of the engine: the task kinds it knows (with the options each accepts),
 * the built-in attributes, ccxt's exchange ids, and how modules and user kinds are loaded.
 */
export function configContext(kinds: ReadonlyMap<string, TaskKind>, env?: Readonly<Record<string, string | undefined>>): ConfigContext {
  const restIds = ccxtExchangeIds();
  const proIds = ccxtProIds();
  // User kinds (`./file.ts#t_name`) as loaded by the check, so their `options` are checked too.
  const userKinds = new Map<string, TaskKind>();
  const kindOf = (kind: string): TaskKind | undefined => kinds.get(kind) ?? userKinds.get(kind);
  return {
    taskKinds: new Set(kinds.keys()),
    builtinAttributes: BUILTIN_ATTRIBUTES,
    loadModule,
    // Checked as the task host will take it: an export that is no task kind fails here, at its line.
    loadTaskKind: async (spec, baseDir) => {
      const kind = toTaskKind(await loadTaskKind(spec, baseDir), spec);
      userKinds.set(spec, kind);
      return kind;
    },
    taskOptionKeys: (kind) => {
      const options = kindOf(kind)?.options;
      return options ? new Set(options) : undefined;
    },
    taskOptionTypes: (kind) => kinds.get(kind)?.optionTypes,
    runsOnlySubtasks: (kind) => kindOf(kind)?.onlySubtasks === true,
    helperParams,
    helperArgProblem,
    taskSchedule: (kind) => {
      const k = kinds.get(kind);
      return k ? { mode: k.mode, defaultFreqSecs: k.defaultFreqSecs ?? null } : undefined;
    },
    timeframesOf,
    candleLimitOf,
    // Unknown only where ccxt's files are laid out otherwise: ids are then checked when the exchange is built.
    ...(restIds ? { exchangeIds: new Set(['sim', ...restIds]) } : {}),
    ...(proIds ? { streamingIds: new Set(['sim', ...proIds]) } : {}),
    prepareExchange,
    watchMethodsOf,
    simKnobs: { schema: SIM_KNOBS_SCHEMA, keys: Object.keys(SIM_KNOBS_SCHEMA.shape) },
    ...(env ? { env } : {}),
  };
}

/**
 * A built-in helper's parameters, read from its own code (defaults included). User modules are
 * left out: their functions may take more than they declare (a wrapper passing `...args` on).
 */
function helperParams(modul: string, method: string): readonly string[] | undefined {
  const module = Object.hasOwn(BUILTIN_MODULES, modul) ? BUILTIN_MODULES[modul] : undefined;
  const fn = module && Object.hasOwn(module, method) ? module[method] : undefined;
  return typeof fn === 'function' ? declaredParams(fn as (...args: never[]) => unknown) : undefined;
}

/** `get_filtered_watch_list`'s filter (its second argument), parsed as the helper will: a wrong rule word is the config's mistake. */
function helperArgProblem(modul: string, method: string, index: number, value: unknown): string | undefined {
  if (method !== 'get_filtered_watch_list' || index !== 1 || !Object.hasOwn(BUILTIN_MODULES, modul) || value === null || value === undefined) return undefined;
  try {
    parseWatchListFilter(value);
    return undefined;
  } catch (error: unknown) {
    return coerceError(error).message;
  }
}

/** Loads the classes of a config's `exchange.id`, which the checks below read. */
async function prepareExchange(exchangeId: string): Promise<void> {
  if (exchangeId === 'sim') {
    await loadCcxtCore();
    return;
  }
  await Promise.all([loadExchangeClass(exchangeId, false), loadExchangeClass(exchangeId, true)]);
}

/** The simulator's timeframes, or a ccxt class's own `timeframes` (its constructor makes no call). */
function timeframesOf(exchangeId: string): readonly string[] | undefined {
  if (exchangeId === 'sim') return Object.keys(SIM_TIMEFRAMES);
  const ExchangeClass = loadedExchangeClass(exchangeId, false);
  if (!ExchangeClass) return undefined;
  try {
    const instance = new ExchangeClass() as { timeframes?: Record<string, unknown> };
    const list = Object.keys(instance.timeframes ?? {});
    return list.length > 0 ? list : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The simulator's candle limit. A ccxt class's is not read: what ccxt publishes is not what its
 * `fetchOHLCV` does. binanceusdm's `features.swap.linear.fetchOHLCV.limit` is 500, yet its
 * `fetchOHLCV` sends up to 1000 and cuts a larger limit down to 1000 instead of failing, so
 * checking against it would refuse the seed's own `limit: 1000` and no pass fails for a larger one.
 */
function candleLimitOf(exchangeId: string): number | undefined {
  return exchangeId === 'sim' ? SIM_MAX_CANDLE_LIMIT : undefined;
}

/** The `watch*` methods the simulator or a ccxt.pro class has (`has`, set by its constructor without any call). */
function watchMethodsOf(exchangeId: string): ReadonlySet<string> | undefined {
  let has: Record<string, unknown> | undefined;
  if (exchangeId === 'sim') {
    has = SIM_DESCRIPTION.has;
  } else {
    const ProClass = loadedExchangeClass(exchangeId, true);
    if (!ProClass) return undefined;
    try {
      has = (new ProClass() as { has?: Record<string, unknown> }).has;
    } catch {
      return undefined;
    }
  }
  if (!has) return undefined;
  return new Set(Object.keys(has).filter((key) => key.startsWith('watch') && Boolean(has[key])));
}
