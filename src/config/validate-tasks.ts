import { coerceError, ModuleLoadError } from '../core/errors.js';
import type { ConfigContext } from './context.js';
import { isPlainObject, type ReportProblem } from './env.js';
import { parseTemplate, placeholderAttributes } from './placeholders.js';
import { CONTROL_CHAR, type ConfigPath } from './positions.js';
import { isUserTaskKind, parseSelfRef, parseTaskKindSpec } from './references.js';
import { reservedAttributeReason } from './reserved-attributes.js';
import { TASK_KEYS } from './schema.js';
import { closest, didYouMean } from './suggest.js';
import { describeValue, type ReportUnknownKey } from './zod-issues.js';
import { watchListProblem } from './watch-list-shape.js';

/** The `modul` names of the built-in helper modules, for did-you-mean on a mistyped one. */
export const BUILTIN_MODULES = ['Misso.services.async_helper', 'Misso.services.helper'] as const;

/** The inputs of the cross-reference checks; every field may be malformed (zod reports that). */
interface Checker {
  ctx: ConfigContext;
  baseDir: string;
  report: ReportProblem;
  reportKey: ReportUnknownKey;
  classAttributes: Record<string, unknown>;
  /** Whether the file wrote the null at a path as `None`. */
  wroteNone: (path: ConfigPath) => boolean;
  /** Names a `self.` reference may start with. */
  attributes: Set<string>;
  modules: Map<string, Promise<Record<string, unknown> | Error>>;
}

/**
 * Checks what a schema cannot: task kinds exist, modules load and export the methods named,
 * `self.` references name attributes, merge targets hold dicts, and task names are unique.
 * Works on the raw tree so that it can run, and report, even where the shape check failed.
 * `wroteNone` tells whether the file wrote a null as `None`, so messages say what it says.
 * @defaultValue `wroteNone`: never (a config given as an object)
 */
