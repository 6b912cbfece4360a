// A TypeScript strategy under strict settings: it must compile against the published types
// alone. The @ts-expect-error lines fail the compile if a type silently became `any`.
import {
  ConfigError,
  IntentError,
  StartupError,
  StoppedError,
  StorageWriteError,
  SystemClock,
  Updater,
  UserError,
  type Clock,
  type Logger,
  type MissoConfig,
  type Notifier,
  type Order,
  type OrderStatus,
  type TaskRuntime,
  type UpdaterOptions,
} from 'misso';
import { createSimExchange, startSimServer, type SimServer } from 'misso/sim';
import { startStatusServer, type StatusSnapshot, type StatusServer } from 'misso/http';
import { silentLogger, VirtualClock } from 'misso/testing';

const notifier: Notifier = { notify: () => undefined, close: async () => undefined };
const logger: Logger = silentLogger();
const clock: Clock = new VirtualClock(0);
const options: UpdaterOptions = { clock, logger, notifier, storagePath: ':memory:', httpPort: null };

export async function run(): Promise<string[]> {
  const updater = await Updater.fromConfig({ tasks: { t_update_tickers: { freq: 5 } } }, options);
  const config: MissoConfig = updater.config;
  updater.registerTask('t_mine', async (rt: TaskRuntime) => {
    rt.state.set('mine', await rt.exchange.fetchTime(), rt.name);
  });
  updater.orders.on('filled', (order: Order, delta: number) => {
    const status: OrderStatus = order.status;
    void [status, delta];
  });
  updater.on('listening', (url: string) => void url);
  // @ts-expect-error an event the order manager does not emit
  updater.orders.on('no-such-event', () => undefined);
  // @ts-expect-error the phase is a string union
  const phase: number = updater.phase;
  // @ts-expect-error the journal's raw connection is not public
  void updater.journal.db;
  // @ts-expect-error unknown option
  await Updater.fromConfig({}, { clok: clock });

  const sim = createSimExchange({ seed: 7 }, { clock: new SystemClock() });
  const server: SimServer = await startSimServer({ port: 0 });
  const status: StatusServer = await startStatusServer({ source: updater.statusSource(), port: 0 });
  const snapshot: StatusSnapshot = updater.snapshotStatus();
  const errors = [ConfigError, IntentError, StartupError, StoppedError, StorageWriteError, UserError].map((E) => E.name);
  await Promise.all([server.close(), status.close(), sim.close()]);
  return [config.exchange.id, String(phase), snapshot.phase, ...errors];
}
