import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simServerCommand } from '../../src/cli/sim-server.js';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';

let server: SimServer;
beforeAll(async () => {
  server = await startSimServer({ port: 0, faults: 'none' });
});
afterAll(async () => {
  await server.close();
});

async function post(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text() };
}

describe('sim-server admin routes', () => {
  it('refuse the plain-text cross-origin POST a web page can send, and keep the faults', async () => {
    const r = await post('/__misso/faults', '5xx', { origin: 'http://evil.example', 'content-type': 'text/plain' });
    expect(r.status).toBe(403);
    expect(r.text).toContain('cross-origin');
    expect(server.faults.spec).toBe('none');
  });

  it('refuse a cross-origin POST even when it is JSON, and one a browser marks cross-site', async () => {
    const json = { 'content-type': 'application/json' };
    expect((await post('/__misso/faults', '{"spec":"5xx"}', { ...json, origin: 'http://evil.example' })).status).toBe(403);
    expect((await post('/__misso/faults', '{"spec":"5xx"}', { ...json, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await post('/__misso/counters/reset', '{}', { ...json, origin: 'null' })).status).toBe(403);
    expect(server.faults.spec).toBe('none');
  });

  it('refuse a non-JSON POST from anywhere (415), and a JSON one with a non-JSON body (400)', async () => {
    const plain = await post('/__misso/faults', '5xx', { 'content-type': 'text/plain' });
    expect(plain.status).toBe(415);
    expect(plain.text).toContain('application/json');
    const form = await post('/__misso/counters/reset', 'x=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    const notJson = await post('/__misso/faults', '5xx', { 'content-type': 'application/json' });
    expect(notJson.status).toBe(400);
    expect(server.faults.spec).toBe('none');
  });

  it('accept a same-origin JSON POST', async () => {
    const own = new URL(server.url).host;
    const r = await post('/__misso/faults', JSON.stringify({ spec: '429:0.5' }), { 'content-type': 'application/json; charset=utf-8', origin: `http://${own}` });
    expect(r.status).toBe(200);
    expect(server.faults.spec).toBe('429:0.5');
    server.faults.set('none');
  });

  it('a bind beyond loopback prints a warning; loopback does not', async () => {
    const run = async (host: string): Promise<string> => {
      let err = '';
      const abort = new AbortController();
      const done = simServerCommand(['--host', host, '--port', '0', '--log-level', 'silent'], {
        stdout: { write: () => true },
        stderr: { write: (t: string) => (err += t) },
        signal: abort.signal,
        onListening: () => abort.abort(),
      });
      expect(await done).toBe(0);
      return err;
    };
    expect(await run('0.0.0.0')).toMatch(/warning: listening beyond loopback/);
    expect(await run('127.0.0.1')).not.toContain('warning');
  });
});
