import type { ConfigContext } from './context.js';
import { isPlainObject, type ReportProblem } from './env.js';
import type { ConfigPath } from './positions.js';
import { STREAM_FEEDS, type StreamFeed, type StreamName } from './stream-feeds.js';

/**
 * With `exchange.stream: on`, refuses each task that starts a stream whose watch method the
 * exchange's ccxt.pro class lacks, at the task's line, before anything connects. (An exchange
 * with no ccxt.pro class at all is refused by `checkExchange`.)
 */
export function checkStreamMethods(raw: unknown, ctx: ConfigContext, report: ReportProblem, reportKey: ReportProblem): void {
  const root = isPlainObject(raw) ? raw : {};
  const exchange = isPlainObject(root.exchange) ? root.exchange : {};
  if (exchange.stream !== 'on') return;
  const id = typeof exchange.id === 'string' ? exchange.id : 'sim';
  const has = ctx.watchMethodsOf?.(id);
  if (!has || !isPlainObject(root.tasks)) return;
  const hint = 'use `stream: auto` (polls what cannot stream) or `stream: off`';

  for (const [key, task] of Object.entries(root.tasks)) {
    const body = isPlainObject(task) ? task : {};
    const kind = typeof body.kind === 'string' ? body.kind : key;
    const subtasks = isPlainObject(body.subtasks) ? Object.entries(body.subtasks).filter((e): e is [string, Record<string, unknown>] => isPlainObject(e[1])) : [];
    for (const [name, feed] of Object.entries(STREAM_FEEDS) as [StreamName, StreamFeed][]) {
      if (feed.optional || has.has(feed.method)) continue;
      const missing = `exchange.stream is on, but ${id} has no ${feed.method}`;
      if (feed.kinds.includes(kind)) {
        const at: ConfigPath = ['tasks', key];
        if ('name' in body) report([...at, 'name'], `${missing}, which this task's ${name} stream needs`, hint);
        else reportKey(at, `${missing}, which this task's ${name} stream needs`, hint);
      }
      for (const [subKey, sub] of subtasks) {
        if (typeof sub.method !== 'string' || !feed.helpers.includes(sub.method)) continue;
        report(['tasks', key, 'subtasks', subKey, 'method'], `${missing}, which \`${sub.method}\` answers from (the ${name} stream)`, hint);
      }
    }
  }
}
