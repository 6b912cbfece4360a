/**
 * Stops sent at once through the control API, to an updater that owns its status server: each
 * request the server took is answered (202: stop is idempotent), none is cut off by the server
 * closing as the updater stops, not even one still sending its body when the close begins.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { VirtualClock } from '../../src/core/clock.js';
import type { Updater } from '../../src/engine/updater.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

const TOKEN = 'concurrent-stop-token-0123456789';
const STOPPING = JSON.stringify({ accepted: true, action: 'stop' });
let updater: Updater | null = null;
afterEach(async () => {
  await updater?.stop();
  updater = null;
});

/** A running updater with its own status server, and that server's port. */
async function running(): Promise<{ u: Updater; clock: VirtualClock; port: number }> {
  const built = await virtualUpdater(
    { class_attributes: { watch_list: ['BTC/USD:USD'] }, tasks: { t_update_tickers: { freq: 5 } }, http: { port: 0, token: '${T}' } },
    { env: { T: TOKEN } },
  );
  updater = built.updater;
  await startVirtual(updater, built.clock);
  return { u: updater, clock: built.clock, port: Number(new URL(updater.statusUrl!).port) };
}

/**
 * A stop request whose headers are sent now and its body when `send()` says: `taken` resolves
 * once the server has read the headers (`Expect: 100-continue`), so the request is under way.
 */
function heldStop(port: number): { taken: Promise<void>; send: () => void; answer: Promise<{ status: number; body: string } | { error: string }> } {
  let taken: Promise<void> = Promise.resolve();
  let send: () => void = () => undefined;
  const answer = new Promise<{ status: number; body: string } | { error: string }>((resolve) => {
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-length': '2', expect: '100-continue' };
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/control/stop', headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (error) => resolve({ error: error.message }));
    taken = new Promise((read) => req.on('continue', () => read()));
    send = () => req.end('{}');
    req.flushHeaders();
  });
  return { taken, send, answer };
}

describe('POST /api/control/stop, five at once', () => {
  it('answers every one of them, and the updater stops once', async () => {
    const { u, clock, port } = await running();
    // Five requests the server has all taken, then their bodies at once: one stop, five answers
    // (a stop is idempotent). The tests below hold a request under way while the server closes.
    const stops = Array.from({ length: 5 }, () => heldStop(port));
    await Promise.all(stops.map((s) => s.taken));
    for (const s of stops) s.send();
    await advanceWithIo(clock, () => u.phase === 'stopped', 60_000);
    expect(await Promise.all(stops.map((s) => s.answer))).toEqual(Array.from({ length: 5 }, () => ({ status: 202, body: STOPPING })));
  });

  it('a stop whose body is still coming when the server closes is answered, not reset', async () => {
    const { u, clock, port } = await running();
    const slow = heldStop(port);
    await slow.taken;
    const stopped = u.stop();
    await advanceWithIo(clock, () => u.phase === 'stopped', 60_000);
    // The updater is stopped; its server waits for the request under way.
    setTimeout(() => slow.send(), 200);
    await stopped;
    expect(await slow.answer).toEqual({ status: 202, body: STOPPING });
  });

  it('a request that never ends holds the stop only for the grace, then its connection is closed', async () => {
    const { u, clock, port } = await running();
    const hung = heldStop(port);
    await hung.taken;
    let done = false;
    const stopped = u.stop().then(() => (done = true));
    await advanceWithIo(clock, () => u.phase === 'stopped', 60_000);
    // Still waiting for the request under way, within the grace.
    await clock.advance(1_000);
    expect(done).toBe(false);
    await advanceWithIo(clock, () => done, 5_000);
    await stopped;
    expect(await hung.answer).toEqual({ error: expect.stringMatching(/socket hang up|ECONNRESET/) });
  });
});
