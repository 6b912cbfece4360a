import type { Balances, Exchange, OHLCV, Order, OrderBook, Position, Tickers, Trade } from 'ccxt';
import type { Clock } from '../core/clock.js';
import { ccxtBalance, ccxtOrder, ccxtOrderBook, ccxtPosition, ccxtPublicTrade, ccxtTicker, ccxtTrade } from './ccxt-shapes.js';
import { depthBooksOf } from './depth-book.js';
import { STEP_MS } from './price-path.js';
import { SimWsClient } from './sim-ws-client.js';
import type { SimOrderEvent } from './venue-feed.js';
import type { SimVenue } from './venue.js';

/** The sim's stream names, as the engine names its streams (and the `silent_streams` knob takes them). */
export const SIM_STREAM_NAMES = ['tickers', 'candles', 'orders', 'trades', 'balance', 'positions', 'orderbook'] as const;
/** One of {@link SIM_STREAM_NAMES}. */
export type SimStreamName = (typeof SIM_STREAM_NAMES)[number];

const TICKERS_URL = 'sim://market/tickers';
const OHLCV_URL = 'sim://market/ohlcv';
const PRIVATE_URL = 'sim://private/ws';
const BOOK_URL = 'sim://public/depth';
const TAPE_URL = 'sim://public/trades';

/** Hash prefix → stream name. */
const STREAM_OF: Readonly<Record<string, SimStreamName>> = {
  tickers: 'tickers', ohlcv: 'candles', orders: 'orders', myTrades: 'trades', balance: 'balance', positions: 'positions', orderbook: 'orderbook',
};

interface CandleItem {
  symbol: string;
  timeframe: string;
  rows: OHLCV[];
}

/**
 * The in-process sim's websocket side, in virtual time: market data (every market's ticker, the
 * subscribed candles and order books) is pushed every `pushMs` of clock time while a connection is open,
 * and the account's order changes, fills, balance and positions as the venue makes them (its
 * {@link VenueFeed}). Each push first walks the venue to now, so resting orders fill without
 * anybody polling. Connections live in the exchange's `clients`, as ccxt.pro's do.
 */
export class SimStreams {
  readonly #ex: Exchange;
  readonly #venue: SimVenue;
  readonly #clock: Clock;
  readonly #pushMs: number;
  readonly #silent = new Set<SimStreamName>();
  #loop: AbortController | null = null;
  #unsubscribeFeed: (() => void) | null = null;
  #tickerCache: { step: number; tickers: Tickers } | null = null;
  /** The update id last pushed per order-book subscription: a book goes out only when it changed. */
  readonly #bookIds = new Map<string, number>();
  /** The last print pushed per trade subscription (`tape:SYMBOL`). */
  readonly #tapeIds = new Map<string, number>();

  constructor(exchange: Exchange, venue: SimVenue, clock: Clock, pushMs: number) {
    this.#ex = exchange;
    this.#venue = venue;
    this.#clock = clock;
    this.#pushMs = pushMs;
  }

