import { afterEach, describe, expect, it } from 'vitest';
import type { StatusServer } from '../../src/http/status-server.js';
import { startRefusingServer } from '../support/refusing-status-server.js';

// A user's complaint: `?status=bogus`, `PATCH {}` or `GET /api/state` answered in the schema
// validator's words (`must be equal to one of the allowed values`, `must NOT have fewer than 1
// properties`), naming no allowed value or key. Every schema refusal is said in operator words,
// by one translation of the validator's errors, whatever the route.
const TOKEN = 'words-token-3b9e';
const servers: StatusServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function start(): Promise<StatusServer> {
  return startRefusingServer(TOKEN, servers);
}

async function refusal(s: StatusServer, method: string, path: string, body?: string): Promise<{ error: string; field: string | null }> {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${s.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  expect(res.status, `${method} ${path} ${body ?? ''}`).toBe(400);
  return (await res.json()) as { error: string; field: string | null };
}

describe('schema refusals in operator words', () => {
  it('an enum names its allowed values and what came: ?status=, DELETE ?side=', async () => {
    const s = await start();
    expect(await refusal(s, 'GET', '/api/orders?status=bogus')).toEqual({ error: 'status must be open, recent or failed, got "bogus"', field: 'status' });
    expect(await refusal(s, 'DELETE', '/api/orders?side=bye')).toEqual({ error: 'side must be buy or sell, got "bye"', field: 'side' });
  });

  it('a missing or empty query parameter says how to ask: GET /api/state', async () => {
    const s = await start();
    const ask = 'ask as GET /api/state?keys=watch_list,last_price';
    expect(await refusal(s, 'GET', '/api/state')).toEqual({ error: `the query needs keys (attribute names, comma-separated); ${ask}`, field: 'keys' });
    expect(await refusal(s, 'GET', '/api/state?keys=')).toEqual({ error: `keys is empty: give attribute names, comma-separated; ${ask}`, field: 'keys' });
    expect(await refusal(s, 'GET', '/api/state?keys=,')).toEqual({ error: `keys names no attribute; ${ask}`, field: 'keys' });
  });

  it('an empty or unknown-keyed amend names the keys an amend takes', async () => {
    const s = await start();
    expect(await refusal(s, 'PATCH', '/api/orders/abc', '{}')).toEqual({
      error: 'the body is empty: PATCH /api/orders/:clientOrderId takes price and/or amount, e.g. {"price":51000}',
      field: 'body',
    });
    expect(await refusal(s, 'PATCH', '/api/orders/abc', '{"price":5,"colour":"red"}')).toEqual({
      error: 'colour is not a known field: PATCH /api/orders/:clientOrderId takes price and amount',
      field: 'colour',
    });
    expect(await refusal(s, 'GET', '/api/orders?colour=red')).toEqual({ error: 'colour is not a known query parameter: GET /api/orders takes status', field: 'colour' });
  });

  it('a body that is not an object, or none, says what the route takes', async () => {
    const s = await start();
    expect(await refusal(s, 'POST', '/api/orders', '"buy"')).toEqual({ error: 'the body must be a JSON object, got "buy"', field: 'body' });
    const none = await fetch(`${s.url}/api/orders`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(none.status).toBe(400);
    expect(await none.json()).toEqual({ error: 'the body is missing: POST /api/orders takes a JSON object with symbol, side, amount, price, type, tag and params', field: 'body' });
  });

  it('numbers and patterns say the bound or the form, and what came', async () => {
    const s = await start();
    const candles = `/api/candles/${encodeURIComponent('BTC/USD:USD')}`;
    expect(await refusal(s, 'GET', `${candles}?timeframe=7x`)).toEqual({
      error: 'timeframe must be a count and a unit of s, m, h, d, w or M (1m, 15m, 1h, 1d), got "7x"',
      field: 'timeframe',
    });
    expect(await refusal(s, 'GET', `${candles}?limit=0`)).toEqual({ error: 'limit must be >= 1, got 0', field: 'limit' });
    expect(await refusal(s, 'GET', `${candles}?limit=lots`)).toEqual({ error: 'limit must be a whole number, got "lots"', field: 'limit' });
    expect(await refusal(s, 'GET', '/api/events?since=-1')).toEqual({ error: 'since must be >= 0, got -1', field: 'since' });
  });
});
