import { afterEach, describe, expect, it } from 'vitest';
import { parseJsonBody } from '../../src/http/request-errors.js';
import type { StatusServer } from '../../src/http/status-server.js';
import { startRefusingServer } from '../support/refusing-status-server.js';

// Every refusal answers in the project's shape, {error, field}, and none echoes a huge input.
const TOKEN = 'err-bodies-token-1';
const servers: StatusServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function start(): Promise<StatusServer> {
  return startRefusingServer(TOKEN, servers);
}

async function answer(server: StatusServer, method: string, path: string, body?: string): Promise<{ status: number; text: string; json: Record<string, unknown> }> {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: res.status, text, json: JSON.parse(text) as Record<string, unknown> };
}

describe('error bodies', () => {
  it('a body with a __proto__ key is refused for that key, not called invalid JSON', async () => {
    const s = await start();
    const proto = await answer(s, 'POST', '/api/orders', '{"symbol":"BTC/USD:USD","__proto__":{"admin":true}}');
    expect(proto.status).toBe(400);
    expect(proto.json).toEqual({ error: expect.stringContaining('__proto__ is not allowed'), field: 'body' });
    expect(proto.text).not.toMatch(/not valid JSON/);
    const nested = await answer(s, 'PATCH', '/api/orders/abc', '{"price":1,"x":{"constructor":{"prototype":{}}}}');
    expect(nested.json['error']).toContain('constructor.prototype is not allowed');
    const broken = await answer(s, 'POST', '/api/orders', '{"symbol":');
    expect(broken.status).toBe(400);
    expect(broken.json['error']).toMatch(/^the body is not valid JSON/);
  });

  it('an unknown route answers {error} with where to look, not Fastify\'s {message, error, statusCode}', async () => {
    const s = await start();
    const api = await answer(s, 'GET', '/api/nope?token=abc');
    expect(api.status).toBe(404);
    expect(api.json).toEqual({ error: 'no route GET /api/nope; the API routes are listed at /api/openapi.json', field: null });
    const other = await answer(s, 'PUT', '/nothing');
    expect(other.status).toBe(404);
    expect(Object.keys(other.json).sort()).toEqual(['error', 'field']);
    expect(other.json['error']).toMatch(/^no route PUT \/nothing; the routes are \/ \(the dashboard\)/);
    const long = await answer(s, 'GET', `/${'x'.repeat(5000)}`);
    expect(long.text.length).toBeLessThan(400);
  });

  it('a route asked with a method it does not take is a 405 naming the ones it takes, with Allow', async () => {
    const s = await start();
    for (const [method, path, allow] of [
      ['GET', '/api/control/stop', 'POST'],
      ['PUT', '/status', 'GET, HEAD'],
      ['PUT', '/api/orders', 'GET, HEAD, POST, DELETE'],
      ['POST', '/api/orders/abc', 'DELETE, PATCH'],
    ] as const) {
      const res = await fetch(`${s.url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });
      const body = (await res.json()) as Record<string, unknown>;
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get('allow')?.split(', ').sort(), `${method} ${path}`).toEqual(allow.split(', ').sort());
      expect(body['error'], `${method} ${path}`).toMatch(new RegExp(`^${path.replace(/\//g, '\\/')} takes .*, not ${method}; send it as [A-Z]+$`));
      expect(body['error'], `${method} ${path}`).not.toMatch(/send it as HEAD/);
    }
    // A trailing slash makes another path, which is no route: 404, as the router says.
    for (const path of ['/status/', '/healthz/', '/api/control/stop/']) {
      const res = await fetch(`${s.url}${path}`, { method: 'GET', headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status, path).toBe(404);
    }
  });

  it("a body that is not JSON, or too large, is refused with what to send, not Fastify's bare words", async () => {
    const s = await start();
    const plain = await fetch(`${s.url}/api/orders`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' }, body: 'symbol=BTC' });
    expect(plain.status).toBe(415);
    expect(await plain.json()).toEqual({ error: 'the body must be JSON: send it with Content-Type: application/json (not "text/plain")', field: null });
    const huge = await answer(s, 'POST', '/api/orders', JSON.stringify({ symbol: 'A'.repeat(2_000_000) }));
    expect(huge.status).toBe(413);
    expect(huge.json).toEqual({ error: 'the body is over 1048576 bytes, the most a request to this server may carry; send less', field: null });
  });

  it('a 10 KB path parameter is a 414 in the project shape that does not echo the path', async () => {
    const s = await start();
    const r = await answer(s, 'DELETE', `/api/orders/${'a'.repeat(10_000)}`);
    expect(r.status).toBe(414);
    expect(Object.keys(r.json).sort()).toEqual(['error', 'field']);
    expect(r.json['error']).toMatch(/path parameter is too long/);
    expect(r.text).not.toContain('aaaaaaaaaa');
    expect(r.text.length).toBeLessThan(300);
  });

  it('a malformed percent-encoding is a 400 in the project shape', async () => {
    const s = await start();
    for (const path of ['/api/orders/%E0%A4%A', '/api/candles/%ZZ', '/nope/%E0%A4%A']) {
      const r = await answer(s, path.startsWith('/api/orders') ? 'DELETE' : 'GET', path);
      expect(r.status, path).toBe(400);
      expect(r.json, path).toEqual({ error: expect.stringContaining('malformed percent-encoding'), field: null });
    }
  });
});

describe('parseJsonBody', () => {
  it('parses JSON, refuses forbidden keys at any depth and says what is wrong', () => {
    expect(parseJsonBody('{"a":[1,{"b":null}]}')).toEqual({ a: [1, { b: null }] });
    expect(parseJsonBody('{"constructor":"fine"}')).toEqual({ constructor: 'fine' });
    expect(() => parseJsonBody('[{"a":{"__proto__":1}}]')).toThrow(/__proto__ is not allowed/);
    // An empty body is no body: the route decides whether it needed one.
    expect(parseJsonBody('')).toBeUndefined();
    expect(parseJsonBody(' \r\n')).toBeUndefined();
    expect(() => parseJsonBody('nope')).toThrow(/not valid JSON/);
  });
});
