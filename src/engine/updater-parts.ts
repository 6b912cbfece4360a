import type { EventEmitter } from 'node:events';
import type { Clock } from '../core/clock.js';
import { reportListenerFailures } from '../core/emit-each.js';
import { errorText } from '../core/error-text.js';
import type { Logger } from '../core/logger.js';
import type { Redactor } from '../core/redact.js';
import type { MissoConfig } from '../config/types.js';
import { errorKind } from '../exchange/classify.js';
import type { ErrorKind } from '../exchange/types.js';
import type { OperatorSource } from '../http/types.js';
import { HIDDEN_ATTRIBUTES } from '../state/builtin-attributes.js';
import type { StateStore } from '../state/state-store.js';
import type { StreamManager } from '../streams/stream-manager.js';
import type { TaskKind } from '../tasks/contract.js';
import { Lifecycle } from './lifecycle.js';
import { OperatorNotifier } from './operator-notifier.js';
import { createOperatorSource, redactedOperator } from './operator-source.js';
import { StatusReporter } from './status-reporter.js';
import { TaskHost, type HostedEngine } from './task-host.js';
import type { UpdaterEvents, UpdaterOptions } from './updater-options.js';
import { UpdaterOrders } from './updater-orders.js';
import { controlAnswerMs } from './bounded-answer.js';
import { UpdaterSession } from './updater-session.js';
import { seedAliases } from './seed-aliases.js';

/** What every part is built on: the updater's config, state, clock, logger and redactor. */
export interface UpdaterBase {
  config: MissoConfig;
  state: StateStore;
  clock: Clock;
  logger: Logger;
  redactor: Redactor;
}

/** The updater itself, as its parts see it: its events, its public views and its stop. */
export type PartsOwner = HostedEngine & Pick<EventEmitter<UpdaterEvents>, 'emit' | 'listenerCount'>;

/**
 * The parts an updater is built with, wired to one another and to the updater's events. The
 * journal, the session and the order manager inside `orders` and `session` are opened by
 * `start()`; so are the streams.
 */
export interface UpdaterParts {
  readonly lifecycle: Lifecycle;
  readonly reporter: StatusReporter;
  readonly notifier: OperatorNotifier;
  readonly orders: UpdaterOrders;
  readonly session: UpdaterSession;
  /** The control API's view of the engine (also the Telegram interactor's). */
  readonly operator: OperatorSource & { close(): void };
  readonly host: TaskHost;
  /** The websocket streams, built by `start()`; null before, and when nothing streams. */
  streams: StreamManager | null;
  /** The start's retried exchange calls (opening the session, the first reconciliation, the init update). */
  readonly startRetries: StartRetries;
}

/**
 * The last error an exchange call of the start is being retried on (opening the session, the
 * first reconciliation, the init update's reads). A call that worked after retries (or failed
 * for good) takes its error with it: a hiccup the start got past is no reason it never reached
 * running. What a stop finds still retrying stays after it, so a start that a stop ended before
 * it was done can say why (`misso run` prints it).
 */
export interface StartRetries {
  /** The error as operator text (redacted, an HTML page told by its title), or null while no call is being retried. */
  readonly text: string | null;
  /** That error's kind (`retryable`: unreachable; `rate_limit`; `nonce`: the clock), or null. */
  readonly kind: ErrorKind | null;
  /** `call` (one object per retried call) is retried on `err`. */
  note(err: unknown, call?: object): void;
  /** `call` is retried no more. */
  settled(call?: object): void;
}

function startRetries(redactor: Redactor): StartRetries {
  // The calls being retried, the one that failed last at the end (a Map keeps insertion order).
  const retrying = new Map<object, unknown>();
  const anyCall = {};
  const last = (): { err: unknown } | null => {
    let found: { err: unknown } | null = null;
    for (const err of retrying.values()) found = { err };
    return found;
  };
  return {
    get text() {
      const l = last();
      return l === null ? null : redactor.text(errorText(l.err));
    },
    get kind() {
      const l = last();
      return l === null ? null : errorKind(l.err);
    },
    note: (err, call = anyCall) => {
      retrying.delete(call);
      retrying.set(call, err);
    },
    settled: (call = anyCall) => void retrying.delete(call),
  };
}

