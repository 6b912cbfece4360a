import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { EventStreamHub } from '../../src/http/event-stream-hub.js';
import { FakeStatusSource } from '../support/fake-status-source.js';

let server: Server | null = null;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = null;
});

/** Opens an event stream, reads the headers, then stops reading. */
async function stuckClient(port: number): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  await new Promise<void>((r) => socket.once('connect', r));
  socket.write('GET /events HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise<void>((r) => socket.once('data', () => r()));
  socket.pause();
}

describe('dropping slow event-stream clients', () => {
  it('logs one summary per interval, not one line per client', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const source = new FakeStatusSource();
    const clock = new VirtualClock();
    const hub = new EventStreamHub({ source, clock, logger, maxBufferedBytes: 32 * 1024, snapshotIntervalMs: 2000 });
    server = createServer((_req, res) => hub.attach(res));
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;

    const clients = 25;
    for (let i = 0; i < clients; i++) await stuckClient(port);
    expect(hub.clients).toBe(clients);
    const message = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 400 && hub.clients > 0; i++) {
      source.emit({ type: 'notification', at: i, level: 'info', message });
      await new Promise((r) => setImmediate(r));
    }
    expect(hub.clients).toBe(0);
    await clock.advance(2000);
    const dropLines = lines.filter((l) => /stopped reading/.test(l));
    expect(dropLines).toHaveLength(1);
    expect(JSON.parse(dropLines[0]!)).toMatchObject({ dropped: clients, level: 40 });
    hub.close();
  });
});
