/**
 * The market-data thread (see {@link MarketFeedThread}): its own ccxt.pro instance of the
 * engine's exchange, without credentials, watching tickers and candles and handing the engine
 * what it keeps of them. ccxt's parse of an all-market ticker array (hundreds of tickers a
 * second) and the garbage it leaves are this thread's, not the engine's event loop's.
 *
 * Each stream runs while the engine wants it: from a `watch` until the watch fails (said once,
 * then the thread waits for the engine's next `watch`, so the engine's backoff decides when to
 * dial again) or a `drop` (the engine's watchdog tearing a silent stream down).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Exchange } from 'ccxt';
import { SystemClock } from '../core/clock.js';
import { silentLogger } from '../core/logger.js';
import { createExchange } from '../exchange/factory.js';
import { CandleSweep } from './candle-sweep.js';
import { calmReconnects, dropClients } from './ccxt-clients.js';
import {
  carriesStream, lastPrices, mergeDeliveries, toFeedError, type CandlesBySymbol, type FeedReply, type FeedRequest, type FeedWorkerData, type LastPrice, type MarketStreamName,
} from './market-feed-protocol.js';

interface Run {
  /** The engine's subscription number this thread serves now; a loop of an older one ends. */
  gen: number;
  running: boolean;
  pairs: string[][];
}

if (!parentPort) throw new Error('market-feed-worker runs as a worker thread');
const port = parentPort;
const data = workerData as FeedWorkerData;
const runs: Record<MarketStreamName, Run> = { tickers: { gen: -1, running: false, pairs: [] }, candles: { gen: -1, running: false, pairs: [] } };
/** Deliveries gathered within one turn of the event loop, posted together. */
const outbox = new Map<MarketStreamName, { gen: number; data: Record<string, LastPrice> | CandlesBySymbol }>();
let flushing = false;
/** ccxt answers a candle watch with one symbol of a socket read; the sweep adds the others. */
const sweep = new CandleSweep();

const post = (reply: FeedReply): void => port.postMessage(reply);

let exchange: Exchange;
try {
  exchange = await createExchange(data.exchange, { clock: new SystemClock(), logger: silentLogger() });
  calmReconnects(exchange);
  if (data.markets) exchange.setMarkets(data.markets as never, data.currencies as never);
  else await exchange.loadMarkets();
  port.on('message', (m: FeedRequest) => void handle(m));
  post({ type: 'ready' });
} catch (error: unknown) {
  post({ type: 'failed', error: toFeedError(error) });
  port.close();
}

async function handle(m: FeedRequest): Promise<void> {
  if (m.op === 'close') {
    for (const run of Object.values(runs)) run.gen = -2;
    await exchange.close().catch(() => undefined);
    port.close();
    return;
  }
  if (m.op === 'markets') {
    // ccxt keeps its caches by symbol: the subscriptions and their rows carry on under the new table.
    exchange.setMarkets(m.markets as never, m.currencies as never);
    return;
  }
  const run = runs[m.stream];
  if (m.op === 'drop') {
    run.gen = m.gen;
    run.running = false;
    outbox.delete(m.stream);
    dropClients(exchange, (_url, subs) => carriesStream(m.stream, subs), m.reason);
    post({ type: 'dropped', stream: m.stream, gen: m.gen });
    return;
  }
  if (m.pairs) run.pairs = m.pairs;
  if (run.running && run.gen === m.gen) return;
  run.gen = m.gen;
  run.running = true;
  // A new subscription (after a drop or a failure): each pair starts from ccxt's cache as it stands.
  if (m.stream === 'candles') sweep.forget();
  void loop(m.stream, m.gen);
}

async function loop(stream: MarketStreamName, gen: number): Promise<void> {
  const run = runs[stream];
  while (run.gen === gen) {
    let delivery: Record<string, LastPrice> | CandlesBySymbol;
    const pairs = run.pairs;
    if (stream === 'candles') sweep.follow(exchange, pairs);
    try {
      delivery = stream === 'tickers'
        ? lastPrices(await exchange.watchTickers())
        : sweep.collect(exchange, pairs, (await exchange.watchOHLCVForSymbols(pairs)) as unknown as CandlesBySymbol);
    } catch (error: unknown) {
      if (run.gen !== gen) return;
      run.running = false;
      outbox.delete(stream);
      post({ type: 'error', stream, gen, error: toFeedError(error) });
      return;
    }
    if (run.gen !== gen) return;
    queue(stream, gen, delivery);
  }
}

/** Adds a delivery to the outbox; what arrives in the same turn goes over in one message. */
function queue(stream: MarketStreamName, gen: number, delivery: Record<string, LastPrice> | CandlesBySymbol): void {
  const waiting = outbox.get(stream);
  // Merged into an object of the outbox's own (ccxt's answers are left as they are).
  if (waiting && waiting.gen === gen) mergeDeliveries(stream, waiting.data, delivery);
  else outbox.set(stream, { gen, data: mergeDeliveries(stream, {}, delivery) });
  if (flushing) return;
  flushing = true;
  setImmediate(() => {
    flushing = false;
    for (const [name, entry] of outbox) post({ type: 'data', stream: name, gen: entry.gen, data: entry.data });
    outbox.clear();
  });
}
