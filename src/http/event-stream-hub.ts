import type { ServerResponse } from 'node:http';
import type { Clock } from '../core/clock.js';
import { coerceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { toSafeJson } from './safe-json.js';
import type { StatusEvent, StatusSnapshot, StatusSource } from './types.js';

/** Options for {@link EventStreamHub}. */
export interface EventStreamHubOptions {
  source: StatusSource;
  clock: Clock;
  logger: Logger;
  /** A full snapshot goes to every client this often, so ages and counts keep moving. @defaultValue 2000 */
  snapshotIntervalMs?: number;
  /**
   * After an event, a fresh snapshot follows within this delay, so counts that the event
   * changed (orders, budget) show up without waiting for the periodic one. Bursts share one.
   * @defaultValue 250
   */
  eventSnapshotDelayMs?: number;
  /** A client that lets this much output pile up unread is dropped. @defaultValue 1 MiB */
  maxBufferedBytes?: number;
}

/**
 * Serves `/events` as Server-Sent Events: one `snapshot` on connect, every {@link StatusEvent}
 * as a `status` event, and a `snapshot` periodically and shortly after events.
 *
 * It subscribes to the source only while at least one client is connected, so an idle status
 * server costs the engine nothing.
 */
export class EventStreamHub {
  readonly #source: StatusSource;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #eventDelayMs: number;
  readonly #maxBuffered: number;
  readonly #clients = new Set<ServerResponse>();
  #unsubscribe: (() => void) | null = null;
  #loopAbort: AbortController | null = null;
  #snapshotDue = false;
  #seq = 0;
  /** Slow clients dropped since the last summary: one log line per interval, not one per client. */
  #dropped = 0;
  #closed = false;

  constructor(options: EventStreamHubOptions) {
    this.#source = options.source;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#intervalMs = positive(options.snapshotIntervalMs ?? 2000, 'snapshotIntervalMs');
    this.#eventDelayMs = positive(options.eventSnapshotDelayMs ?? 250, 'eventSnapshotDelayMs');
    this.#maxBuffered = positive(options.maxBufferedBytes ?? 1024 * 1024, 'maxBufferedBytes');
  }

  /** Connected clients. */
  get clients(): number {
    return this.#clients.size;
  }

  /** Takes over `res` as an event stream until the client goes away or the hub closes. */
  attach(res: ServerResponse): void {
    if (this.#closed) {
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"status server is closing"}');
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // Proxies such as nginx would otherwise hold events back in their buffers.
      'x-accel-buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    this.#clients.add(res);
    res.on('close', () => this.#drop(res));
    res.write('retry: 2000\n\n');
    const snapshot = this.#snapshot();
    if (snapshot) this.#send(res, 'snapshot', snapshot);
    if (this.#clients.size === 1) this.#activate();
  }

  /** Ends every stream and stops listening to the source. Idempotent. */
  close(): void {
    this.#closed = true;
    for (const res of [...this.#clients]) res.end();
    this.#clients.clear();
    this.#deactivate();
  }

  #activate(): void {
    this.#unsubscribe = this.#source.subscribe((event) => this.#onEvent(event));
    const abort = new AbortController();
    this.#loopAbort = abort;
    void this.#loop(abort.signal);
  }

  #deactivate(): void {
    this.#reportDrops();
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = null;
    this.#loopAbort?.abort();
    this.#loopAbort = null;
    this.#snapshotDue = false;
    try {
      unsubscribe?.();
    } catch (error: unknown) {
      this.#logger.warn({ err: coerceError(error) }, 'status source unsubscribe failed');
    }
  }

  async #loop(signal: AbortSignal): Promise<void> {
    while (await this.#clock.sleep(this.#intervalMs, signal)) {
      this.#reportDrops();
      this.#broadcastSnapshot();
    }
  }

  #onEvent(event: StatusEvent): void {
    // The engine calls this synchronously; nothing here may throw back into it.
    try {
      this.#broadcast('status', event);
      if (this.#snapshotDue || !this.#loopAbort) return;
      this.#snapshotDue = true;
      const signal = this.#loopAbort.signal;
      void this.#clock.sleep(this.#eventDelayMs, signal).then((elapsed) => {
        if (!elapsed || signal.aborted) return;
        this.#snapshotDue = false;
        this.#broadcastSnapshot();
      });
    } catch (error: unknown) {
      this.#logger.warn({ err: coerceError(error) }, 'failed to forward a status event');
    }
  }

  #broadcastSnapshot(): void {
    const snapshot = this.#snapshot();
    if (snapshot) this.#broadcast('snapshot', snapshot);
  }

  #snapshot(): StatusSnapshot | null {
    try {
      return this.#source.snapshot();
    } catch (error: unknown) {
      this.#logger.warn({ err: coerceError(error) }, 'status snapshot failed');
      return null;
    }
  }

  #broadcast(name: string, data: unknown): void {
    const frame = this.#frame(name, data);
    for (const res of this.#clients) this.#write(res, frame);
  }

  #send(res: ServerResponse, name: string, data: unknown): void {
    this.#write(res, this.#frame(name, data));
  }

  #frame(name: string, data: unknown): string {
    // JSON.stringify escapes newlines, so one `data:` line always holds the whole payload.
    return `id: ${++this.#seq}\nevent: ${name}\ndata: ${toSafeJson(data)}\n\n`;
  }

  #write(res: ServerResponse, frame: string): void {
    if (res.writableLength > this.#maxBuffered) {
      // Counted and summarised by #reportDrops: a stampede of stuck clients must not flood the log.
      this.#dropped += 1;
      res.destroy();
      this.#drop(res);
      return;
    }
    res.write(frame);
  }

  #reportDrops(): void {
    if (this.#dropped === 0) return;
    const dropped = this.#dropped;
    this.#dropped = 0;
    this.#logger.warn({ dropped, maxBufferedBytes: this.#maxBuffered }, `dropped ${dropped} status stream client(s) that stopped reading`);
  }

  #drop(res: ServerResponse): void {
    if (!this.#clients.delete(res)) return;
    if (this.#clients.size === 0) this.#deactivate();
  }
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number of milliseconds or bytes, got ${value}`);
  }
  return value;
}
