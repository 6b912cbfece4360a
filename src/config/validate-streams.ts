import type { ConfigContext } from './context.js';
import { isPlainObject, type ReportProblem } from './env.js';
import type { ConfigPath } from './positions.js';
import { startsFeed, STREAM_FEEDS, type StreamFeed, type StreamName } from './stream-feeds.js';

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

/** The stream settings of a task. */
const STREAM_SETTINGS = ['stall_after_secs', 'reconcile_secs'] as const;

/**
 * Refuses `stall_after_secs` and `reconcile_secs` on a task that no stream feeds (a status
 * task, the executor, a user's task, a template whose helpers answer from a stream's cache):
 * they would do nothing there, and a user who wrote one expects them to. (With `stream: off`
 * they are kept: they apply again once it streams.)
 */
export function checkStreamSettings(raw: unknown, report: ReportProblem): void {
  const root = isPlainObject(raw) ? raw : {};
  if (!isPlainObject(root.tasks)) return;
  const fed = [...new Set(Object.values(STREAM_FEEDS).flatMap((f) => f.kinds))];
  for (const [key, task] of Object.entries(root.tasks)) {
    if (!isPlainObject(task)) continue;
    const kind = typeof task.kind === 'string' ? task.kind : key;
    // A task whose subtasks answer from a stream's cache does not set that stream's limit or
    // reconcile period (the stream's own tasks do): only the kinds count.
    if (Object.values(STREAM_FEEDS).some((feed) => startsFeed(feed, kind, []))) continue;
    for (const setting of STREAM_SETTINGS) {
      if (task[setting] === undefined || task[setting] === null) continue;
      report(['tasks', key, setting], `${setting} does nothing here: no stream feeds ${kind}`, `remove it; it applies to the tasks a stream feeds: ${fed.join(', ')}`);
    }
  }
}
