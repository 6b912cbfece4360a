/**
 * A stop while the status server is still starting (loading the HTTP stack, binding) must not
 * leave it running after the stop: the stop's last step waits for it and closes it. The server's
 * start is held open here with a mock, so the stop surely comes first; vi.mock replaces the
 * module for this file only (the integration project's forks: a process of its own).
 */
import { describe, expect, it, vi } from 'vitest';
import type { RunningStatusServer } from '../../src/engine/status-hosting.js';
import { virtualUpdater } from '../support/virtual-updater.js';

let release: ((server: RunningStatusServer) => void) | undefined;
const closed = vi.fn(async () => undefined);
vi.mock('../../src/engine/status-hosting.js', () => ({
  startConfiguredStatusServer: () => new Promise<RunningStatusServer>((resolve) => (release = resolve)),
}));

describe('a stop while the status server starts', () => {
  it('waits for the server and closes it: no server runs after the stop', async () => {
    const { updater } = await virtualUpdater({ exchange: { id: 'sim', seed: 7 }, tasks: { t_update_tickers: { freq: 5 } }, http: { port: 0 } });
    const listening: string[] = [];
    updater.on('listening', (url) => listening.push(url));
    const started = updater.start().then(() => 'started', (e: unknown) => (e as Error).name);
    // The server's start is under way; the stop comes now, and the server is up only after it began.
    for (let i = 0; i < 100 && release === undefined; i++) await new Promise((r) => setTimeout(r, 5));
    expect(release).toBeTypeOf('function');
    const stopped = updater.stop();
    await new Promise((r) => setTimeout(r, 20));
    release!({ url: 'http://127.0.0.1:1', dashboardUrl: 'http://127.0.0.1:1/', close: closed } as unknown as RunningStatusServer);
    await stopped;
    expect(await started).toBe('StoppedError');
    expect(closed).toHaveBeenCalledTimes(1);
    expect(updater.statusUrl).toBeNull();
    expect(listening).toEqual([]);
    expect(updater.phase).toBe('stopped');
  });
});
