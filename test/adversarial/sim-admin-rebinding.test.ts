import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';

let server: SimServer;
beforeAll(async () => {
  server = await startSimServer({ port: 0, faults: 'none' });
});
afterAll(async () => {
  await server.close();
});

/** A POST with a chosen Host header (fetch does not let a caller set it; a rebinding browser does). */
function post(path: string, host: string, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'POST', headers: { host, 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('sim-server admin routes and DNS rebinding', () => {
  it('refuse a same-origin request whose Host is a domain re-pointed at loopback', async () => {
    const port = new URL(server.url).port;
    const r = await post('/__misso/faults', `evil.example:${port}`, { origin: `http://evil.example:${port}`, 'sec-fetch-site': 'same-origin' }, '{"spec":"5xx:1"}');
    expect(r.status).toBe(403);
    expect(r.text).toContain('by IP address, localhost or its --host');
    expect(server.faults.spec).toBe('none');
  });

  it('accept the server named by IP address or localhost, with or without an Origin', async () => {
    const port = new URL(server.url).port;
    expect((await post('/__misso/faults', `127.0.0.1:${port}`, {}, '{"spec":"429:0.5"}')).status).toBe(200);
    expect((await post('/__misso/faults', `localhost:${port}`, { origin: `http://localhost:${port}` }, '{"spec":"none"}')).status).toBe(200);
    expect(server.faults.spec).toBe('none');
  });
});