export async function checkReferences(
  raw: unknown,
  ctx: ConfigContext,
  baseDir: string,
  report: ReportProblem,
  reportKey: ReportUnknownKey,
  wroteNone: (path: ConfigPath) => boolean = () => false,
): Promise<void> {
  const root = isPlainObject(raw) ? raw : {};
  const classAttributes = isPlainObject(root.class_attributes) ? root.class_attributes : {};
  const shared = isPlainObject(root.shared_attributes) ? root.shared_attributes : {};
  const tasks = isPlainObject(root.tasks) ? Object.entries(root.tasks) : [];

  const attributes = new Set([...Object.keys(classAttributes), ...ctx.builtinAttributes, ...Object.keys(shared)]);
  for (const [, task] of tasks) {
    for (const [, sub] of subtasksOf(task)) {
      const target = isPlainObject(sub) ? sub.target_attr : undefined;
      if (typeof target === 'string' && !target.startsWith('self.')) attributes.add(target);
    }
  }
  const checker: Checker = { ctx, baseDir, report, reportKey, classAttributes, wroteNone, attributes, modules: new Map() };
  checkWatchList(classAttributes['watch_list'], report);

  const jobs: Promise<void>[] = [];
  for (const [name, entry] of Object.entries(shared)) {
    if (!isPlainObject(entry)) continue;
    // A shared attribute is built once at start and would replace the engine's own object.
    if (name === 'pending_orders' && entry.modul !== 'queue') {
      // Another name would leave the engine's order queue where the strategy does not look.
      report(['shared_attributes', name, 'modul'], '`pending_orders` is the order queue, which misso builds', 'write `pending_orders: {modul: queue, function: Queue}`');
      continue;
    } else if (name !== 'pending_orders') checkWritable(checker, name, ['shared_attributes', name], 'key');
    // The seed's Python `queue.Queue`: under `pending_orders` the engine's own order queue, under
    // another name a queue of the strategy's own (Queue(maxsize)). Nothing to load.
    if (entry.modul === 'queue') {
      if (typeof entry.function === 'string' && entry.function !== 'Queue') {
        report(['shared_attributes', name, 'function'], `module \`queue\` has no export \`${entry.function}\``, 'the order queue is `{modul: queue, function: Queue}`');
      }
      checkQueueArgs(checker, name, entry.args);
      continue;
    }
    jobs.push(checkCallable(checker, ['shared_attributes', name], entry.modul, entry.function, 'function').then(() => undefined));
  }
  const names = new Map<string, string>();
  const initTasks: string[] = [];
  for (const [key, task] of tasks) {
    const body = isPlainObject(task) ? task : {};
    const path = ['tasks', key];
    const kind = typeof body.kind === 'string' ? body.kind : key;
    const kindPath = 'kind' in body ? [...path, 'kind'] : path;
    if (kind === 't_init_update') initTasks.push(key);
    // A user kind's own option list is known once it loaded: its keys are checked then.
    const options = (): void => checkTaskOptions(checker, body, path, kind);
    if (!('kind' in body) || typeof body.kind === 'string') jobs.push(checkKind(checker, kind, kindPath, 'kind' in body, options));
    if (!isUserTaskKind(kind)) options();
    if (kind === 't_system_status' && typeof body.message === 'string') checkPlaceholders(checker, body.message, [...path, 'message']);
    if (!isUserTaskKind(kind) && ctx.runsOnlySubtasks?.(kind) === true && subtasksOf(task).length === 0) {
      // The seed's template and init tasks are their subtasks: without any they run, report ok, and do nothing.
      const at = isPlainObject(task) && 'subtasks' in task;
      (at ? report : reportKey)(
        at ? [...path, 'subtasks'] : path,
        `task \`${key}\` (${kind}) has no subtasks: it runs only its subtasks, so it would do nothing`,
        'add subtasks (`subtasks: {subtask_0: {type: async, modul: …, method: …, input_args: […], target_attr: …}}`), or remove the task',
      );
    }

    const name = typeof body.name === 'string' ? body.name : key;
    // A blank key or name would be a task that status, logs and `N modules down: …` cannot show.
    if (key.trim() === '') reportKey(path, 'a task key may not be empty or blank', 'write the task\'s kind as its key, or a name of your own with `kind:`');
    else if (name.trim() === '') report([...path, 'name'], 'a task name may not be blank', 'give the task a name that status and notifications can show, or leave `name:` out');
    // A tab, newline or escape in a name would break the status screen's lines, logs and Telegram.
    else if (CONTROL_CHAR.test(name)) {
      ('name' in body ? report : reportKey)('name' in body ? [...path, 'name'] : path, `task name ${JSON.stringify(name)} holds a control character`, 'use letters, digits, `_` and `-` (the name is shown in status, logs and notifications)');
    }
    const previous = names.get(name);
    if (previous !== undefined) {
      ('name' in body ? report : reportKey)('name' in body ? [...path, 'name'] : path, `task name \`${name}\` is already used by tasks.${previous}`, 'give each task its own `name`: system_status is keyed by it');
    } else {
      names.set(name, key);
    }

    if (typeof body.out === 'string') {
      const out = body.out.startsWith('self.') ? body.out : `self.${body.out}`;
      if (checkWritable(checker, out.slice('self.'.length), [...path, 'out'])) checkSelfRef(checker, out, [...path, 'out']);
    }
    checkArgs(checker, body.input_args, [...path, 'input_args']);
    for (const [subKey, sub] of subtasksOf(task)) {
      if (isPlainObject(sub)) jobs.push(checkSubtask(checker, sub, [...path, 'subtasks', subKey]));
    }
  }
  for (const extra of initTasks.slice(1)) {
    reportKey(['tasks', extra], 'only one task may be of kind `t_init_update`', 'merge its subtasks into the first one');
  }
  await Promise.all(jobs);
}

/** `args` of a `queue.Queue` entry: none for the order queue, at most a whole `maxsize` for another. */
function checkQueueArgs({ report }: Checker, name: string, args: unknown): void {
  if (!Array.isArray(args) || args.length === 0) return;
  const path = ['shared_attributes', name, 'args'];
  if (name === 'pending_orders') {
    report(path, 'the order queue takes no arguments', 'leave `args` out: the order queue is unbounded and sends what it is given');
  } else if (args.length > 1 || typeof args[0] !== 'number' || !Number.isInteger(args[0]) || args[0] < 0) {
    report(path, `Queue takes one argument, its maxsize (a whole number, 0: unbounded), got ${JSON.stringify(args)}`, 'write `args: [100]`, or leave `args` out');
  }
}

