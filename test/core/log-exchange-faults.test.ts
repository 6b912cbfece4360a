import { ExchangeNotAvailable } from 'ccxt';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { describe, expect, it } from 'vitest';
import { LOG_SERIALIZERS, terminalPrettyOptions } from '../../src/core/logger.js';
import { attachKind, classifyError, HTTP_STATUS_PROP } from '../../src/exchange/classify.js';

// On the terminal (pino-pretty, the live status's log), an exchange fault prints its message
// without a stack trace: it is expected weather, not a crash. A bug keeps its stack there, and
// the JSON log keeps the fault's stack (under err.faultStack). An HTML error page in an error's
// message is its title in every line, the error's structure and HTTP status kept.

/** One log line as JSON (what the file gets) and as the terminal shows it. */
function logged(err: Error | string, fields: Record<string, unknown> = {}): { line: string; json: Record<string, unknown>; terminal: string } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ serializers: LOG_SERIALIZERS, base: { app: 'misso' } }, sink);
  logger.error({ err, ...fields }, 'cancel_all on stop failed');
  const line = lines.join('');
  const { destination: _destination, ...options } = terminalPrettyOptions();
  const pretty = prettyFactory({ ...options, colorize: false });
  return { line, json: JSON.parse(line) as Record<string, unknown>, terminal: pretty(line) };
}

/** An exchange error as the session rethrows it: classified, its kind attached. */
function exchangeFault(): Error {
  const err = new ExchangeNotAvailable('binanceusdm GET https://fapi.binance.com/fapi/v1/openOrders 503 Service Unavailable');
  attachKind(err, classifyError(err).kind);
  return err;
}

const STACK_FRAME = /\n\s+at /;

describe('exchange faults in the log', () => {
  it('print on the terminal with their message and without their stack', () => {
    const { terminal } = logged(exchangeFault());
    expect(terminal).toContain('cancel_all on stop failed');
    expect(terminal).toContain('503 Service Unavailable');
    expect(terminal).toContain('ExchangeNotAvailable');
    expect(terminal).not.toMatch(STACK_FRAME);
  });

  it('keep their stack and kind in the JSON log', () => {
    const { json } = logged(exchangeFault());
    const err = json['err'] as Record<string, unknown>;
    expect(err['kind']).toBe('retryable');
    expect(err['stack']).toBeUndefined();
    expect(String(err['faultStack'])).toMatch(STACK_FRAME);
  });

  it('leave a bug its stack on the terminal', () => {
    const { terminal, json } = logged(new TypeError("Cannot read properties of undefined (reading 'price')"));
    expect(terminal).toMatch(STACK_FRAME);
    expect(String((json['err'] as Record<string, unknown>)['stack'])).toMatch(STACK_FRAME);
  });
});

// What ccxt throws for a 503 that a proxy answered with its error page: the whole body in the
// message (and so in the stack's first line). The HTTP instrumentation adds the status.
const PAGE =
  '<!DOCTYPE html>\n<html><head><title>503 Service Temporarily Unavailable</title><style>h1 { color: red; }</style></head>\n' +
  `<body><h1>503 Service Temporarily Unavailable</h1>${'<p>cf-ray: 8a1b2c3d4e5f</p>\n'.repeat(100)}<hr><center>cloudflare</center></body></html>`;
const URL_LINE = 'binanceusdm GET https://fapi.binance.com/fapi/v1/openOrders 503 Service Unavailable';
const SHORT = `${URL_LINE} (HTML page: 503 Service Temporarily Unavailable)`;
const HTML = /<\/?(html|head|body|title|style|h1|p|hr|center)\b|<!doctype/i;

function pageFault(): ExchangeNotAvailable {
  const err = new ExchangeNotAvailable(`${URL_LINE} ${PAGE}`);
  Object.defineProperty(err, HTTP_STATUS_PROP, { value: 503, enumerable: false });
  attachKind(err, classifyError(err).kind);
  return err;
}

describe('HTML error pages in the log', () => {
  it("keep the error's structure, with the page's title in place of the page, the HTTP status and the message's length as thrown", () => {
    const err = pageFault();
    const { line, json, terminal } = logged(err);
    expect(line).not.toMatch(HTML);
    const e = json['err'] as Record<string, unknown>;
    expect(e).toMatchObject({ type: 'ExchangeNotAvailable', message: SHORT, kind: 'retryable', httpStatus: 503, messageChars: err.message.length });
    // The stack keeps its frames, under the page's title.
    expect(String(e['faultStack']).startsWith(`ExchangeNotAvailable: ${SHORT}\n`)).toBe(true);
    expect(String(e['faultStack'])).toMatch(STACK_FRAME);
    expect(terminal).toContain(SHORT);
    expect(terminal).not.toMatch(HTML);
  });

  it('take the page out of a cause, and of an error message logged as a string or as a failure\'s detail', () => {
    const wrapped = new Error('cancel_all: the open orders could not be listed', { cause: pageFault() });
    const { line, json } = logged(wrapped, { detail: `${URL_LINE} ${PAGE}` });
    expect(line).not.toMatch(HTML);
    const err = json['err'] as Record<string, unknown>;
    expect(err['message']).toBe(`cancel_all: the open orders could not be listed: ${SHORT}`);
    expect(String(err['stack'])).toContain(`caused by: ExchangeNotAvailable: ${SHORT}\n`);
    expect(json['detail']).toBe(SHORT);
    expect(logged(`${URL_LINE} ${PAGE}`).json['err']).toBe(SHORT);
  });

  it('leave a message without a page as it is, without messageChars', () => {
    const { json } = logged(exchangeFault());
    const err = json['err'] as Record<string, unknown>;
    expect(err['message']).toBe('binanceusdm GET https://fapi.binance.com/fapi/v1/openOrders 503 Service Unavailable');
    expect(err['messageChars']).toBeUndefined();
    expect(logged('binanceusdm {"code":-2019,"msg":"Margin is insufficient."}').json['err']).toBe('binanceusdm {"code":-2019,"msg":"Margin is insufficient."}');
  });
});
