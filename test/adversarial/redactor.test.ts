import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/core/redact.js';

describe('Redactor', () => {
  const token = '123456:AbC-dEf/gh"i';
  const r = new Redactor([token, 'apikey-0001', null, undefined, 'abc']);

  it('scrubs a secret as written, URL-encoded and JSON-escaped', () => {
    expect(r.text(`POST /bot${token}/sendMessage`)).toBe('POST /bot[redacted]/sendMessage');
    expect(r.text(`GET /bot${encodeURIComponent(token)}/getMe`)).toBe('GET /bot[redacted]/getMe');
    expect(r.text(JSON.stringify({ msg: `token ${token}` }))).toBe('{"msg":"token [redacted]"}');
    expect(r.text('header X-MBX-APIKEY: apikey-0001')).toBe('header X-MBX-APIKEY: [redacted]');
  });

  it('drops signed query strings and signature fields, and leaves short non-secrets alone', () => {
    expect(r.text('binanceusdm GET http://h/fapi/v2/account?timestamp=1&recvWindow=5000&signature=ab12 503')).toBe(
      'binanceusdm GET http://h/fapi/v2/account?[redacted] 503',
    );
    expect(r.text('body timestamp=1&signature=ff00')).toBe('body timestamp=1&signature=[redacted]');
    expect(r.text('abc stays')).toBe('abc stays');
  });

  it('copies plain data with every string scrubbed, cycles included, and scrubs errors in place', () => {
    const data: Record<string, unknown> = { a: [`x${token}`], n: 1, when: new Date(0) };
    data['self'] = data;
    expect(r.value(data)).toEqual({ a: ['x[redacted]'], n: 1, when: '1970-01-01T00:00:00.000Z', self: '[circular]' });
    const error = new TypeError(`failed for apikey-0001`);
    expect(r.error(error)).toBe(error);
    expect(error.message).toBe('failed for [redacted]');
    expect(error.stack).not.toContain('apikey-0001');
  });
});

describe('Redactor: encoded and partial forms', () => {
  const password = 'pa ss"w\\rd!(x)~';
  const key = 'kAAAABBBBCCCCDDDDEEEE';
  const r = new Redactor([password, key]);

  it('scrubs a secret form-encoded, percent-encoded in lower case, and JSON-escaped twice', () => {
    expect(r.text(`body=${new URLSearchParams({ p: password }).toString()}`)).toBe('body=p=[redacted]');
    expect(r.text(`u=${encodeURIComponent(password).toLowerCase()}`)).toBe('u=[redacted]');
    const nested = JSON.stringify({ msg: `exchange said ${JSON.stringify({ passphrase: password })}` });
    expect(r.text(nested)).not.toContain('w\\\\\\\\rd');
    expect(r.text(nested)).toContain('[redacted]');
  });

  it('scrubs the head of a secret cut short by an ellipsis', () => {
    expect(r.text(`{"url":"https://x/?apikey=${key.slice(0, 12)}…`)).toBe('{"url":"https://x/?apikey=[redacted]…');
    expect(r.text(`value ${key.slice(0, 9)}...`)).toBe('value [redacted]...');
    // Text that merely ends like a short head of a secret, or has an ellipsis elsewhere, is kept.
    expect(r.text('kAA… and more...')).toBe('kAA… and more...');
  });
});

describe('Redactor: credentials inside URLs', () => {
  it('scrubs the user and password of any URL, configured secret or not', () => {
    const r = Redactor.none();
    expect(r.text('binanceusdm GET http://user:PROXYPASS99@127.0.0.1:9/fapi/v1/time')).toBe('binanceusdm GET http://[redacted]@127.0.0.1:9/fapi/v1/time');
    expect(r.text('"url":"socks5h://u%40x:p%3Aw@proxy:1080"')).toBe('"url":"socks5h://[redacted]@proxy:1080"');
    expect(r.text('mail ops@example.com, see https://example.com/a@b')).toBe('mail ops@example.com, see https://example.com/a@b');
  });
});

describe('Redactor: hostile values', () => {
  it('copies what it can read: a throwing getter or Proxy becomes [unreadable], a BigInt a string', () => {
    const r = Redactor.none();
    const value = {
      a: 1,
      n: 5n,
      get boom(): never {
        throw new Error('getter exploded');
      },
      p: new Proxy({}, { ownKeys: () => { throw new Error('trap'); } }),
    };
    expect(r.value(value)).toEqual({ a: 1, n: '5', boom: '[unreadable]', p: '[unreadable]' });
  });
});
