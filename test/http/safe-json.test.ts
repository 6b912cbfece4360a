import { describe, expect, it } from 'vitest';
import { redactSecrets, toSafeJson } from '../../src/http/safe-json.js';

describe('redactSecrets', () => {
  it('hides signed query parameters but keeps the rest of the URL readable', () => {
    const text = 'GET https://fapi.binance.com/fapi/v1/order?symbol=BTCUSDT&timestamp=17&signature=abc123def&recvWindow=5000';
    expect(redactSecrets(text)).toBe(
      'GET https://fapi.binance.com/fapi/v1/order?symbol=BTCUSDT&timestamp=17&signature=[redacted]&recvWindow=5000',
    );
    expect(redactSecrets('apiKey=K1&secret=S1&token=T1')).toBe('apiKey=[redacted]&secret=[redacted]&token=[redacted]');
  });

  it('hides Telegram bot tokens and API key headers, also inside JSON strings', () => {
    expect(redactSecrets('POST https://api.telegram.org/bot1234567:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/sendMessage')).toBe(
      'POST https://api.telegram.org/bot[redacted]/sendMessage',
    );
    const json = toSafeJson({ lastError: 'headers {"X-MBX-APIKEY": "mykey123", "Authorization": "Bearer tok456"}' });
    expect(json).not.toContain('mykey123');
    expect(json).not.toContain('tok456');
    expect(JSON.parse(json)).toEqual({
      lastError: 'headers {"X-MBX-APIKEY": "[redacted]", "Authorization": "Bearer [redacted]"}',
    });
  });

  it("keeps misso's own hints, whose <placeholder> is no value, and still hides a value that starts with <", () => {
    for (const hint of ['control routes need Authorization: Bearer <http.token>', 'send Authorization: Bearer <http.token>']) {
      expect(JSON.parse(toSafeJson({ error: hint }))).toEqual({ error: hint });
    }
    expect(redactSecrets('Authorization: Bearer <tok456')).toBe('Authorization: Bearer [redacted]');
    expect(redactSecrets('Authorization: Bearer <a>tok456')).toBe('Authorization: Bearer [redacted]');
  });

  it('hides the credential of an Authorization header in any scheme, keeping a known scheme name', () => {
    expect(redactSecrets('Authorization: Basic dXNlcjpwYXNz')).toBe('Authorization: Basic [redacted]');
    expect(redactSecrets('proxy-authorization: basic dXNlcjpwYXNz==')).toBe('proxy-authorization: basic [redacted]');
    expect(redactSecrets('Authorization: Negotiate YIIabc123')).toBe('Authorization: Negotiate [redacted]');
    expect(redactSecrets('Authorization: dXNlcjpwYXNz')).toBe('Authorization: [redacted]');
    // A first word that is no known scheme may be the credential: both go.
    expect(redactSecrets('Authorization: Sekrit dXNlcjpwYXNz failed')).toBe('Authorization: [redacted] failed');
    const json = toSafeJson({ lastError: 'headers {"Authorization": "Basic dXNlcjpwYXNz", "Accept": "*/*"}' });
    expect(json).not.toContain('dXNlcjpwYXNz');
    expect(JSON.parse(json)).toEqual({ lastError: 'headers {"Authorization": "Basic [redacted]", "Accept": "*/*"}' });
    expect(redactSecrets('send Authorization: Basic <http.token>')).toBe('send Authorization: Basic <http.token>');
  });

  it('leaves ordinary status text alone', () => {
    const snapshot = { tasks: { update_tickers: { lastError: 'RequestTimeout: fetchTickers timed out after 10000 ms' } } };
    expect(toSafeJson(snapshot)).toBe(JSON.stringify(snapshot));
    expect(toSafeJson(undefined)).toBe('null');
  });
});