/** An `async function` (or async arrow or method), which a plain call would leave running. */
export function isAsyncFunction(fn: unknown): boolean {
  return Object.prototype.toString.call(fn) === '[object AsyncFunction]';
}

function subtasksOf(task: unknown): [string, unknown][] {
  return isPlainObject(task) && isPlainObject(task.subtasks) ? Object.entries(task.subtasks) : [];
}

async function checkKind(c: Checker, kind: string, path: ConfigPath, explicit: boolean, checkOptions: () => void): Promise<void> {
  if (!isUserTaskKind(kind)) {
    if (c.ctx.taskKinds.has(kind)) return;
    const hint =
      didYouMean(kind, c.ctx.taskKinds) ??
      (explicit ? `known kinds: ${[...c.ctx.taskKinds].join(', ')}` : 'a task key is its kind; to name a task freely add `kind: <a known kind>`');
    (explicit ? c.report : c.reportKey)(path, `unknown task kind \`${kind}\``, hint);
    return;
  }
  if (!parseTaskKindSpec(kind)) {
    c.report(path, `\`${kind}\` is not a task kind`, 'a user task kind is written `./file.ts#t_name`');
    return;
  }
  try {
    await c.ctx.loadTaskKind(kind, c.baseDir);
  } catch (error: unknown) {
    c.report(path, `cannot load task kind \`${kind}\`: ${coerceError(error).message}`, error instanceof ModuleLoadError ? error.hint : undefined);
    return;
  }
  checkOptions();
}

function checkTaskOptions(c: Checker, body: Record<string, unknown>, path: ConfigPath, kind: string): void {
  const common: readonly string[] = TASK_KEYS;
  const allowed = c.ctx.taskOptionKeys?.(kind);
  for (const key of Object.keys(body)) {
    if (common.includes(key) || allowed?.has(key)) continue;
    const candidates = [...common, ...(allowed ?? [])];
    const near = closest(key, candidates);
    // Without the kind's option list, only a near-miss of a common key is surely a typo.
    if (allowed === undefined && near === undefined) continue;
    c.reportKey([...path, key], `unknown key \`${key}\``, near ? `did you mean \`${near}\`?` : `allowed here: ${candidates.join(', ')}`);
  }
}