  /** Silences exactly these streams (connections stay up, data stops) and un-silences the rest. */
  setSilent(names: readonly SimStreamName[]): void {
    this.#silent.clear();
    for (const n of names) this.#silent.add(n);
    for (const c of this.#clients()) c.flush();
  }

  async tickers(symbols?: readonly string[]): Promise<Tickers> {
    await this.#ex.loadMarkets();
    const wanted = symbols && symbols.length > 0 ? this.#ex.marketSymbols([...symbols]) : undefined;
    const client = this.#ex.client(TICKERS_URL) as unknown as SimWsClient;
    const hash = `tickers:${wanted?.join(',') ?? ''}`;
    const fresh = !client.subscriptions[hash];
    const watching = client.watch(hash);
    // A new subscription's first message goes out at once, as a server's does.
    if (fresh) this.#pushTickers(client, hash);
    const items = (await watching) as Tickers[];
    const merged: Tickers = Object.assign({}, ...items) as Tickers;
    if (!wanted) return merged;
    return Object.fromEntries(wanted.filter((s) => merged[s]).map((s) => [s, merged[s]!])) as Tickers;
  }

  async ohlcv(pairs: readonly (readonly string[])[]): Promise<Record<string, Record<string, OHLCV[]>>> {
    await this.#ex.loadMarkets();
    const client = this.#ex.client(OHLCV_URL) as unknown as SimWsClient;
    const hashes = pairs.map(([symbol, tf]) => `ohlcv::${this.#ex.market(String(symbol)).symbol}::${tf ?? '1m'}`);
    const fresh = hashes.filter((h) => !client.subscriptions[h]);
    const watching = client.watch(...hashes);
    for (const h of fresh) this.#pushCandles(client, h);
    const items = (await watching) as CandleItem[];
    const out: Record<string, Record<string, OHLCV[]>> = {};
    for (const { symbol, timeframe, rows } of items) {
      const byTs = new Map((out[symbol]?.[timeframe] ?? []).map((r) => [r[0], r]));
      for (const r of rows) byTs.set(r[0], r);
      out[symbol] = { ...out[symbol], [timeframe]: [...byTs.values()].sort((a, b) => Number(a[0]) - Number(b[0])) };
    }
    return out;
  }

  /** The venue's book (the sim-server's `<s>@depth` book), pushed when it changes; `nonce` is its update id. */
  async orderBook(symbol: string, limit?: number): Promise<OrderBook> {
    const hash = `orderbook:${await this.#symbol(symbol)}`;
    const client = this.#ex.client(BOOK_URL) as unknown as SimWsClient;
    const fresh = !client.subscriptions[hash];
    const watching = client.watch(hash);
    if (fresh) this.#pushBook(client, hash, true);
    const book = ((await watching) as OrderBook[]).at(-1)!;
    return limit === undefined ? book : { ...book, bids: book.bids.slice(0, limit), asks: book.asks.slice(0, limit) };
  }

  /**
   * The public tape's prints of `symbols` (see `TradeTape`) published since the previous call,
   * oldest first per symbol. A new subscription starts after the latest print, as a venue's trade
   * stream does: its first call resolves with the prints of the next step to end.
   */
  async trades(symbols: readonly string[]): Promise<Trade[]> {
    await this.#ex.loadMarkets();
    const client = this.#ex.client(TAPE_URL) as unknown as SimWsClient;
    const hashes = symbols.map((s) => `tape:${this.#ex.market(s).symbol}`);
    for (const h of hashes) if (!client.subscriptions[h]) this.#tapeIds.set(h, this.#venue.tape.lastId(h.slice('tape:'.length)));
    return (await client.watch(...hashes)) as Trade[];
  }

  async orders(symbol?: string): Promise<Order[]> {
    return (await this.#user(symbol === undefined ? 'orders' : `orders:${await this.#symbol(symbol)}`)) as Order[];
  }

  async myTrades(symbol?: string): Promise<Trade[]> {
    return (await this.#user(symbol === undefined ? 'myTrades' : `myTrades:${await this.#symbol(symbol)}`)) as Trade[];
  }

  async balance(): Promise<Balances> {
    return (await this.#user('balance')).at(-1) as Balances;
  }

  async positions(symbols?: readonly string[]): Promise<Position[]> {
    const want = symbols && symbols.length > 0 ? new Set(await Promise.all(symbols.map((s) => this.#symbol(s)))) : undefined;
    for (;;) {
      // Only the newest update of each position counts.
      const latest = new Map<string, Position>();
      for (const p of (await this.#user('positions')) as Position[]) latest.set(String(p.symbol), p);
      const out = [...latest.values()].filter((p) => !want || want.has(String(p.symbol)));
      if (out.length > 0) return out;
    }
  }

  async #symbol(symbol: string): Promise<string> {
    await this.#ex.loadMarkets();
    return this.#ex.market(symbol).symbol;
  }

  async #user(hash: string): Promise<unknown[]> {
    await this.#ex.loadMarkets();
    const client = this.#ex.client(PRIVATE_URL) as unknown as SimWsClient;
    if (!this.#unsubscribeFeed) {
      const offOrders = this.#venue.feed.subscribe((events) => this.#userEvents(events));
      const offWallet = this.#venue.feed.subscribeWallet(() => this.#walletEvent());
      this.#unsubscribeFeed = () => {
        offOrders();
        offWallet();
      };
    }
    return client.watch(hash);
  }

  #clients(): SimWsClient[] {
    return Object.values(this.#ex.clients as Record<string, unknown>).filter((c): c is SimWsClient => c instanceof SimWsClient);
  }

  /**
   * The open connection to `url`, or a new one: the exchange's `client(url)`, as ccxt.pro's
   * connections are (so a closed session's refusal of `client()` covers the sim too).
   */
  connect(url: string): SimWsClient {
    const all = this.#ex.clients as Record<string, unknown>;
    const have = all[url];
    if (have instanceof SimWsClient && have.isOpen()) return have;
    const client = new SimWsClient(url, (hash) => this.#silent.has(STREAM_OF[hash.split(':')[0]!]!), (c) => this.#closed(c));
    all[url] = client;
    this.#startLoop();
    return client;
  }

  #closed(client: SimWsClient): void {
    const all = this.#ex.clients as Record<string, unknown>;
    if (all[client.url] === client) delete all[client.url];
    if (client.url === PRIVATE_URL) {
      this.#unsubscribeFeed?.();
      this.#unsubscribeFeed = null;
    }
    if (this.#clients().length === 0) {
      this.#loop?.abort();
      this.#loop = null;
    }
  }

  #startLoop(): void {
    if (this.#loop) return;
    const loop = (this.#loop = new AbortController());
    void (async () => {
      while (await this.#clock.sleep(this.#pushMs, loop.signal)) this.#push();
    })();
  }

  /** One push tick: the venue walked to now (fills reach the user stream), then market data. */
  #push(): void {
    this.#venue.advance();
    for (const client of this.#clients()) {
      if (client.url === TICKERS_URL) for (const hash of Object.keys(client.subscriptions)) this.#pushTickers(client, hash);
      if (client.url === OHLCV_URL) for (const hash of Object.keys(client.subscriptions)) this.#pushCandles(client, hash);
      if (client.url === BOOK_URL) for (const hash of Object.keys(client.subscriptions)) this.#pushBook(client, hash);
      if (client.url === TAPE_URL) this.#pushTrades(client);
    }
  }

  #pushTickers(client: SimWsClient, hash: string): void {
    const now = this.#clock.now();
    const step = Math.floor(now / STEP_MS);
    // Prices move once a step: the tickers are built once a step and re-sent as the heartbeat,
    // each push stamped with its own time (a venue's event time: the stream's lag is measured by it).
    if (this.#tickerCache?.step !== step) {
      const tickers: Tickers = {};
      for (const t of this.#venue.tickers()) tickers[t.symbol] = ccxtTicker(this.#ex, t);
      this.#tickerCache = { step, tickers };
    }
    const all = this.#tickerCache.tickers;
    const symbols = hash.slice('tickers:'.length);
    const datetime = this.#ex.iso8601(now);
    const pushed = symbols === '' ? Object.values(all) : symbols.split(',').flatMap((s) => (all[s] ? [all[s]] : []));
    client.push(hash, Object.fromEntries(pushed.map((t) => [t.symbol, { ...t, timestamp: now, datetime }])));
  }

  #pushBook(client: SimWsClient, hash: string, always = false): void {
    const book = depthBooksOf(this.#venue).book(hash.slice('orderbook:'.length));
    if (!always && this.#bookIds.get(hash) === book.lastUpdateId) return;
    this.#bookIds.set(hash, book.lastUpdateId);
    client.push(hash, ccxtOrderBook(this.#ex, book));
  }

  /** Each trade subscription's new prints, as one message. */
  #pushTrades(client: SimWsClient): void {
    for (const hash of Object.keys(client.subscriptions)) {
      const prints = this.#venue.tape.after(hash.slice('tape:'.length), this.#tapeIds.get(hash) ?? 0);
      for (const t of prints) client.push(hash, ccxtPublicTrade(this.#ex, t), true);
      if (prints.length > 0) this.#tapeIds.set(hash, prints.at(-1)!.id);
    }
    client.flush();
  }

  #pushCandles(client: SimWsClient, hash: string): void {
    // `ohlcv::SYMBOL::TF`; a unified symbol may itself hold a colon.
    const rest = hash.slice('ohlcv::'.length);
    const cut = rest.lastIndexOf('::');
    const symbol = rest.slice(0, cut);
    const timeframe = rest.slice(cut + 2);
    // The finished candle too, so a watcher never misses a candle's end across a rollover.
    const rows = this.#venue.candles(symbol, timeframe, undefined, 2) as OHLCV[];
    client.push(hash, { symbol, timeframe, rows } satisfies CandleItem);
  }

  /** A wallet change no order made (funding, a transfer): a balance push, positions untouched. */
  #walletEvent(): void {
    const client = this.#ex.clients[PRIVATE_URL] as unknown;
    if (client instanceof SimWsClient) client.push('balance', ccxtBalance(this.#ex, this.#venue.balance()));
  }

  #userEvents(events: readonly SimOrderEvent[]): void {
    const client = this.#ex.clients[PRIVATE_URL] as unknown;
    if (!(client instanceof SimWsClient)) return;
    const traded = new Set<string>();
    for (const e of events) {
      // The venue settles a filled order right after the fill's event: the push says FILLED, as Binance's does.
      const filled = e.execution === 'TRADE' && e.order.remaining <= 0 && e.order.status === 'open';
      const order = ccxtOrder(this.#ex, filled ? { ...e.order, status: 'closed' } : e.order);
      client.push('orders', order, true);
      client.push(`orders:${e.order.symbol}`, order, true);
      if (e.fill) {
        traded.add(e.order.symbol);
        const trade = ccxtTrade(this.#ex, e.fill);
        client.push('myTrades', trade, true);
        client.push(`myTrades:${e.order.symbol}`, trade, true);
      }
    }
    if (traded.size === 0) return client.flush();
    client.push('balance', ccxtBalance(this.#ex, this.#venue.balance()), true);
    const open = new Map(this.#venue.positions([...traded]).map((p) => [p.symbol, p]));
    const now = this.#clock.now();
    for (const symbol of traded) {
      const p = open.get(symbol);
      // A closed position goes out with 0 contracts, as Binance's ACCOUNT_UPDATE sends it.
      client.push('positions', p ? ccxtPosition(this.#ex, p) : this.#ex.safePosition({ symbol, contracts: 0, timestamp: now, datetime: this.#ex.iso8601(now), hedged: false }), true);
    }
    client.flush();
  }
}
