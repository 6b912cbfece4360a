import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Redactor } from '../core/redact.js';
import type { MissoConfig, TelegramConfig } from '../config/types.js';
import { HIDDEN_ATTRIBUTES } from '../state/builtin-attributes.js';
import type { OperatorSource, StatusSnapshot } from '../http/types.js';
import type { CommandOutcome, InteractorPort } from '../notify/interactor-commands.js';
import { NotifierQueue } from '../notify/notifier-queue.js';
import { redactingSink } from '../notify/redacting-sink.js';
import { TelegramInteractor } from '../notify/telegram-interactor.js';
import { TelegramSink } from '../notify/telegram-sink.js';
import type { StateStore } from '../state/state-store.js';
import type { StatusReporter } from './status-reporter.js';

/** What {@link startInteractor} needs from the updater. */
export interface InteractorDeps {
  telegram: TelegramConfig;
  maxPerMinute: number;
  state: StateStore;
  hidden: ReadonlySet<string>;
  snapshot: () => StatusSnapshot;
  operator: OperatorSource;
  stop: (reason: string) => void;
  clock: Clock;
  logger: Logger;
  /** The notifier's redactor: every reply passes through it on its way to Telegram. */
  redactor: Redactor;
  onCommand: (command: string, outcome: CommandOutcome, folded?: { chat: string; count: number }) => void;
}

/** What {@link maybeStartInteractor} takes from the updater. */
export interface InteractorParts {
  config: MissoConfig;
  state: StateStore;
  clock: Clock;
  logger: Logger;
  redactor: Redactor;
  operator: OperatorSource;
  /** `/status` reads its snapshot; every command is published to status clients. */
  reporter: StatusReporter;
  stop: () => void;
}

/**
 * The seed's `activate_interactor: True` (a class attribute), with `notify.telegram`, starts the
 * interactor; without Telegram settings it only warns (the seed's own config sets it that way).
 */
export function maybeStartInteractor(parts: InteractorParts): RunningInteractor | null {
  const { config, state, clock, logger, redactor, operator, reporter } = parts;
  if (state.get('activate_interactor') !== true) return null;
  const telegram = config.notify.telegram;
  if (!telegram) {
    logger.warn('activate_interactor is set but notify.telegram is not: no interactor');
    return null;
  }
  return startInteractor({
    state,
    clock,
    logger,
    redactor,
    operator,
    snapshot: () => reporter.snapshot(),
    onCommand: (command, outcome, folded) => reporter.publish({ type: 'command', at: clock.now(), command, outcome, ...folded }),
    telegram,
    maxPerMinute: config.notify.maxPerMinute,
    hidden: HIDDEN_ATTRIBUTES,
    stop: (reason) => {
      parts.logger.info({ reason }, 'stop requested');
      parts.stop();
    },
  });
}

/** A running interactor: {@link close} stops polling and delivers the last replies. */
export interface RunningInteractor {
  close(): Promise<void>;
}

/**
 * Starts the Telegram interactor (`activate_interactor: True` with `notify.telegram`). Replies
 * are scrubbed of the config's secrets like every notification, and go through a queue per chat
 * with the notifications' per-minute limit and no dedupe (the same `/status` twice deserves two
 * answers).
 */
export function startInteractor(deps: InteractorDeps): RunningInteractor {
  const logger = deps.logger.child({ component: 'interactor' });
  const queues = new Map<string, NotifierQueue>();
  const replies = (chatId: string): NotifierQueue => {
    let queue = queues.get(chatId);
    if (!queue) {
      // As the notifier's Telegram channels do: a value shown by /get, /set or a refusal may hold a secret.
      const sink = redactingSink(new TelegramSink({ token: deps.telegram.token, chatId, apiUrl: deps.telegram.apiUrl }), deps.redactor);
      queue = new NotifierQueue({ sink, clock: deps.clock, logger, dedupeSecs: 0, maxPerMinute: deps.maxPerMinute });
      queues.set(chatId, queue);
    }
    return queue;
  };
  const interactor = new TelegramInteractor({
    token: deps.telegram.token,
    apiUrl: deps.telegram.apiUrl,
    chatIds: deps.telegram.chatIds,
    settable: deps.telegram.settable,
    port: interactorPort(deps),
    clock: deps.clock,
    logger,
    replies,
    onCommand: deps.onCommand,
  });
  interactor.start();
  logger.info({ chats: deps.telegram.chatIds.length, settable: deps.telegram.settable }, 'telegram interactor listening');
  let closing: Promise<void> | null = null;
  return {
    close: () =>
      (closing ??= (async () => {
        await interactor.close();
        await Promise.allSettled([...queues.values()].map((q) => q.close()));
      })()),
  };
}

function interactorPort(deps: InteractorDeps): InteractorPort {
  const fmt = (n: number | null): string => (n === null ? '–' : n.toLocaleString('en-US', { maximumFractionDigits: 2 }));
  return {
    status: () => {
      const s = deps.snapshot();
      const tasks = Object.entries(s.tasks);
      const down = tasks.filter(([, t]) => t.ok === false).map(([name]) => name);
      return [
        `${s.name} on ${s.exchangeId}: ${s.phase}${s.ready ? ', ready' : ', not ready'}`,
        `tasks ${tasks.length - down.length}/${tasks.length} up${down.length ? ` (down: ${down.join(', ')})` : ''}`,
        `capital ${fmt(s.capital.total)} (free ${fmt(s.capital.free)})`,
        `orders: open ${s.orders.open}, pending ${s.orders.pending}, failed ${s.orders.failed}, lost ${s.orders.lost}`,
      ].join('\n');
    },
    get: (attr) => (deps.hidden.has(attr) || !deps.state.has(attr) ? { found: false } : { found: true, value: deps.state.get(attr) }),
    set: (attr, value) => deps.state.set(attr, value, 'telegram'),
    openOrders: () =>
      deps.operator
        .orders('open')
        .map((o) => `${o.clientOrderId} ${o.side} ${o.amount} ${o.symbol} @ ${o.price ?? 'market'} (${o.status}, filled ${o.filled})`),
    cancel: async (id) => {
      const order = await deps.operator.cancelOrder(id);
      return `cancelled ${order.clientOrderId} (${order.side} ${order.amount} ${order.symbol})`;
    },
    stop: (reason) => deps.stop(reason),
  };
}
