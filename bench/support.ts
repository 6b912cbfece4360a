import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Exchange } from 'ccxt';
import type { Clock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { exchangeConfig } from '../src/config/defaults.js';
import type { ExchangeConfig, OrdersConfig } from '../src/config/types.js';
import { createExchangeSession, type ManagedExchangeSession } from '../src/exchange/session.js';
import { type SimExchange } from '../src/sim/sim-exchange.js';
import { createSimExchange } from '../src/sim/create-sim-exchange.js';

/** The seed every scenario's simulated market is built from, so runs are comparable. */
export const BENCH_SEED = 7;

/** A budget so large it never makes anyone wait: the scenarios measure cost, not pacing. */
export const UNCONTENDED_CAPACITY = 1e12;

/** A sim exchange of the default universe with its markets loaded. */
export async function loadedSim(clock: Clock): Promise<SimExchange> {
  const sim = createSimExchange({ seed: BENCH_SEED }, { clock });
  await sim.loadMarkets();
  return sim;
}

/** The perpetual symbols of a sim, sorted (the default universe has 40). */
export function swapSymbols(sim: SimExchange): string[] {
  return Object.keys(sim.markets ?? {})
    .filter((s) => s.endsWith('/USD:USD'))
    .sort();
}

/** A normalised `exchange:` config for the sim with the given budget. */
export function simExchangeConfig(rateBudget: ExchangeConfig['rateBudget']): ExchangeConfig {
  return exchangeConfig({ rateBudget });
}

/** The engine's real session over an existing sim instance, with a budget that never binds. */
export function sessionOver(sim: SimExchange, clock: Clock, enabled = true): Promise<ManagedExchangeSession> {
  return createExchangeSession({
    config: simExchangeConfig({ capacity: UNCONTENDED_CAPACITY, windowMs: 1000, enabled }),
    clock,
    logger: silentLogger(),
    factory: async () => sim as unknown as Exchange,
  });
}

/** The `orders:` section as the schema defaults it, but without the fresh-price gate (no price feed here). */
export const BENCH_ORDERS_CONFIG: OrdersConfig = {
  onStop: 'leave',
  unknownOrders: 'adopt',
  requireFreshPrice: false,
  lostAfterNotFound: 5,
  recentlyClosedSecs: 30,
  visibilityWindowSecs: 65,
  submitConcurrency: 1,
};

/** A limit buy far below the market on `symbol`: it rests, never fills, and passes every limit. */
export function restingBuy(sim: SimExchange, symbol: string): { amount: number; price: number } {
  const m = sim.market(symbol);
  const last = sim.getVenue().ticker(symbol).last;
  const price = Number(sim.priceToPrecision(symbol, last * 0.8));
  const minNotional = Number(m.limits.cost?.min ?? 5);
  const amount = Number(sim.amountToPrecision(symbol, Math.max(m.limits.amount?.min ?? 0, (minNotional * 2) / price)));
  return { amount, price };
}

/** A fresh temporary directory and a function that removes it. */
export function tempDir(label: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `misso-bench-${label}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Throws `message` unless `ok`: the scenarios' correctness checks. */
export function ensure(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Error(`bench check failed: ${message}`);
}

/** The file system type of `dir` (`ext2/ext3`, `tmpfs`, …) as `stat -f` names it, or `unknown`. */
export function fileSystemType(dir: string): string {
  try {
    return execFileSync('stat', ['-f', '-c', '%T', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 }).trim();
  } catch {
    // stat -f is GNU coreutils; elsewhere the reader of the notes just doesn't learn the type.
    return 'unknown';
  }
}

/**
 * Calls `onRead` with every chunk of bytes that reaches a `ws` frame parser in this process
 * (after the socket's read, before the frames are parsed): when a read happened, and how much
 * it carried. Patches ws's `Receiver`, which @types/ws does not describe.
 */
export function onWsRead(onRead: (chunk: Buffer) => void): void {
  const { Receiver } = createRequire(import.meta.url)('ws') as { Receiver: { prototype: { _write: (chunk: Buffer, ...rest: unknown[]) => void } } };
  const write = Receiver.prototype._write;
  Receiver.prototype._write = function (this: unknown, chunk: Buffer, ...rest: unknown[]) {
    onRead(chunk);
    write.call(this, chunk, ...rest);
  };
}
