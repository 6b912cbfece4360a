import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { EventStreamHub } from '../../src/http/event-stream-hub.js';
import { FakeStatusSource } from '../support/fake-status-source.js';

let server: Server | null = null;
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = null;
});

describe('EventStreamHub', () => {
  it('rejects nonsense options with the option named', () => {
    const base = { source: new FakeStatusSource(), clock: new VirtualClock(), logger: silentLogger() };
    expect(() => new EventStreamHub({ ...base, snapshotIntervalMs: 0 })).toThrow(/snapshotIntervalMs must be a positive/);
    expect(() => new EventStreamHub({ ...base, maxBufferedBytes: Number.NaN })).toThrow(/maxBufferedBytes/);
  });

  it('drops a client that stops reading instead of buffering without bound', async () => {
    const source = new FakeStatusSource();
    const hub = new EventStreamHub({ source, clock: new VirtualClock(), logger: silentLogger(), maxBufferedBytes: 64 * 1024 });
    server = createServer((_req, res) => hub.attach(res));
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;

    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', r));
    socket.write('GET /events HTTP/1.1\r\nHost: x\r\n\r\n');
    // Read the headers, then stop reading: the kernel buffers fill and Node's output queue grows.
    await new Promise<void>((r) => socket.once('data', () => r()));
    socket.pause();
    expect(hub.clients).toBe(1);

    const message = 'x'.repeat(100_000);
    for (let i = 0; i < 400 && hub.clients > 0; i++) {
      source.emit({ type: 'notification', at: i, level: 'info', message });
      await new Promise((r) => setImmediate(r));
    }
    expect(hub.clients).toBe(0);
    expect(source.listenerCount).toBe(0);
    socket.destroy();
    hub.close();
  });
});
