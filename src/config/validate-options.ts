import type { ConfigContext, TaskOptionType } from './context.js';
import { isPlainObject, type ReportProblem } from './env.js';
import type { ConfigPath } from './positions.js';
import { closest } from './suggest.js';
import { bracedTextHint } from './yaml-syntax.js';
import { describeValue } from './zod-issues.js';

/** The built-in helper whose third argument is a timeframe and fourth a candle limit: `get_ohlcv_data(exchange, wl, timeframe, limit)`. */
const OHLCV_HELPER = { modul: 'Misso.services.async_helper', method: 'get_ohlcv_data', timeframeArg: 2, limitArg: 3 } as const;

/**
 * Checks the values of built-in task options against their types, every timeframe (the
 * `timeframe` option, the literal timeframe given to `get_ohlcv_data`) against the configured
 * exchange's own list, and every candle limit (`t_update_candles`' `limit`, `get_ohlcv_data`'s
 * literal one) against the most the exchange answers in one call where that is known, so that
 * `timeframe: 7m` or `limit: 5000` on the simulator fails `misso check` instead of every pass.
 */
export function checkTaskOptionValues(raw: unknown, ctx: ConfigContext, report: ReportProblem): void {
  const root = isPlainObject(raw) ? raw : {};
  const exchange = isPlainObject(root.exchange) ? root.exchange : {};
  const exchangeId = typeof exchange.id === 'string' ? exchange.id : 'sim';
  const timeframes = ctx.timeframesOf?.(exchangeId);
  const checkTimeframe = (value: unknown, path: ConfigPath): void => {
    if (typeof value !== 'string' || value.startsWith('self.')) return;
    if (!timeframes || timeframes.includes(value)) return;
    const near = closest(value, timeframes);
    report(path, `${exchangeId} has no timeframe \`${value}\``, `${near ? `did you mean \`${near}\`? ` : ''}${exchangeId} offers ${timeframes.join(', ')}`);
  };

  const candleLimit = ctx.candleLimitOf?.(exchangeId);
  const checkCandleLimit = (value: unknown, path: ConfigPath): void => {
    if (candleLimit === undefined || typeof value !== 'number' || value <= candleLimit) return;
    report(path, `${exchangeId} answers at most ${candleLimit} candles a request, got a limit of ${value}`, `write a limit of ${candleLimit} or less`);
  };

  const tasks = isPlainObject(root.tasks) ? Object.entries(root.tasks) : [];
  for (const [key, task] of tasks) {
    if (!isPlainObject(task)) continue;
    const kind = typeof task.kind === 'string' ? task.kind : key;
    const types = ctx.taskOptionTypes?.(kind) ?? {};
    for (const [option, type] of Object.entries(types)) {
      if (!(option in task) || task[option] === null) continue;
      const path = ['tasks', key, option];
      const problem = typeProblem(task[option], type);
      // `message: {total_capital}` is a map to YAML: the quotes are what is missing.
      if (problem) report(path, problem, type === 'string' ? bracedTextHint(task[option]) : undefined);
      else if (type === 'timeframe') checkTimeframe(task[option], path);
      else if (type === 'candle_limit') checkCandleLimit(task[option], path);
    }
    const subtasks = isPlainObject(task.subtasks) ? Object.entries(task.subtasks) : [];
    for (const [subKey, sub] of subtasks) {
      if (!isPlainObject(sub) || sub.modul !== OHLCV_HELPER.modul || sub.method !== OHLCV_HELPER.method) continue;
      if (!Array.isArray(sub.input_args)) continue;
      const argPath = (index: number): ConfigPath => ['tasks', key, 'subtasks', subKey, 'input_args', index];
      checkTimeframe(sub.input_args[OHLCV_HELPER.timeframeArg], argPath(OHLCV_HELPER.timeframeArg));
      checkCandleLimit(sub.input_args[OHLCV_HELPER.limitArg], argPath(OHLCV_HELPER.limitArg));
    }
  }
}

function typeProblem(value: unknown, type: TaskOptionType): string | undefined {
  switch (type) {
    case 'positive_integer':
    case 'candle_limit':
      return typeof value === 'number' && Number.isInteger(value) && value > 0 ? undefined : `expected a whole number above 0, got ${describeValue(value, false)}`;
    case 'string':
    case 'timeframe':
      return typeof value === 'string' && value !== '' ? undefined : `expected a non-empty string, got ${describeValue(value, false)}`;
    case 'attribute':
      return typeof value === 'string' && /^(self\.)?[A-Za-z_][A-Za-z0-9_]*$/.test(value) ? undefined : `expected an attribute name, got ${describeValue(value, false)}`;
  }
}
