import { ExchangeNotAvailable } from 'ccxt';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { describe, expect, it } from 'vitest';
import { LOG_SERIALIZERS, terminalPrettyOptions } from '../../src/core/logger.js';
import { attachKind, classifyError } from '../../src/exchange/classify.js';

// On the terminal (pino-pretty, the live status's log), an exchange fault prints its message
// without a stack trace: it is expected weather, not a crash. A bug keeps its stack there, and
// the JSON log keeps the fault's stack (under err.faultStack).

/** One log line as JSON (what the file gets) and as the terminal shows it. */
function logged(err: Error): { json: Record<string, unknown>; terminal: string } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ serializers: LOG_SERIALIZERS, base: { app: 'misso' } }, sink);
  logger.error({ err }, 'cancel_all on stop failed');
  const line = lines.join('');
  const { destination: _destination, ...options } = terminalPrettyOptions();
  const pretty = prettyFactory({ ...options, colorize: false });
  return { json: JSON.parse(line) as Record<string, unknown>, terminal: pretty(line) };
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
