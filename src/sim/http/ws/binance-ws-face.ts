import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { Clock } from '../../../core/clock.js';
import type { Logger } from '../../../core/logger.js';
import { depthBooksOf, type SimDepthUpdate } from '../../depth-book.js';
import type { SimOrderEvent, SimWalletEvent } from '../../venue-feed.js';
import { depthUpdateEvent } from '../depth-format.js';
import type { SimVenue } from '../../venue.js';
import type { SimMarket } from '../../venue-types.js';
import type { FaultController } from '../fault-controller.js';
import type { ListenKeys } from './listen-keys.js';
import { MarketSnapshot, parseStream, type MarketStream } from './ws-streams.js';
import { orderEventMessages } from './ws-order-events.js';
import { accountUpdate, listenKeyExpired } from './ws-user-format.js';
import { DelayedWrites } from './delayed-writes.js';
import { forceOrderEvent, forceOrderStreamsOf, isLiquidationFill } from './force-order-format.js';
import { parseWsRequest } from './ws-request.js';

/** What the websocket face counted, for tests and the admin endpoint. */
export interface WsFaceCounters {
  connections: number;
  /** Connections open now. */
  open: number;
  messagesSent: number;
  subscriptions: number;
  refused: number;
  drops: number;
  stalls: number;
  listenKeysExpired: number;
}

/** Options of {@link BinanceWsFace}. */
export interface WsFaceOptions {
  venue: SimVenue;
  clock: Clock;
  keys: ListenKeys;
  faults: FaultController;
  logger: Logger;
  /** Market data is pushed every this many ms of wall time. @defaultValue 1000 */
  pushMs?: number;
}

interface Connection {
  readonly ws: WebSocket;
  /** The upgraded TCP socket under `ws`: corked around a burst, so it leaves in one write. */
  readonly socket: Duplex;
  /** The path `path=` of a websocket fault matches: a legacy `/ws/<listenKey>` is the private one. */
  readonly path: string;
  readonly listenKey: string | undefined;
  readonly streams: Map<string, { stream: MarketStream; cursor?: number }>;
  stalled: boolean;
  /** Its writes under `wsdelay`, in order. */
  readonly writes: DelayedWrites;
}

const MARKET_PATH = /^\/(?:(?:market|public)\/)?ws(?:\/[^/]*)?$/;
const PRIVATE_PATH = /^\/private\/ws$/;
/** The pause between a push tick's user-data frames and its market data (see `#push`). */
const MARKET_AFTER_USER_MS = 1;
/**
 * The largest frame a client may send (a request of some thousand stream names fits in a few
 * dozen kB). ws's own default is 100 MiB: one such SUBSCRIBE held the server's event loop, REST
 * included, for seconds. A bigger frame closes its connection with 1009 (message too big).
 */
const MAX_FRAME_BYTES = 1_000_000;

/**
 * Binance USD-M's websocket dialect on the sim server's port: `/market/ws/N`, `/public/ws/N`
 * and `/ws` take `SUBSCRIBE` / `UNSUBSCRIBE` / `LIST_SUBSCRIPTIONS` and push market streams
 * (`<s>@depth` diff events as the venue's book changes, in step with `GET /fapi/v1/depth`;
 * `<s>@forceOrder` and `!forceOrder@arr` as the venue liquidates; any other name: error code 2);
 * `/private/ws?listenKey=K` (or `/ws/K`) pushes the account's `ORDER_TRADE_UPDATE` and
 * `ACCOUNT_UPDATE` as the venue produces them, and `listenKeyExpired` when the key dies.
 * Websocket faults (wsdrop, wsstall, wsrefuse, listenkey_expire, wsdelay) come from the
 * server's {@link FaultController}.
 */
