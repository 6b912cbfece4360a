// A TypeScript strategy under strict settings: it must compile against the published types
// alone. The @ts-expect-error lines fail the compile if a type silently became `any`.
import {
  AmendError,
  ConfigError,
  IntentError,
  OrderRefError,
  StartupError,
  StoppedError,
  StorageWriteError,
  SystemClock,
  Updater,
  UserError,
  type AmendResult,
  type CancelAllFilter,
  type CancelResult,
  type Clock,
  type Logger,
  type MissoConfig,
  type MissoConfigInput,
  type Notifier,
  type Order,
  type OrderStatus,
  type TaskRuntime,
  type UpdaterOptions,
} from 'misso';
import { createSimExchange, startSimServer, type SimServer } from 'misso/sim';
import { startStatusServer, type ReadinessFlags, type StatusSnapshot, type StatusServer } from 'misso/http';
import { silentLogger, VirtualClock } from 'misso/testing';

const notifier: Notifier = { notify: () => undefined, close: async () => undefined };
const logger: Logger = silentLogger();
const clock: Clock = new VirtualClock(0);
const options: UpdaterOptions = { clock, logger, notifier, storagePath: ':memory:', httpPort: null };

export async function run(): Promise<string[]> {
  // The config object is typed in the YAML's shape: its mistakes are compile errors.
  const input: MissoConfigInput = { exchange: { id: 'sim', seed: 7 }, orders: { on_stop: 'cancel_all' }, tasks: { t_update_tickers: { freq: 5 } } };
  // @ts-expect-error on_stop is 'leave' or 'cancel_all'
  const wrongWord: MissoConfigInput = { orders: { on_stop: 'cancel' }, tasks: {} };
  // @ts-expect-error a task's freq is a number of seconds
  await Updater.fromConfig({ tasks: { t_update_tickers: { freq: 'fast' } } }).catch(() => undefined);
  // @ts-expect-error a misspelt section
  await Updater.fromConfig({ taks: {} }).catch(() => undefined);
  void wrongWord;
  const updater = await Updater.fromConfig({ ...input, exchange: null }, options);
  const config: MissoConfig = updater.config;
  updater.registerTask('t_mine', async (rt: TaskRuntime) => {
    rt.state.set('mine', await rt.exchange.fetchTime(), rt.name);
  });
  updater.orders.on('filled', (order: Order, delta: number) => {
    const status: OrderStatus = order.status;
    void [status, delta];
  });
  updater.on('listening', (url: string) => void url);
  updater.orders.on('order', (order: Order, change) => {
    // A refusal's reason, typed: the event's `reason` is an optional string.
    const reason: string | undefined = change.reason;
    // @ts-expect-error the reason is a string, not a number
    const wrong: number | undefined = change.reason;
    void [order, reason, wrong];
  });
  const filter: CancelAllFilter = { symbol: 'BTC/USD:USD', side: 'buy' };
  const cancelled: CancelResult[] = await updater.orders.cancelAll(filter);
  const replacedBy: (string | null)[] = cancelled.map((r) => r.replacedBy);
  const amended: AmendResult = await updater.orders.amend('x', { price: 1 }).catch((e: unknown) => {
    if (e instanceof OrderRefError || e instanceof AmendError) throw e;
    throw new Error('unexpected');
  });
  const method: 'edit' | 'replace' | 'local' | 'none' = amended.method;
  // @ts-expect-error an event the order manager does not emit
  updater.orders.on('no-such-event', () => undefined);
  // @ts-expect-error the phase is a string union
  const phase: number = updater.phase;
  // @ts-expect-error the journal's raw connection is not public
  void updater.journal.db;
  // @ts-expect-error unknown option
  await Updater.fromConfig({ tasks: {} }, { clok: clock });

  const sim = createSimExchange({ seed: 7 }, { clock: new SystemClock() });
  const server: SimServer = await startSimServer({ port: 0 });
  const status: StatusServer = await startStatusServer({ source: updater.statusSource(), port: 0 });
  const snapshot: StatusSnapshot = updater.snapshotStatus();
  const readiness: ReadinessFlags = snapshot.readiness;
  const ready: boolean = readiness.exchange && readiness.journal;
  const errors = [AmendError, ConfigError, IntentError, OrderRefError, StartupError, StoppedError, StorageWriteError, UserError].map((E) => E.name);
  await Promise.all([server.close(), status.close(), sim.close()]);
  return [config.exchange.id, String(phase), snapshot.phase, String(ready), method, ...replacedBy.map(String), ...errors];
}
