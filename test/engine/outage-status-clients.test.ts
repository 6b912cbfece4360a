import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { OperatorNotifier } from '../../src/engine/operator-notifier.js';
import type { StatusReporter } from '../../src/engine/status-reporter.js';
import type { SessionHealth } from '../../src/exchange/types.js';
import type { NotifyMessage } from '../../src/notify/index.js';

// Review 26 of the diff, #9: the outage's headline and its end went to the notifier only, so the
// dashboard and /events never showed "exchange unreachable" or "reachable again".

const HEALTHY: SessionHealth = { restartingSince: null, failedRebuilds: 0, lastRebuildError: null, failedCalls: 0, failingSince: null, lastCallError: null };

describe('an exchange outage and live status clients', () => {
  it('see its headline and its end, as the channels do, once each', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 10, 29, 3, 0, 0));
    let health: SessionHealth = { ...HEALTHY };
    const sent: NotifyMessage[] = [];
    const shown: string[] = [];
    const reporter = { notified: (_level: string, message: string) => void shown.push(message) } as unknown as StatusReporter;
    const notifier = new OperatorNotifier(reporter, { id: 'binanceusdm', health: () => health });
    notifier.open({} as never, { notify: (m) => void sent.push(m), close: async () => undefined }, { clock, logger: silentLogger(), redactor: null as never });
    health = { ...HEALTHY, failedCalls: 8, failingSince: clock.now(), lastCallError: 'RequestTimeout' };
    await clock.advance(15_000);
    health = { ...HEALTHY };
    await clock.advance(10_000);
    const outage = (texts: string[]): string[] => texts.filter((t) => t.startsWith('exchange binanceusdm'));
    expect(outage(sent.map((m) => m.text))).toHaveLength(2);
    expect(outage(shown)).toEqual(outage(sent.map((m) => m.text)));
    expect(outage(shown)[0]).toMatch(/unreachable since/);
    expect(outage(shown)[1]).toMatch(/reachable again/);
    await notifier.close();
  });
});