async function checkSubtask(c: Checker, sub: Record<string, unknown>, path: ConfigPath): Promise<void> {
  checkArgs(c, sub.input_args, [...path, 'input_args']);
  const target = sub.target_attr;
  if (typeof target === 'string' && target.startsWith('self.')) {
    c.report([...path, 'target_attr'], 'target_attr is an attribute name', `write \`${target.slice('self.'.length)}\`, without \`self.\``);
  } else if (typeof target === 'string') {
    checkWritable(c, target, [...path, 'target_attr']);
  }
  if (sub.target_save_update === true) {
    if (typeof target !== 'string') {
      c.report([...path, 'target_save_update'], '`target_save_update: True` needs a `target_attr` to merge into');
    } else if (Object.hasOwn(c.classAttributes, target) && !isPlainObject(c.classAttributes[target])) {
      c.report(
        [...path, 'target_save_update'],
        `\`target_save_update: True\` merges into a dict, but \`${target}\` starts as ${describeValue(c.classAttributes[target], false, c.wroteNone(['class_attributes', target]))}`,
        `initialise \`${target}: {}\` under class_attributes, or set \`target_save_update: False\``,
      );
    }
  }
  const fn = await checkCallable(c, path, sub.modul, sub.method, 'method');
  // A plain call of an async function runs it (its orders are placed) and leaves its result a
  // promise: every pass would fail after doing the work. Python's `standard` call of a coroutine
  // function ran nothing.
  if (fn && sub.type === 'standard' && isAsyncFunction(fn)) {
    c.report([...path, 'type'], `\`${String(sub.modul)}.${String(sub.method)}\` is async: \`type: standard\` would call it without waiting for it`, 'set `type: async`');
  }
  // A built-in helper given fewer arguments than its parameters without defaults: each missing
  // one would be undefined (Python would refuse the call; the helper would quietly do nothing).
  // Only the built-ins: a TypeScript helper's optional `x?` parameter counts in its length.
  const builtin = typeof sub.modul === 'string' && (BUILTIN_MODULES as readonly string[]).includes(sub.modul);
  // No input_args at all (or None) calls it with none.
  const args = sub.input_args === undefined || sub.input_args === null ? [] : sub.input_args;
  if (fn && builtin && Array.isArray(args) && args.length < fn.length) {
    const named = typeof sub.method === 'string' ? c.ctx.helperParams?.(sub.modul as string, sub.method) : undefined;
    c.report(
      [...path, sub.input_args === undefined ? 'method' : 'input_args'],
      `\`${String(sub.modul)}.${String(sub.method)}\` takes at least ${fn.length} argument${fn.length === 1 ? '' : 's'}, got ${args.length}`,
      named ? `input_args lists its parameters in order: ${named.join(', ')} (the exchange is \`self.aftx\`)` : undefined,
    );
  }
  if (fn && builtin && typeof sub.method === 'string' && Array.isArray(args) && c.ctx.helperArgProblem) {
    args.forEach((arg, i) => {
      // `self.NAME` is the class attribute's starting value, where the mistake is written.
      const attribute = typeof arg === 'string' && arg.startsWith('self.') ? arg.slice('self.'.length) : undefined;
      const fromAttribute = attribute !== undefined && Object.hasOwn(c.classAttributes, attribute);
      const problem = c.ctx.helperArgProblem!(sub.modul as string, sub.method as string, i, fromAttribute ? c.classAttributes[attribute] : arg);
      if (problem !== undefined) c.report(fromAttribute ? ['class_attributes', attribute] : [...path, 'input_args', i], problem);
    });
  }
  // More than it takes: the extra ones would be dropped without a word (Python would refuse the
  // call). Only where the engine knows every parameter, defaults included (`fn.length` omits them).
  const params = fn && builtin && typeof sub.method === 'string' ? c.ctx.helperParams?.(sub.modul as string, sub.method) : undefined;
  if (params && Array.isArray(sub.input_args) && sub.input_args.length > params.length) {
    const extra = sub.input_args.length - params.length;
    c.report(
      [...path, 'input_args'],
      `\`${String(sub.modul)}.${sub.method as string}\` takes at most ${params.length} argument${params.length === 1 ? '' : 's'} (${params.join(', ')}), got ${sub.input_args.length}`,
      `remove the last ${extra === 1 ? 'argument' : `${extra} arguments`} from input_args`,
    );
  }
}

/** Checks that `modul` loads and names `member` as a function; returns the function when it does. */
async function checkCallable(c: Checker, path: ConfigPath, modul: unknown, member: unknown, memberKey: string): Promise<((...a: unknown[]) => unknown) | undefined> {
  if (typeof modul !== 'string' || modul === '') return;
  let loading = c.modules.get(modul);
  if (!loading) {
    loading = c.ctx.loadModule(modul, c.baseDir).catch((error: unknown) => coerceError(error));
    c.modules.set(modul, loading);
  }
  const loaded = await loading;
  if (loaded instanceof Error) {
    // The loader's own hint fits its case (not installed there, its code threw); a name close to a built-in is likelier still.
    const hint =
      didYouMean(modul, BUILTIN_MODULES) ??
      (loaded instanceof ModuleLoadError
        ? loaded.hint
        : 'a modul is Misso.services.async_helper, Misso.services.helper, a path relative to the config file, or a package name');
    c.report([...path, 'modul'], `cannot load module \`${modul}\`: ${loaded.message}`, hint);
    return undefined;
  }
  if (typeof member !== 'string' || member === '') return undefined;
  const value = loaded[member];
  if (typeof value === 'function') return value as (...a: unknown[]) => unknown;
  if (value === undefined) {
    const functions = Object.keys(loaded).filter((k) => typeof loaded[k] === 'function');
    c.report([...path, memberKey], `module \`${modul}\` has no export \`${member}\``, didYouMean(member, functions));
  } else {
    c.report([...path, memberKey], `\`${modul}.${member}\` is not a function (it is ${describeValue(value, true)})`);
  }
  return undefined;
}

/**
 * A task may write any attribute but the engine's own and JavaScript's object machinery, and it
 * writes one attribute: `self.a.b` reads key `b` of `a`, so a target `a.b` could never be read back.
 * Returns whether the name may be written.
 */
