import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCli as cli } from '../support/cli-in-process.js';
import { VirtualClock } from '../../src/core/clock.js';
import { startStatusServer, type StatusServer, type StatusServerOptions } from '../../src/http/status-server.js';
import { FakeStatusSource } from '../support/fake-status-source.js';

const TOKEN = 'tok-3f9a1c77e2-5b0d9e41a8';
const servers: StatusServer[] = [];
const dir = mkdtempSync(join(tmpdir(), 'misso-exposure-'));

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function start(options: Partial<StatusServerOptions> = {}): Promise<StatusServer> {
  const server = await startStatusServer({ source: new FakeStatusSource(), clock: new VirtualClock(), processMetrics: false, ...options });
  servers.push(server);
  return server;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request, so the test controls the Host header (fetch would not let it). */
function get(server: StatusServer, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const TASKS = ['tasks:', '  t_update_tickers: {freq: 5}'];

describe('status server exposure (issue 8 item 18)', () => {
  it('a non-loopback bind without http.token is a config error: exit 2 with the reason', async () => {
    const file = join(dir, 'open.yaml');
    writeFileSync(file, [...TASKS, 'http: {port: 0, host: 0.0.0.0}', ''].join('\n'));
    const r = await cli(['check', file]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/open\.yaml:3:\d+: http\.host: binding the status server to 0\.0\.0\.0 exposes/);
    expect(r.err).toContain('http.token: ${MISSO_HTTP_TOKEN}');
    expect(r.err).not.toMatch(/\n\s+at /);

    const run = await cli(['run', file, '--for', '1']);
    expect(run.code).toBe(2);
    expect(run.err).toContain('needs a token');
  });

  it('http.token must be a ${VAR} reference, never a literal', async () => {
    const file = join(dir, 'literal.yaml');
    writeFileSync(file, [...TASKS, 'http: {port: 0, host: 0.0.0.0, token: hunter2hunter2}', ''].join('\n'));
    const r = await cli(['check', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('http.token: a secret must not be written in the config file');
    expect(r.err).not.toContain('hunter2hunter2');
  });

  it('the library refuses to start a wide-open server too', async () => {
    await expect(start({ host: '0.0.0.0' })).rejects.toThrow(/needs a token/);
  });

  it('with a token, every route but /healthz needs the bearer token', async () => {
    const server = await start({ token: TOKEN });
    expect((await get(server, '/healthz')).status).toBe(200);
    for (const path of ['/', '/status', '/readyz', '/metrics', '/events', '/api/orders?status=open', '/api/openapi.json']) {
      const anon = await get(server, path);
      expect(anon.status, path).toBe(401);
      expect(anon.body, path).not.toContain('seed-updater');
      const wrong = await get(server, path, { authorization: 'Bearer tok-3f9a1c77e2-5b0d9e41a9' });
      expect(wrong.status, path).toBe(401);
    }
    const ok = await get(server, '/status', { authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ name: 'seed-updater' });
    // A browser opening the dashboard answers the Basic prompt with the token as password.
    const basic = Buffer.from(`operator:${TOKEN}`).toString('base64');
    expect((await get(server, '/', { authorization: `Basic ${basic}` })).status).toBe(200);
  });

  it('a wildcard bind with a token starts and still guards every route', async () => {
    const server = await start({ host: '0.0.0.0', token: TOKEN });
    // The address it prints is one to use: loopback, not 0.0.0.0.
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect((await get(server, '/status')).status).toBe(401);
    expect((await get(server, '/status', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    // Reached by one of the machine's own addresses (what a wildcard bind is for): the Host names it.
    const own = Object.values(networkInterfaces()).flat().find((a) => a && !a.internal && a.family === 'IPv4');
    if (own) expect((await get(server, '/status', { authorization: `Bearer ${TOKEN}`, host: `${own.address}:${server.port}` })).status).toBe(200);
    expect((await get(server, '/status', { authorization: `Bearer ${TOKEN}`, host: `attacker.example:${server.port}` })).status).toBe(403);
  });

  it('a token shorter than 16 characters does not guard a server reachable beyond this machine', async () => {
    await expect(start({ host: '0.0.0.0', token: 'a' })).rejects.toThrow(/needs a token of at least 16 characters \(this one has 1\)/);
    const file = join(dir, 'short.yaml');
    writeFileSync(file, [...TASKS, 'http: {port: 0, host: 0.0.0.0, token: "${SHORT_TOKEN}"}', ''].join('\n'));
    process.env['SHORT_TOKEN'] = 'abc';
    try {
      const r = await cli(['check', file]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/short\.yaml:3:\d+: http\.host: binding the status server to 0\.0\.0\.0 needs a token of at least 16 characters/);
      expect(r.err).not.toContain('abc');
    } finally {
      delete process.env['SHORT_TOKEN'];
    }
    // On loopback any token will do (the machine's own users are trusted with it).
    expect((await start({ token: 'a' })).port).toBeGreaterThan(0);
  });

  it('whitespace does not count toward the 16 characters, and a token that starts or ends with it is refused', async () => {
    const file = join(dir, 'blank.yaml');
    writeFileSync(file, [...TASKS, 'http:', '  port: 0', '  host: 0.0.0.0', '  token: "${BLANK_TOKEN}"', ''].join('\n'));
    const check = async (token: string): Promise<{ code: number; err: string }> => {
      process.env['BLANK_TOKEN'] = token;
      try {
        return await cli(['check', file]);
      } finally {
        delete process.env['BLANK_TOKEN'];
      }
    };
    const blank = await check(' '.repeat(20));
    expect(blank.code).toBe(2);
    expect(blank.err).toMatch(/blank\.yaml:6:\d+: http\.token: the token is only whitespace; give the variable `http\.token` names a long random value/);
    const padded = await check(`  ${TOKEN}\n`);
    expect(padded.code).toBe(2);
    expect(padded.err).toMatch(/blank\.yaml:6:\d+: http\.token: the token starts or ends with whitespace, so no `Authorization: Bearer` header can match it/);
    expect(padded.err).not.toContain(TOKEN);
    const spaced = await check('a b c d e f g h i j k l');
    expect(spaced.code).toBe(2);
    expect(spaced.err).toMatch(/blank\.yaml:5:\d+: http\.host: binding the status server to 0\.0\.0\.0 needs a token of at least 16 characters \(this one has 12 besides whitespace, which does not count\)/);
    expect(spaced.err).not.toContain('a b c');
    expect((await check(TOKEN)).code).toBe(0);
    // The library refuses them too.
    await expect(start({ host: '0.0.0.0', token: ' '.repeat(20) })).rejects.toThrow(/http\.token: the token is only whitespace/);
    await expect(start({ host: '0.0.0.0', token: 'a b c d e f g h i j k l' })).rejects.toThrow(/this one has 12 besides whitespace/);
  });

  it('refuses a Host header that is neither loopback nor configured (DNS rebinding)', async () => {
    const server = await start({ allowedHosts: ['misso.internal'] });
    const rebound = await get(server, '/status', { host: `attacker.example:${server.port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.body).not.toContain('seed-updater');
    expect((await get(server, '/', { host: 'attacker.example' })).status).toBe(403);
    expect((await get(server, '/status', { host: `localhost:${server.port}` })).status).toBe(200);
    expect((await get(server, '/status', { host: `127.0.0.1:${server.port}` })).status).toBe(200);
    expect((await get(server, '/status', { host: `[::1]:${server.port}` })).status).toBe(200);
    expect((await get(server, '/status', { host: 'misso.internal' })).status).toBe(200);
  });

  it('sends no CORS headers, and a preflight is not granted', async () => {
    const server = await start();
    const simple = await get(server, '/status', { origin: 'https://attacker.example' });
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await get(
      server,
      '/api/control/stop',
      { origin: 'https://attacker.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
      'OPTIONS',
    );
    expect(preflight.status).not.toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
  });
});
