import { describe, expect, it } from 'vitest';
import { evaluateReadiness } from '../../src/http/readiness.js';
import { FakeStatusSource } from '../support/fake-status-source.js';

const NOW = 1_700_000_000_000;

describe('evaluateReadiness', () => {
  it('names each false flag with the reason the engine gives, and no vague line beside real ones', () => {
    const snap = new FakeStatusSource(NOW).snapshot();
    snap.ready = false;
    snap.readiness.exchange = false;
    snap.readinessReasons = { exchange: 'session restarting since 2023-11-14T22:13:20Z (for 65 s; 5 rebuild attempts failed, last: ExchangeNotAvailable (HTTP 503))' };
    snap.readiness.journal = false;
    expect(evaluateReadiness(snap).reasons).toEqual([
      'readiness flag exchange is false: session restarting since 2023-11-14T22:13:20Z (for 65 s; 5 rebuild attempts failed, last: ExchangeNotAvailable (HTTP 503))',
      'readiness flag journal is false',
    ]);
  });

  it('says "the engine reports not ready" only when nothing else says why', () => {
    const snap = new FakeStatusSource(NOW).snapshot();
    snap.ready = false;
    snap.tasks['update_balance'] = { ...snap.tasks['update_balance']!, ok: false, consecutiveFailures: 2, lastError: 'stale: total_capital' };
    expect(evaluateReadiness(snap).reasons).toEqual(['task update_balance is down (2 consecutive failures): stale: total_capital']);
  });
});
