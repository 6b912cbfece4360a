/** One Server-Sent Events frame. */
export interface SseFrame {
  id: string | null;
  event: string;
  data: string;
}

/**
 * A minimal SSE reader over fetch, so the tests see exactly the bytes a browser would. Frames
 * are queued as they arrive; `next()` takes them in order.
 */
export class SseClient {
  readonly status: number;
  readonly contentType: string | null;
  readonly #abort: AbortController;
  readonly #frames: SseFrame[] = [];
  #waiter: (() => void) | null = null;
  #ended = false;
  readonly done: Promise<void>;

  private constructor(res: Response, abort: AbortController) {
    this.status = res.status;
    this.contentType = res.headers.get('content-type');
    this.#abort = abort;
    this.done = this.#pump(res);
  }

  static async open(url: string): Promise<SseClient> {
    const abort = new AbortController();
    const res = await fetch(url, { signal: abort.signal, headers: { accept: 'text/event-stream' } });
    return new SseClient(res, abort);
  }

  /** True once the server ended the stream. */
  get ended(): boolean {
    return this.#ended;
  }

  /** The next frame, skipping frames that fail `accept`; rejects after `timeoutMs` of real time. */
  async next(accept: (f: SseFrame) => boolean = () => true, timeoutMs = 3000): Promise<SseFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.#frames.length > 0) {
        const frame = this.#frames.shift() as SseFrame;
        if (accept(frame)) return frame;
      }
      if (this.#ended) throw new Error('stream ended before the expected frame');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching SSE frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Frames received and not yet taken. */
  get buffered(): readonly SseFrame[] {
    return this.#frames;
  }

  /** Disconnects, as a browser tab closing would. */
  close(): void {
    this.#abort.abort();
  }

  async #pump(res: Response): Promise<void> {
    if (!res.body) return;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const frame = parseBlock(block);
          if (frame) this.#frames.push(frame);
        }
        this.#wake();
      }
    } catch {
      // An abort from close() ends the stream; that is the expected way out.
    } finally {
      this.#ended = true;
      this.#wake();
    }
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.();
  }
}

function parseBlock(block: string): SseFrame | null {
  let id: string | null = null;
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return null;
  return { id, event, data: data.join('\n') };
}
