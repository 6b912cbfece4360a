import { describe, expect, it } from 'vitest';
import { PAGE_GIST_CHARS, withoutHtml } from '../../src/core/error-text.js';

// What ccxt throws for a 503 a CDN answered with its error page (handleHttpStatusCode).
const PAGE =
  '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>503 Service Temporarily Unavailable</title>\n' +
  '<style>body { font-family: sans-serif; }</style>\n</head>\n<body>\n<center><h1>503 Service Temporarily Unavailable</h1></center>\n' +
  `<hr><center>nginx</center>\n${'<p>padding</p>\n'.repeat(200)}</body>\n</html>\n`;
const CCXT_503 = `binanceusdm GET https://fapi.binance.com/fapi/v1/klines?symbol=BTCUSDT 503 Service Unavailable ${PAGE}`;

describe('withoutHtml', () => {
  it("replaces an exchange's HTML error page with its title, keeping the words around it", () => {
    expect(withoutHtml(CCXT_503)).toBe(
      'binanceusdm GET https://fapi.binance.com/fapi/v1/klines?symbol=BTCUSDT 503 Service Unavailable (HTML page: 503 Service Temporarily Unavailable)',
    );
    const notice = `stream candles down for 10s (${CCXT_503}); REST keeps the state fresh, reconnecting with backoff`;
    expect(withoutHtml(notice)).toBe(
      'stream candles down for 10s (binanceusdm GET https://fapi.binance.com/fapi/v1/klines?symbol=BTCUSDT 503 Service Unavailable ' +
        '(HTML page: 503 Service Temporarily Unavailable)); REST keeps the state fresh, reconnecting with backoff',
    );
  });

  it('without a title takes the first text of the page, bounded; a page cut short goes to the end', () => {
    const untitled = withoutHtml('x 502 <html><body><script>var a = "<b>";</script><h1>Bad &amp; gateway</h1><p>cloudflare</p></body></html>');
    expect(untitled).toBe('x 502 (HTML page: Bad & gateway cloudflare)');
    const cut = withoutHtml(`y 503 <html><head></head><body><p>${'word '.repeat(200)}`);
    expect(cut.startsWith('y 503 (HTML page: word word')).toBe(true);
    expect(cut.length).toBeLessThanOrEqual('y 503 (HTML page: )'.length + PAGE_GIST_CHARS);
    expect(withoutHtml('z <html><body></body></html>')).toBe('z (an HTML page)');
  });

  it('leaves text without a page alone, JSON error bodies and angle brackets included', () => {
    for (const text of ['binanceusdm {"code":-2019,"msg":"Margin is insufficient."}', 'price < 5 and > 2', 'send Authorization: Bearer <http.token>']) {
      expect(withoutHtml(text)).toBe(text);
    }
  });

  it('does bounded work on a huge page', () => {
    const huge = `a <html><body>${'<script>'.repeat(200_000)}`;
    const started = performance.now();
    expect(withoutHtml(huge)).toBe('a (an HTML page)');
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
