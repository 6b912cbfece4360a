import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { startStatusServer, type StatusServer } from '../../src/http/status-server.js';
import type { StatusEvent, StatusSnapshot } from '../../src/http/types.js';
import { FakeStatusSource } from '../support/fake-status-source.js';
import { SseClient } from './sse-client.js';

// Real loopback HTTP rather than app.inject: light-my-request's cookie dependency wants Node 22.
const servers: StatusServer[] = [];
const streams: SseClient[] = [];

afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(source = new FakeStatusSource(), clock = new VirtualClock()) {
  const server = await startStatusServer({ source, clock, processMetrics: false });
  servers.push(server);
  return { server, source, clock };
}

async function openEvents(url: string): Promise<SseClient> {
  const client = await SseClient.open(`${url}/events`);
  streams.push(client);
  return client;
}

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('status server: probes and status', () => {
  it('binds loopback on a free port and answers /healthz', async () => {
    const { server } = await start();
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('/readyz is 200 when ready and every task is up', async () => {
    const { server } = await start();
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ready: true, reasons: [], downTasks: [], unmetFlags: [] });
  });

  it('/readyz is 503 naming the down task and its error', async () => {
    const { server, source } = await start();
    source.setTask('update_balance', { ok: false, consecutiveFailures: 3, lastError: 'NetworkError: socket hang up' });
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { ready: boolean; reasons: string[]; downTasks: string[] };
    expect(body.ready).toBe(false);
    expect(body.downTasks).toEqual(['update_balance']);
    expect(body.reasons).toEqual(['task update_balance is down (3 consecutive failures): NetworkError: socket hang up']);
  });

  it('/readyz is 503 with every unmet flag and a non-running phase', async () => {
    const { server, source } = await start();
    source.snap.ready = false;
    source.snap.phase = 'starting';
    source.snap.readiness.init_update = false;
    source.snap.readiness.journal = false;
    source.setTask('update_ohlcv', { ok: null, runs: 0 });
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { reasons: string[]; unmetFlags: string[]; downTasks: string[] };
    expect(body.unmetFlags).toEqual(['init_update', 'journal']);
    expect(body.downTasks).toEqual([]);
    expect(body.reasons).toEqual([
      'phase is starting, not running',
      'readiness flag init_update is false',
      'readiness flag journal is false',
    ]);
  });

  it('/readyz is 503 when the engine says not ready even with every flag met', async () => {
    const { server, source } = await start();
    source.snap.ready = false;
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { reasons: string[] }).reasons).toEqual(['the engine reports not ready']);
  });

  it('/status returns the snapshot as JSON', async () => {
    const { server, source } = await start();
    source.snap.prices['SOL/USD:USD'] = 101.5;
    const res = await fetch(`${server.url}/status`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as StatusSnapshot;
    expect(body).toEqual(source.snap);
    expect(body.prices['SOL/USD:USD']).toBe(101.5);
  });

  it('/status redacts credentials that leak into error messages', async () => {
    const { server, source } = await start();
    source.setTask('update_balance', {
      ok: false,
      lastError:
        'binanceusdm GET https://x/fapi/v2/balance?timestamp=1&signature=deadbeefcafe 401 ' +
        'telegram https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage',
    });
    const text = await (await fetch(`${server.url}/status`)).text();
    expect(text).not.toContain('deadbeefcafe');
    expect(text).not.toContain('AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw');
    expect(text).toContain('signature=[redacted]');
    expect(text).toContain('bot[redacted]/sendMessage');
  });

  it('/status is a 500 with a message when the engine cannot give a snapshot', async () => {
    const { server, source } = await start();
    source.failWith = new Error('state store closed');
    const res = await fetch(`${server.url}/status`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'status unavailable: state store closed' });
    // The liveness probe does not depend on the engine.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it("/api/openapi.json gives misso's version, read from package.json", async () => {
    const { server } = await start();
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as { info: { version: string } };
    expect(pkg.version).not.toBe('0.0.0');
    expect(doc.info.version).toBe(pkg.version);
  });

  it('rejects an invalid port up front and explains a busy one', async () => {
    const source = new FakeStatusSource();
    await expect(startStatusServer({ source, port: 70_000 })).rejects.toThrow(/integer from 0 to 65535, got 70000/);
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const busy = (blocker.address() as { port: number }).port;
    try {
      await expect(startStatusServer({ source, port: busy, processMetrics: false })).rejects.toThrow(
        new RegExp(`could not listen on 127.0.0.1:${busy}: .*EADDRINUSE.*Pick another http.port`),
      );
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});

describe('status server: /events', () => {
  it('sends a snapshot on connect, then every event pushed through subscribe', async () => {
    const { server, source } = await start();
    const client = await openEvents(server.url);
    expect(client.status).toBe(200);
    expect(client.contentType).toBe('text/event-stream; charset=utf-8');
    const first = await client.next();
    expect(first.event).toBe('snapshot');
    expect((JSON.parse(first.data) as StatusSnapshot).tasks.update_tickers?.runs).toBe(57);
    await until(() => source.listenerCount === 3, 'the hub to subscribe beside the event history and the latency recorder');

    const event: StatusEvent = {
      type: 'order',
      at: source.snap.now,
      clientOrderId: 'misso-7-0001',
      id: '81',
      symbol: 'BTC/USD:USD',
      side: 'buy',
      status: 'open',
      reason: null,
    };
    source.emit(event);
    const got = await client.next((f) => f.event === 'status');
    // Kept in the history, so it carries the history's sequence number.
    expect(JSON.parse(got.data)).toEqual({ ...event, seq: 1 });
  });

  it('follows events with a snapshot and repeats snapshots on the clock', async () => {
    const { server, source, clock } = await start();
    const client = await openEvents(server.url);
    await client.next((f) => f.event === 'snapshot');
    await until(() => source.listenerCount === 3, 'the hub to subscribe beside the event history and the latency recorder');

    source.snap.orders.open = 6;
    source.emit({ type: 'notification', at: source.snap.now, level: 'info', message: 'order filled' });
    await client.next((f) => f.event === 'status');
    await clock.advance(250);
    const follow = await client.next((f) => f.event === 'snapshot');
    expect((JSON.parse(follow.data) as StatusSnapshot).orders.open).toBe(6);

    source.snap.capital.total = 9999;
    await clock.advance(2000);
    const periodic = await client.next((f) => f.event === 'snapshot');
    expect((JSON.parse(periodic.data) as StatusSnapshot).capital.total).toBe(9999);
  });

  it('a burst of events costs one follow-up snapshot, not one each', async () => {
    const { server, source, clock } = await start();
    const client = await openEvents(server.url);
    await client.next((f) => f.event === 'snapshot');
    await until(() => source.listenerCount === 3, 'the hub to subscribe beside the event history and the latency recorder');
    const before = source.snapshots;
    for (let i = 0; i < 5; i++) source.emit({ type: 'notification', at: i, level: 'info', message: `n${i}` });
    await clock.advance(250);
    await client.next((f) => f.event === 'snapshot');
    expect(source.snapshots - before).toBe(1);
  });

  it('unsubscribes from the source when the last client disconnects', async () => {
    const { server, source } = await start();
    const a = await openEvents(server.url);
    const b = await openEvents(server.url);
    await a.next();
    await b.next();
    // The event history and the latency recorder listen for the server's whole life; the
    // streams share one more subscription.
    await until(() => source.listenerCount === 3, 'one shared subscription');
    a.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(source.listenerCount).toBe(3);
    b.close();
    await until(() => source.listenerCount === 2, 'the subscription to be dropped');
  });

  it('does not open a stream for HEAD', async () => {
    const { server, source } = await start();
    const res = await fetch(`${server.url}/events`, { method: 'HEAD' });
    // The route takes GET alone: a 405 that says so.
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    expect(source.listenerCount).toBe(2);
  });

  it('close() ends open streams, is idempotent, and stops listening', async () => {
    const { server, source } = await start();
    const client = await openEvents(server.url);
    await client.next();
    await until(() => source.listenerCount === 3, 'the hub to subscribe beside the event history and the latency recorder');
    const first = server.close();
    expect(server.close()).toBe(first);
    await first;
    await client.done;
    expect(client.ended).toBe(true);
    expect(source.listenerCount).toBe(0);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});

describe('status server: dashboard', () => {
  it('serves the page with a strict CSP and the escaped updater name', async () => {
    const { server, source } = await start();
    source.snap.name = '<b>bot</b>';
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe');
    expect(csp).toContain("connect-src 'self'");
    const html = await res.text();
    expect(html).toContain('&#60;b&#62;bot&#60;/b&#62;');
    expect(html).not.toContain('<b>bot</b>');
    // No inline code: every script and style is a file of this server.
    expect(html).not.toMatch(/<script>|<style>|\son[a-z]+=/);
    for (const src of [...html.matchAll(/(?:src|href)="(assets\/[^"]+)"/g)].map((m) => m[1])) {
      const asset = await fetch(`${server.url}/${src}`);
      expect(asset.status, src).toBe(200);
      expect(asset.headers.get('content-type'), src).toMatch(/^text\/(javascript|css)/);
    }
    expect((await fetch(`${server.url}/assets/..%2Fstatus-app.ts`)).status).toBe(404);
    expect(html).not.toMatch(/(src|href)="https?:/);
  });
});
