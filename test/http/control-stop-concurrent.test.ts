/**
 * Stops sent at once through the control API, to an updater that owns its status server: each
 * request the server took is answered (202: stop is idempotent), none is cut off by the server
 * closing as the updater stops, not even one still sending its body when the close begins.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { Updater } from '../../src/engine/updater.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

const TOKEN = 'concurrent-stop-token-0123456789';
let updater: Updater | null = null;
afterEach(async () => {
  await updater?.stop();
  updater = null;
});

describe('POST /api/control/stop, five at once', () => {
  it('answers every one of them, and the updater stops once', async () => {
    const built = await virtualUpdater(
      { class_attributes: { watch_list: ['BTC/USD:USD'] }, tasks: { t_update_tickers: { freq: 5 } }, http: { port: 0, token: '${T}' } },
      { env: { T: TOKEN } },
    );
    updater = built.updater;
    await startVirtual(updater, built.clock);
    const { port } = new URL(updater.statusUrl!);
    // Five requests the server has all taken (`Expect: 100-continue`: it said it read their
    // headers), then their bodies at once: one stop, five answers (a stop is idempotent). The
    // tests below hold a request under way while the server closes.
    const taken: Promise<void>[] = [];
    const sends: (() => void)[] = [];
    const answers = Array.from({ length: 5 }, () =>
      new Promise<{ status: number; body: string } | { error: string }>((resolve) => {
        const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/control/stop', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-length': '2', expect: '100-continue' } }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', (error) => resolve({ error: error.message }));
        taken.push(new Promise((read) => req.on('continue', () => read())));
        sends.push(() => req.end('{}'));
        req.flushHeaders();
      }),
    );
    await Promise.all(taken);
    for (const send of sends) send();
    const u = updater;
    await advanceWithIo(built.clock, () => u.phase === 'stopped', 60_000);
    const stop = JSON.stringify({ accepted: true, action: 'stop' });
    expect(await Promise.all(answers)).toEqual(Array.from({ length: 5 }, () => ({ status: 202, body: stop })));
  });

  it('a stop whose body is still coming when the server closes is answered, not reset', async () => {
    const built = await virtualUpdater(
      { class_attributes: { watch_list: ['BTC/USD:USD'] }, tasks: { t_update_tickers: { freq: 5 } }, http: { port: 0, token: '${T}' } },
      { env: { T: TOKEN } },
    );
    updater = built.updater;
    await startVirtual(updater, built.clock);
    const { port } = new URL(updater.statusUrl!);
    // Headers now, the body only once the stop has begun closing the server. `Expect:
    // 100-continue` has the server say when it has read them: the request is under way.
    let finish: () => void = () => undefined;
    let read: () => void = () => undefined;
    const headersRead = new Promise<void>((resolve) => (read = resolve));
    const slow = new Promise<{ status: number; body: string } | { error: string }>((resolve) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/control/stop', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-length': '2', expect: '100-continue' } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', (error) => resolve({ error: error.message }));
      req.on('continue', () => read());
      req.flushHeaders();
      finish = () => req.end('{}');
    });
    await headersRead;
    const u = updater;
    const stopped = u.stop();
    await advanceWithIo(built.clock, () => u.phase === 'stopped', 60_000);
    // The updater is stopped; its server waits for the request under way.
    setTimeout(() => finish(), 200);
    await stopped;
    expect(await slow).toEqual({ status: 202, body: JSON.stringify({ accepted: true, action: 'stop' }) });
  });

  it('a request that never ends holds the stop only for the grace, then its connection is closed', async () => {
    const built = await virtualUpdater(
      { class_attributes: { watch_list: ['BTC/USD:USD'] }, tasks: { t_update_tickers: { freq: 5 } }, http: { port: 0, token: '${T}' } },
      { env: { T: TOKEN } },
    );
    updater = built.updater;
    await startVirtual(updater, built.clock);
    const { port } = new URL(updater.statusUrl!);
    let read: () => void = () => undefined;
    const headersRead = new Promise<void>((resolve) => (read = resolve));
    const hung = new Promise<string>((resolve) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/control/stop', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-length': '2', expect: '100-continue' } }, () => resolve('answered'));
      req.on('error', (error) => resolve(error.message));
      req.on('continue', () => read());
      req.flushHeaders();
    });
    await headersRead;
    let done = false;
    const u = updater;
    const stopped = u.stop().then(() => (done = true));
    await advanceWithIo(built.clock, () => u.phase === 'stopped', 60_000);
    // Still waiting for the request under way, within the grace.
    await built.clock.advance(1_000);
    expect(done).toBe(false);
    await advanceWithIo(built.clock, () => done, 5_000);
    await stopped;
    expect(await hung).toMatch(/socket hang up|ECONNRESET/);
  });
});
