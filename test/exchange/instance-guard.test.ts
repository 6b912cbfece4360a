/**
 * A retired instance opens no new connection. What a stream that dials it then reads: the
 * instance's state while its rebuild is on its first attempt, the outage (the last failed
 * attempt's error) once that rebuild failed: an operator told "closed: this instance opens no new
 * connection" while the exchange refused every connection was not told why.
 */
import type { Exchange } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { ExchangeClosedByUser } from '../../src/exchange/ccxt-lib.js';
import { adoptInstance, rebuildFailedAfter, retireInstance } from '../../src/exchange/instance-guard.js';

/** Just enough of a ccxt instance: `client(url)` and `delay()`. */
function fakeInstance(): Exchange {
  return { id: 'binanceusdm', client: (url: string) => ({ url }), delay: () => undefined, spawn: () => undefined } as unknown as Exchange;
}

describe('a retired instance', () => {
  it('says its state while the rebuild is on its first attempt, and the outage once a rebuild attempt failed', () => {
    const instance = fakeInstance();
    adoptInstance(instance);
    expect(instance.client('ws://x')).toEqual({ url: 'ws://x' });
    retireInstance(instance);
    expect(() => instance.client('ws://x')).toThrow(new ExchangeClosedByUser('binanceusdm closed: this instance opens no new connection'));
    rebuildFailedAfter(instance, 'connect ECONNREFUSED 127.0.0.1:8555');
    expect(() => instance.client('ws://x')).toThrow(
      new ExchangeClosedByUser('binanceusdm unreachable: the exchange session is being rebuilt, and its last attempt failed (connect ECONNREFUSED 127.0.0.1:8555)'),
    );
    // Put in use again (a factory's fixed instance): it connects.
    adoptInstance(instance);
    expect(instance.client('ws://y')).toEqual({ url: 'ws://y' });
  });
});
