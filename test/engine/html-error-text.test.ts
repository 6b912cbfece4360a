import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { OperatorNotifier } from '../../src/engine/operator-notifier.js';
import type { StatusReporter } from '../../src/engine/status-reporter.js';
import { TaskSupervisor } from '../../src/engine/supervisor.js';
import { evaluateReadiness } from '../../src/http/readiness.js';
import type { NotifyMessage } from '../../src/notify/types.js';
import { FakeStatusSource } from '../support/fake-status-source.js';

// ccxt's message for a 503 that a CDN answered with its error page: the whole page inside.
const PAGE = `<!DOCTYPE html>\n<html><head><title>503 Service Temporarily Unavailable</title></head><body>${'<p>please wait</p>\n'.repeat(300)}</body></html>`;
const CCXT_503 = `binanceusdm GET https://fapi.binance.com/fapi/v2/balance 503 Service Unavailable ${PAGE}`;
const SHORT = 'binanceusdm GET https://fapi.binance.com/fapi/v2/balance 503 Service Unavailable (HTML page: 503 Service Temporarily Unavailable)';

describe('HTML error pages in operator text', () => {
  it("a task's lastError, and so the readiness reason, carries the page's title, not the page", async () => {
    const clock = new VirtualClock(0);
    const sup = new TaskSupervisor({
      name: 'update_balance',
      kindName: 't_update_balance',
      kind: { mode: 'periodic', run: async () => undefined },
      freqMs: 10_000,
      timeoutMs: 30_000,
      clock,
      logger: silentLogger(),
      random: () => 1,
      initDone: Promise.resolve(),
      waitOpen: async () => undefined,
      run: async () => {
        throw new Error(CCXT_503);
      },
    });
    const stop = new AbortController();
    const loop = sup.run(stop.signal);
    await clock.advance(100);
    stop.abort();
    await loop;
    expect(sup.status.lastError).toBe(SHORT);
    const source = new FakeStatusSource();
    source.setTask('update_balance', { ok: false, consecutiveFailures: 1, lastError: sup.status.lastError });
    expect(evaluateReadiness(source.snapshot()).reasons).toEqual([`task update_balance is down (1 consecutive failures): ${SHORT}`]);
  });

  it('every notification (to the channels and to the dashboard) carries the title, not the page', () => {
    const sent: NotifyMessage[] = [];
    const shown: string[] = [];
    const reporter = { notified: (_level: string, message: string) => void shown.push(message) } as unknown as StatusReporter;
    const notifier = new OperatorNotifier(reporter, { id: 'sim', health: () => null });
    notifier.open({} as never, { notify: (m) => void sent.push(m), close: async () => undefined }, { clock: new VirtualClock(0), logger: silentLogger(), redactor: null as never });
    notifier.notify(`order c-1 buy 0.01 BTC/USD:USD failed: ${CCXT_503}`, 'warn');
    expect(sent.map((m) => m.text)).toEqual([`order c-1 buy 0.01 BTC/USD:USD failed: ${SHORT}`]);
    expect(shown).toEqual([`order c-1 buy 0.01 BTC/USD:USD failed: ${SHORT}`]);
    // The start's notice closes its parenthesis right after the page's title: no stray space.
    notifier.notify(`exchange binanceusdm unreachable at start (${CCXT_503}\n); retrying`, 'warn', 'start:unreachable');
    expect(sent.at(-1)?.text).toBe(`exchange binanceusdm unreachable at start (${SHORT}); retrying`);
  });
});
