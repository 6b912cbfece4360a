import { cutText } from './cut-text.js';
import { parseSetting } from './parse-setting.js';

/** What the interactor may read and do; the engine implements it. */
export interface InteractorPort {
  /** A few lines: phase, tasks up/down, capital, order counts. */
  status(): string;
  /** Whether the attribute exists (and may be shown), and its value. */
  get(attr: string): { found: false } | { found: true; value: unknown };
  set(attr: string, value: unknown): void;
  /** One line per open order. */
  openOrders(): string[];
  /** Cancels; resolves with a line saying what happened, rejects with the refusal. */
  cancel(clientOrderId: string): Promise<string>;
  stop(reason: string): void;
}

/** How a command ended, for metrics. */
export type CommandOutcome = 'ok' | 'refused' | 'unauthorized' | 'error';

/** A command's reply. */
export interface CommandResult {
  reply: string;
  outcome: CommandOutcome;
}

const MAX_VALUE_CHARS = 3000;

function show(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > MAX_VALUE_CHARS ? `${cutText(text, MAX_VALUE_CHARS)} (${text.length} chars)` : text;
}

/**
 * Runs one chat command (`/status`, `/get`, `/set`, `/orders`, `/cancel`, `/stop`, `/help`)
 * against the engine and says what to reply. Replies are plain text: nothing is escaped
 * because nothing is interpreted. Every command but `/cancel` is answered at once; `/cancel`
 * waits for the exchange and answers with a promise, so the caller can answer others meanwhile.
 */
export function runCommand(port: InteractorPort, settable: readonly string[], command: string, args: string): CommandResult | Promise<CommandResult> {
  const ok = (reply: string): CommandResult => ({ reply, outcome: 'ok' });
  const refused = (reply: string): CommandResult => ({ reply, outcome: 'refused' });
  switch (command) {
    case 'status':
      return ok(port.status());
    case 'get': {
      const attr = args.trim();
      if (!attr) return refused('usage: /get <attribute>');
      const got = port.get(attr);
      return got.found ? ok(`${attr} = ${show(got.value)}`) : refused(`no attribute named ${attr}`);
    }
    case 'set': {
      const match = /^(\S+)\s+([\s\S]+)$/.exec(args.trim());
      if (!match) return refused('usage: /set <attribute> <value>');
      const [, attr = '', text = ''] = match;
      if (!settable.includes(attr)) {
        return refused(`${attr} may not be set from chat; settable: ${settable.length ? settable.join(', ') : 'none (notify.telegram.settable)'}`);
      }
      const got = port.get(attr);
      if (!got.found) return refused(`no attribute named ${attr}`);
      const parsed = parseSetting(got.value, text);
      if (!parsed.ok) return refused(`${attr} not changed: ${parsed.reason}`);
      port.set(attr, parsed.value);
      return ok(`${attr} = ${show(parsed.value)} (was ${show(got.value)})`);
    }
    case 'orders': {
      const lines = port.openOrders();
      return ok(lines.length === 0 ? 'no open orders' : `${lines.length} open order(s):\n${lines.slice(0, 30).join('\n')}`);
    }
    case 'cancel': {
      const id = args.trim();
      if (!id) return refused('usage: /cancel <clientOrderId>');
      return Promise.resolve()
        .then(() => port.cancel(id))
        .then(ok, (error: unknown) => refused(`${id} not cancelled: ${error instanceof Error ? error.message : String(error)}`));
    }
    case 'stop':
      port.stop('telegram /stop');
      return ok('stopping misso');
    case 'help':
    case 'start':
      return ok(
        [
          '/status: tasks, capital, orders',
          '/get <attr>: an attribute',
          `/set <attr> <value>: change one of: ${settable.length ? settable.join(', ') : 'none configured'}`,
          '/orders: open orders',
          '/cancel <clientOrderId>',
          '/stop: stop misso',
        ].join('\n'),
      );
    default:
      return refused(`unknown command /${command}; /help lists them`);
  }
}