/** Builds an updater's parts (see {@link UpdaterParts}); `owner` is the updater being built. */
export function buildUpdaterParts(
  base: UpdaterBase,
  setup: { kinds: Map<string, TaskKind>; tuning: UpdaterOptions },
  owner: PartsOwner,
): UpdaterParts {
  const { redactor, ...parts } = base;
  const reporter = new StatusReporter({
    ...base,
    inputs: {
      phase: () => p.lifecycle.phase,
      tasks: () => p.host.statuses(),
      orderStats: () => p.orders.stats(),
      session: () => p.session.current,
      restarts: () => p.session.count,
      streams: () => p.streams?.stats() ?? [],
    },
    // The updater's emit calls each listener on its own: a strategy's that throws fails nothing here.
    external: { count: () => owner.listenerCount('status'), emit: (event) => owner.emit('status', event) },
  });
  const lifecycle = new Lifecycle((phase) => {
    owner.emit('phase', phase);
    reporter.phaseChanged(phase);
  });
  const notifier = new OperatorNotifier(reporter, {
    id: base.config.exchange.id,
    health: () => p.session.current?.health() ?? null,
    // A stream connected again is no longer "down … reconnecting", whatever its recovery's hold.
    stillWrong: (key) => {
      const stream = key.startsWith('stream:') ? p.streams?.stats().find((s) => `stream:${s.name}` === key) : undefined;
      return stream === undefined ? undefined : stream.phase !== 'up';
    },
  });
  base.state.listenerFailed = reportListenerFailures('the state', base.logger, (text, level) => notifier.notify(text, level));
  const orders = new UpdaterOrders({ ...parts, reporter });
  const session = new UpdaterSession({ ...parts, signal: lifecycle.signal, onRestart: (on) => reporter.exchangeRestart(on) });
  const operator = redactedOperator(
    createOperatorSource({
      ...parts,
      // The public view: what a strategy (or a test) sees as updater.orders, once it holds the
      // journal's orders (before that an empty list would read as "none open").
      orders: () => (orders.manager?.loaded === true ? owner.orders : null),
      journal: () => orders.journal,
      exchange: () => session.current?.exchange ?? null,
      session: () => session.current,
      stop: (reason) => {
        base.logger.info({ reason }, 'stop requested');
        void owner.stop();
      },
      restartExchange: (reason) => owner.restartExchange(reason),
      hidden: HIDDEN_ATTRIBUTES,
      answerMs: controlAnswerMs(base.config.exchange.timeoutMs),
    }),
    redactor,
  );
  reporter.operator = operator;
  const retries = startRetries(redactor);
  const host = new TaskHost({
    ...parts,
    ...setup,
    engine: owner,
    notify: (text, level, key, condition) => notifier.notify(text, level, key, condition),
    reporter,
    onTask: (name, status, error) => owner.emit('task', { name, status, error }),
    restartInFlight: () => session.inFlight,
    // With a healthy stream a task's REST pass only reconciles (src/streams/stream-manager.ts).
    skipRest: (config, feeds) => p.streams?.skipRest(config, feeds) ?? false,
    onStartRetry: retries.note,
    onStartRetryEnd: retries.settled,
  });
  for (const [alias, target] of seedAliases(base.config)) base.state.alias(alias, target);
  base.state.on('change', (change) => {
    owner.emit('change', change);
    reporter.attributeChanged(change.name);
  });
  const p: UpdaterParts = { lifecycle, reporter, notifier, orders, session, operator, host, streams: null, startRetries: retries };
  return p;
}
