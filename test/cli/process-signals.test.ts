/**
 * The CLI's signals go through one relay that stays subscribed to the process: handing over from
 * one handler to the next (the modules' load, the config's load, the run) never leaves the
 * process without a listener, so node never closes its signal watcher in between and a signal
 * it caught meanwhile is not lost. One that finds no handler ends the process as node would.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { processSignals } from '../../src/cli/process-signals.js';

afterEach(() => vi.restoreAllMocks());

describe('processSignals', () => {
  it('is one relay, subscribed to the process whatever listens to it, and hands each signal to the handler of the moment', () => {
    const before = process.listenerCount('SIGTERM');
    const relay = processSignals();
    expect(processSignals()).toBe(relay);
    const subscribed = process.listenerCount('SIGTERM');
    expect(subscribed).toBeGreaterThanOrEqual(Math.min(before + 1, 1));
    const heard: string[] = [];
    const loading = (sig: string): void => void heard.push(`loading ${sig}`);
    const running = (sig: string): void => void heard.push(`running ${sig}`);
    relay.on('SIGTERM', loading);
    // The hand-over: the next handler comes, the last goes; the process keeps its listener.
    relay.on('SIGTERM', running);
    relay.off('SIGTERM', loading);
    expect(process.listenerCount('SIGTERM')).toBe(subscribed);
    process.emit('SIGTERM', 'SIGTERM');
    expect(heard).toEqual(['running SIGTERM']);
    relay.off('SIGTERM', running);
    expect(process.listenerCount('SIGTERM')).toBe(subscribed);
  });

  it('ends the process as node would (143, 130) for a signal no handler takes', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    processSignals();
    process.emit('SIGTERM', 'SIGTERM');
    process.emit('SIGINT', 'SIGINT');
    expect(exit.mock.calls).toEqual([[143], [130]]);
  });
});