export class BinanceWsFace {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  readonly #opts: WsFaceOptions;
  readonly #connections = new Set<Connection>();
  readonly #marketsByLowerId: Map<string, SimMarket>;
  readonly #marketsBySymbol: Map<string, SimMarket>;
  readonly #swaps: SimMarket[];
  readonly #timer: NodeJS.Timeout;
  readonly #unsubscribeFeed: () => void;
  #closed = false;
  readonly #counters: WsFaceCounters = {
    connections: 0, open: 0, messagesSent: 0, subscriptions: 0, refused: 0, drops: 0, stalls: 0, listenKeysExpired: 0,
  };

  constructor(server: Server, options: WsFaceOptions) {
    this.#opts = options;
    this.#swaps = options.venue.listMarkets().filter((m) => m.type === 'swap');
    this.#marketsByLowerId = new Map(this.#swaps.map((m) => [m.id.toLowerCase(), m]));
    this.#marketsBySymbol = new Map(this.#swaps.map((m) => [m.symbol, m]));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head));
    this.#timer = setInterval(() => this.#push(), options.pushMs ?? 1000);
    this.#timer.unref();
    const offOrders = options.venue.feed.subscribe((events) => this.#userEvents(events));
    const offWallet = options.venue.feed.subscribeWallet((event) => this.#walletEvent(event));
    const offBooks = depthBooksOf(options.venue).subscribe((update) => this.#depthUpdate(update));
    this.#unsubscribeFeed = () => {
      offOrders();
      offWallet();
      offBooks();
    };
  }

  /** Copies of the counters. */
  get counters(): WsFaceCounters {
    return { ...this.#counters, open: this.#connections.size };
  }

  /** Stops pushing and drops every connection. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#unsubscribeFeed();
    for (const c of this.#connections) c.ws.terminate();
    this.#wss.close();
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    let path = url.pathname;
    const now = this.#opts.clock.now();
    let listenKey: string | undefined;
    if (PRIVATE_PATH.test(path)) listenKey = url.searchParams.get('listenKey') ?? '';
    else if (!MARKET_PATH.test(path)) return refuse(socket, 404, 'Not Found');
    else {
      const tail = /^\/ws\/([0-9a-zA-Z]{20,})$/.exec(path)?.[1];
      if (tail !== undefined) {
        listenKey = tail;
        // The user stream by its legacy address: `path=private` faults reach it as they reach /private/ws.
        path = '/private/ws';
      }
    }
    if (listenKey !== undefined) {
      if (!this.#opts.keys.isValid(listenKey, now)) return refuse(socket, 400, 'Bad Request');
      if (this.#opts.faults.decideWs('wsrefuse', path)) {
        this.#counters.refused++;
        return refuse(socket, 403, 'Forbidden');
      }
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, socket, path, listenKey));
  }

  #accept(ws: WebSocket, socket: Duplex, path: string, listenKey: string | undefined): void {
    const conn: Connection = { ws, socket, path, listenKey, streams: new Map(), stalled: false, writes: new DelayedWrites() };
    this.#connections.add(conn);
    this.#counters.connections++;
    ws.on('message', (data: RawData) => this.#request(conn, data));
    ws.on('close', () => {
      this.#connections.delete(conn);
      conn.writes.clear();
    });
    ws.on('error', () => ws.terminate());
  }

  #request(conn: Connection, data: RawData): void {
    const request = parseWsRequest(data);
    if (request === undefined) return this.#reply(conn, { error: { code: 3, msg: 'Invalid JSON' }, id: null });
    const { params, id } = request;
    switch (request.method) {
      case 'SUBSCRIBE': {
        if (this.#opts.faults.decideWs('wsrefuse', conn.path)) {
          this.#counters.refused++;
          return this.#reply(conn, { error: { code: -1003, msg: 'Too many subscriptions (misso sim-server: wsrefuse).' }, id });
        }
        const parsed = params.map((name) => [name, parseStream(name, this.#marketsByLowerId)] as const);
        const bad = parsed.find(([, s]) => s === undefined);
        if (bad) return this.#reply(conn, { error: { code: 2, msg: `Invalid request: unknown stream ${bad[0]}` }, id });
        this.#reply(conn, { result: null, id });
        const fresh: string[] = [];
        for (const [name, stream] of parsed) {
          if (!conn.streams.has(name)) fresh.push(name);
          conn.streams.set(name, { stream: stream! });
          this.#counters.subscriptions++;
        }
        // The first message goes out at once, so a watcher does not wait a whole push period.
        if (fresh.length > 0) this.#pushTo(conn, this.#snapshot(), fresh);
        return;
      }
      case 'UNSUBSCRIBE':
        for (const name of params) conn.streams.delete(name);
        return this.#reply(conn, { result: null, id });
      case 'LIST_SUBSCRIPTIONS':
        return this.#reply(conn, { result: [...conn.streams.keys()], id });
      case 'SET_PROPERTY':
        return this.#reply(conn, { result: null, id });
      case 'GET_PROPERTY':
        return this.#reply(conn, { result: false, id });
      default:
        return this.#reply(conn, { error: { code: 1, msg: 'Invalid request: unknown method' }, id });
    }
  }

  #snapshot(at = this.#opts.clock.now()): MarketSnapshot {
    return new MarketSnapshot(this.#opts.venue, this.#swaps, at);
  }

  /**
   * One push tick: the venue walks to now, then faults, listenKey expiry and market data to every
   * live market connection. The account's order updates go out before the step's market data, as
   * a venue's user stream does not queue behind its public one: the fills of the step just walked
   * reach the feed's listeners a microtask after `advance()`, and the market part follows
   * {@link MARKET_AFTER_USER_MS} later. Serialising the market data takes milliseconds, and a
   * venue sharing the machine with its client must not spend them at once: Linux wakes the
   * reader of the user frames on the writer's core, where it waits until the writer's slice ends
   * (bench/wake-latency.ts: a loopback burst took 2.15 ms at the p90 behind 3 ms of work, 0.59 ms
   * behind a 1 ms pause first; BENCHMARKS.md, ninth pass).
   */
  #push(): void {
    this.#opts.venue.advance();
    setTimeout(() => this.#pushMarket(), MARKET_AFTER_USER_MS).unref();
  }

  /**
   * The venue walks again first: a step that ended during the pause (or a clock that jumped) has
   * its fills handed to the user stream a microtask on, by the venue's feed, and the market data,
   * whose tickers would walk the venue themselves, follows them.
   */
  #pushMarket(): void {
    if (this.#closed) return;
    this.#opts.venue.advance();
    queueMicrotask(() => this.#sendMarket());
  }

  #sendMarket(): void {
    if (this.#closed) return;
    const { clock, keys, faults } = this.#opts;
    const now = clock.now();
    this.#expireKeyByFault(now);
    const snapshot = this.#snapshot(now);
    for (const conn of [...this.#connections]) {
      if (faults.decideWs('wsdrop', conn.path)) {
        this.#counters.drops++;
        conn.ws.terminate();
        continue;
      }
      if (!conn.stalled && faults.decideWs('wsstall', conn.path)) {
        this.#counters.stalls++;
        conn.stalled = true;
      }
      if (conn.listenKey !== undefined) {
        if (!keys.isValid(conn.listenKey, now)) this.#expire(conn, now);
        continue;
      }
      this.#pushTo(conn, snapshot, [...conn.streams.keys()]);
    }
  }

  #pushTo(conn: Connection, snapshot: MarketSnapshot, names: readonly string[]): void {
    const messages: unknown[] = [];
    const prints: { T: number }[] = [];
    for (const name of names) {
      const entry = conn.streams.get(name);
      if (!entry) continue;
      const built = snapshot.messages(entry.stream, entry.cursor);
      if (built.cursor !== undefined) entry.cursor = built.cursor;
      if (entry.stream.kind === 'trade' || entry.stream.kind === 'aggTrade') prints.push(...(built.messages as { T: number }[]));
      else messages.push(...built.messages);
    }
    // A venue prints in time order across markets: one market's step of prints must not all go
    // before another's (a client resolving one watch per burst would only ever see the first market).
    prints.sort((a, b) => a.T - b.T);
    this.#sendBurst(conn, [...messages, ...prints]);
  }

  /**
   * A `listenkey_expire` drawn now kills the key and tells every connection on it. Drawn at each
   * push tick and right behind each batch of order updates: a key can die just after a fill went
   * out, and the client then reads both frames in one go.
   */
  #expireKeyByFault(now: number): void {
    const { keys, faults } = this.#opts;
    if (keys.current(now) === undefined || !faults.decideWs('listenkey_expire', '/private/ws')) return;
    keys.expire(now);
    for (const conn of [...this.#connections]) if (conn.listenKey !== undefined) this.#expire(conn, now);
  }

  #expire(conn: Connection, now: number): void {
    this.#counters.listenKeysExpired++;
    this.#send(conn, listenKeyExpired(conn.listenKey!, now), true);
    const ws = conn.ws;
    this.#connections.delete(conn);
    conn.writes.schedule(this.#opts.faults.wsDelayMsFor(conn.path) + 10, () => ws.close(1000, 'listenKey expired'));
  }

  /** A book change → one `depthUpdate` to every `<s>@depth` subscriber of its market. */
  #depthUpdate(update: SimDepthUpdate): void {
    const market = this.#marketsBySymbol.get(update.symbol);
    if (!market) return;
    let event: unknown;
    for (const conn of this.#connections) {
      if (conn.listenKey !== undefined) continue;
      for (const { stream } of conn.streams.values()) {
        if (stream.kind !== 'depth' || stream.market.symbol !== update.symbol) continue;
        event ??= depthUpdateEvent(market, update, this.#opts.clock.now());
        this.#send(conn, event);
      }
    }
  }

  #privates(now: number): Connection[] {
    const keys = this.#opts.keys;
    return [...this.#connections].filter((c) => c.listenKey !== undefined && keys.isValid(c.listenKey, now));
  }

  /** Order changes → `ORDER_TRADE_UPDATE`s, then one `ACCOUNT_UPDATE` (reason ORDER) for the traded symbols. */
  #userEvents(events: readonly SimOrderEvent[]): void {
    const { venue, clock } = this.#opts;
    const now = clock.now();
    this.#forceOrders(events, now);
    const privates = this.#privates(now);
    if (privates.length === 0) return;
    // The order updates leave first, in one write per connection: the account's balance and
    // positions take the venue longer to work out, and a venue does not hold a fill back for them.
    const messages: unknown[] = events.flatMap((e) => orderEventMessages(venue.market(e.order.symbol), e, now));
    const texts = messages.map((m) => JSON.stringify(m));
    for (const conn of privates) this.#sendTexts(conn, texts);
    const traded = [...new Set(events.filter((e) => e.execution === 'TRADE').map((e) => e.order.symbol))];
    if (traded.length > 0) {
      const open = new Map(venue.positions(traded).map((p) => [p.symbol, p]));
      const positions = traded.map((s) => ({ market: venue.market(s), position: open.get(s), realizedPnl: venue.realizedPnl(s) }));
      const update = [JSON.stringify(accountUpdate('ORDER', venue.balance(), positions, now))];
      for (const conn of privates) this.#sendTexts(conn, update);
    }
    this.#expireKeyByFault(now);
  }

  /** A liquidation's fill → one `forceOrder` per `<s>@forceOrder` / `!forceOrder@arr` a market connection holds. */
  #forceOrders(events: readonly SimOrderEvent[], now: number): void {
    for (const event of events.filter(isLiquidationFill)) {
      const text = JSON.stringify(forceOrderEvent(this.#opts.venue.market(event.order.symbol), event, now));
      for (const conn of this.#connections) {
        const n = conn.listenKey === undefined ? forceOrderStreamsOf(conn.streams.values(), event.order.symbol) : 0;
        if (n > 0) this.#sendTexts(conn, Array<string>(n).fill(text));
      }
    }
  }

  /**
   * Sends the messages of one event as one socket write (the socket corked around them), as a
   * server batching its writes does: each frame its own write would be a segment and a read of
   * its own at the other end. Under `wsdelay` the burst leaves late as a whole: latency delays a
   * write, it does not split it into one per frame.
   */
  #sendBurst(conn: Connection, messages: readonly unknown[], control = false): void {
    this.#sendTexts(conn, messages.map((m) => JSON.stringify(m)), control);
  }

  /** {@link #sendBurst} of messages already serialised (once for every connection they go to). */
  #sendTexts(conn: Connection, texts: readonly string[], control = false): void {
    if ((conn.stalled && !control) || texts.length === 0) return;
    const write = (): void => {
      const socket = conn.socket as Duplex & Partial<Pick<Socket, 'cork' | 'uncork'>>;
      socket.cork?.();
      try {
        for (const text of texts) {
          if (conn.ws.readyState !== WebSocket.OPEN) return;
          conn.ws.send(text);
          this.#counters.messagesSent++;
        }
      } finally {
        socket.uncork?.();
      }
    };
    conn.writes.schedule(this.#opts.faults.wsDelayMsFor(conn.path), write);
  }

  /** A wallet change no order made → a wallet-only `ACCOUNT_UPDATE` (`P: []`), as Binance sends for funding. */
  #walletEvent(event: SimWalletEvent): void {
    const now = this.#opts.clock.now();
    const message = accountUpdate(event.reason, event, [], now, event.delta);
    for (const conn of this.#privates(now)) this.#send(conn, message);
  }

  #reply(conn: Connection, body: unknown): void {
    this.#send(conn, body, true);
  }

  /** Sends one message unless the connection stalled (replies to requests still go out). */
  #send(conn: Connection, body: unknown, control = false): void {
    this.#sendBurst(conn, [body], control);
  }
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