function checkWritable(c: Checker, attribute: string, path: ConfigPath, at: 'key' | 'value' = 'value'): boolean {
  const report = at === 'key' ? c.reportKey : c.report;
  if (!ATTRIBUTE_NAME.test(attribute)) {
    report(path, `\`${attribute}\` is not an attribute name`, 'an attribute name is letters, digits and `_`, not starting with a digit');
    return false;
  }
  const reason = reservedAttributeReason(attribute);
  if (reason) report(path, reason, 'store the result under a name of your own, e.g. `my_' + attribute.replace(/^_+/, '') + '`');
  return reason === undefined;
}

const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkArgs(c: Checker, args: unknown, path: ConfigPath): void {
  if (!Array.isArray(args)) return;
  args.forEach((arg, i) => checkSelfRef(c, arg, [...path, i]));
}

/** A `message:` placeholder must name an attribute, as a `self.` reference must, and every brace pair. */
function checkPlaceholders(c: Checker, message: string, path: ConfigPath): void {
  for (const { index, brace } of parseTemplate(message).problems) {
    const near = JSON.stringify(message.slice(Math.max(0, index - 12), index + 13));
    c.report(
      path,
      brace === '{'
        ? `unclosed \`{\` at character ${index + 1} of the message (near ${near})`
        : `unmatched \`}\` at character ${index + 1} of the message (near ${near})`,
      brace === '{'
        ? 'close the placeholder (`{total_capital}`), or write `{{` for a literal `{`'
        : 'open the placeholder (`{total_capital}`), or write `}}` for a literal `}`',
    );
  }
  const { parts } = parseTemplate(message);
  // Python's `{self.x}` and `{x[0]}`: the seed's habits, which misso would print as they stand.
  for (const part of parts) {
    if ('path' in part && part.path.startsWith('self.')) {
      c.report(path, `placeholder \`{${part.path}}\` names an attribute with \`self.\``, `write \`{${part.path.slice('self.'.length)}}\`, without \`self.\``);
    }
    for (const m of 'text' in part ? part.text.matchAll(/\{([A-Za-z_]\w*(?:\.[\w/:-]+)*)\[(\d+)\]\}/g) : []) {
      c.report(path, `\`${m[0]}\` is no placeholder misso reads: it would be sent as written`, `write \`{${m[1]}.${m[2]}}\` for item ${m[2]} of a list`);
    }
  }
  for (const head of placeholderAttributes(message)) {
    if (c.attributes.has(head) || head === 'self') continue;
    c.report(
      path,
      `placeholder \`{${head}}\` is neither in class_attributes nor a built-in attribute`,
      didYouMean(head, c.attributes) ?? `declare \`${head}\` under class_attributes`,
    );
  }
}

function checkSelfRef(c: Checker, arg: unknown, path: ConfigPath): void {
  const ref = parseSelfRef(arg);
  if (!ref) return;
  if (ref.some((segment) => segment === '')) {
    c.report(path, `\`${String(arg)}\` is not a valid reference`, 'write `self.<attribute>` or `self.<attribute>.<key>`');
    return;
  }
  const head = ref[0] ?? '';
  if (c.attributes.has(head)) return;
  c.report(path, `\`self.${head}\` is neither in class_attributes nor a built-in attribute`, didYouMean(head, c.attributes) ?? `declare \`${head}\` under class_attributes`);
}

/**
 * The class attribute's watch list, in a shape the market-data tasks can read (see
 * `watchListProblem`): anything else would be read as no symbol at all, and pass after pass would
 * report ok having fetched nothing.
 */
function checkWatchList(value: unknown, report: ReportProblem): void {
  const problem = watchListProblem(value);
  if (!problem) return;
  if (problem.index !== null) {
    report(['class_attributes', 'watch_list', problem.index], `a symbol is text, got ${JSON.stringify(problem.got)}`, 'write the market\'s unified symbol, e.g. "BTC/USD:USD"');
    return;
  }
  const shown = typeof value === 'string' ? `["${value}"]` : '["BTC/USD:USD"]';
  report(['class_attributes', 'watch_list'], `expected a list of symbols (or None), got ${JSON.stringify(value)}`, `write it as a list: \`watch_list: ${shown}\``);
}
