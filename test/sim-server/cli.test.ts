import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { simServerCommand } from '../../src/cli/sim-server.js';
import type { SimServer } from '../../src/sim/http/binance-server.js';
import { simClient } from './fixtures/sim-client.js';

const RUNNER = fileURLToPath(new URL('./fixtures/run-sim-server.ts', import.meta.url));

function capture(): { io: { stdout: { write(t: string): boolean }; stderr: { write(t: string): boolean } }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (t: string) => ((out += t), true) },
      stderr: { write: (t: string) => ((err += t), true) },
    },
    out: () => out,
    err: () => err,
  };
}

describe('simServerCommand', () => {
  it.each([
    [['--port', 'abc'], '--port "abc" must be a whole number'],
    [['--port', '70000'], '--port 70000 is above 65535'],
    [['--seed=-1'], '--seed -1 must not be negative'],
    // A negative number after an option is its value (node's parseArgs alone calls it ambiguous).
    [['--seed', '-1'], '--seed -1 must not be negative'],
    [['--port', '-5'], '--port -5 must not be negative'],
    [['--markets', '-1'], '--markets -1 must be from 1 to 5000'],
    [['--markets', '1.5'], '--markets "1.5" must be a whole number'],
    // Any dashed word after a valued option is its value, told as a bad value, not as "ambiguous".
    [['--clock-offset-ms', '-abc'], '--clock-offset-ms "-abc" must be a whole number of milliseconds'],
    [['--clock-offset-ms', '99999999999999999999'], '--clock-offset-ms 99999999999999999999 is more than a day'],
    [['--clock-offset-ms', '-86400001'], '--clock-offset-ms -86400001 is more than a day'],
    // An HTTP fault rule whose path the server does not serve could never fire.
    [['--port', '0', '--faults', '5xx:path=private'], 'fault rule "5xx:1:path=private": path "private" matches no HTTP path the server serves'],
    [['--markets', '0'], '--markets 0 must be from 1 to 5000'],
    [['--clock-offset-ms', '-500', '--markets', '99999'], '--markets 99999 must be from 1 to 5000'],
    [['--faults', 'explode'], 'unknown fault kind "explode"'],
    [['--frobnicate'], 'unknown option --frobnicate'],
    [['--port'], '--port needs a value'],
    [['extra'], 'unexpected argument "extra"'],
    [['--log-level', 'loud'], '--log-level "loud"'],
    [['--host', '999.1.1.1'], '--host 999.1.1.1 is not an IPv4 address'],
  ])('refuses %j with exit 2 and a one-line reason, no stack trace', async (argv, message) => {
    const c = capture();
    expect(await simServerCommand(argv, c.io)).toBe(2);
    expect(c.err()).toContain(message);
    // As misso run and check say it: the command, the reason, and the help named once.
    expect(c.err()).toMatch(/^misso sim-server: /);
    expect(c.err().match(/misso sim-server --help/g)).toHaveLength(1);
    expect(c.err()).not.toMatch(/\n\s+at /);
    expect(c.out()).toBe('');
  });

  it('--help prints usage and the fault syntax, exit 0', async () => {
    const c = capture();
    expect(await simServerCommand(['--help'], c.io)).toBe(0);
    expect(c.out()).toContain('Usage: misso sim-server');
    expect(c.out()).toContain('misso-sim-key');
    expect(c.out()).toContain('visibility:MS');
    // The negative offset is written as it is accepted (after the option, not joined with "=").
    expect(c.out()).toContain('(negative: behind, e.g. -500)');
  });

  it('serves until aborted, printing its address, with the flags applied', async () => {
    const c = capture();
    const abort = new AbortController();
    let server: SimServer | undefined;
    const done = simServerCommand(
      ['--port', '0', '--seed', '9', '--funding', '--api-key', 'k1', '--secret', 's1', '--faults', 'visibility:100', '--log-level', 'silent'],
      { ...c.io, signal: abort.signal, onListening: (s) => (server = s) },
    );
    await vi_waitFor(() => server !== undefined);
    expect(c.out()).toMatch(/^misso sim-server listening on http:\/\/127\.0\.0\.1:\d+ \(seed 9, custom key, funding, faults visibility:100\)\n/);
    expect(server!.venue.seed).toBe(9);
    expect(server!.venue.visibilityDelayMs).toBe(100);
    expect(server!.venue.funding.enabled).toBe(true);
    // Liquidation is on unless --no-liquidation says otherwise.
    expect(server!.venue.liquidations.enabled).toBe(true);
    const ex = simClient(server!.url, { apiKey: 'k1', secret: 's1' });
    await expect(ex.fetchBalance()).resolves.toHaveProperty('USD');
    abort.abort();
    expect(await done).toBe(0);
    expect(c.out()).toContain('misso sim-server stopped');
  });

  it('--no-liquidation starts a venue that never liquidates, and says so', async () => {
    const c = capture();
    const abort = new AbortController();
    let server: SimServer | undefined;
    const done = simServerCommand(['--port', '0', '--no-liquidation', '--log-level', 'silent'], { ...c.io, signal: abort.signal, onListening: (s) => (server = s) });
    await vi_waitFor(() => server !== undefined);
    expect(c.out()).toMatch(/^misso sim-server listening on http:\/\/127\.0\.0\.1:\d+ \(seed 7, key misso-sim-key, no liquidation\)\n/);
    expect(server!.venue.liquidations.enabled).toBe(false);
    abort.abort();
    expect(await done).toBe(0);
  });

  it('a second signal while it stops ends it at once with 130, as misso run does', async () => {
    const c = capture();
    const abort = new AbortController();
    let server: SimServer | undefined;
    const done = simServerCommand(['--port', '0', '--log-level', 'silent'], { ...c.io, signal: abort.signal, onListening: (s) => (server = s) });
    await vi_waitFor(() => server !== undefined);
    // The first stop is under way (its close settles a turn later) when the signal comes.
    abort.abort();
    process.emit('SIGINT', 'SIGINT');
    expect(await done).toBe(130);
    expect(c.err()).toContain('misso sim-server: SIGINT again, stopping now');
    expect(c.out()).not.toContain('misso sim-server stopped');
    expect(process.listenerCount('SIGINT')).toBe(0);
    await server!.close();
  });

  it('a SIGTERM while the server starts (before it listens) stops it as soon as it listens, exit 0: it was swallowed and the server kept serving', async () => {
    const c = capture();
    const signals = new EventEmitter();
    let server: SimServer | undefined;
    const done = simServerCommand(['--port', '0', '--log-level', 'silent'], { ...c.io, signals, onListening: (s) => (server = s) });
    // The command is starting the server now (an await): the signal comes before it listens.
    expect(server).toBeUndefined();
    signals.emit('SIGTERM', 'SIGTERM');
    expect(await done).toBe(0);
    expect(c.out()).toContain('misso sim-server listening on');
    expect(c.err()).toContain('misso sim-server: SIGTERM, stopping');
    expect(c.out()).toContain('misso sim-server stopped');
    // Nothing of the command's is left listening.
    expect(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT')).toBe(0);
    await expect(fetch(`${server!.url}/fapi/v1/ping`)).rejects.toThrow();
  });

  it('a port already in use is an input mistake: exit 2 with what to do', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const c = capture();
    expect(await simServerCommand(['--port', String(port), '--log-level', 'silent'], c.io)).toBe(2);
    expect(c.err()).toContain(`port ${port} on 127.0.0.1 is already in use. Pick another --port (0 picks a free one)`);
    expect(c.err()).not.toMatch(/\n\s+at /);
    await new Promise((r) => blocker.close(r));
  });

  it('a host name that does not resolve is an input mistake: exit 2 naming --host', async () => {
    const c = capture();
    // `.invalid` never resolves (RFC 2606); without any resolver the lookup fails all the same.
    const code = await simServerCommand(['--host', 'no-such-host.invalid', '--port', '0', '--log-level', 'silent'], c.io);
    expect(c.err()).toMatch(/^misso sim-server: cannot start: .*no-such-host\.invalid.*--host must be an address of this machine/);
    expect(code).toBe(2);
  });
});

describe('misso sim-server as a process', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('prints its address, serves ccxt, and exits 0 on %s', async (signal) => {
    const child = spawn(process.execPath, ['--import', 'tsx', RUNNER, '--port', '0', '--seed', '4'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await vi_waitFor(() => /listening on (\S+)/.test(out), 15_000);
      const url = /listening on (\S+)/.exec(out)![1]!;
      expect(out).toContain('(seed 4, key misso-sim-key)');
      const ex = simClient(url);
      await expect(ex.fetchTicker('ETH/USD:USD')).resolves.toMatchObject({ symbol: 'ETH/USD:USD' });
      child.kill(signal);
      expect(await exited).toBe(0);
      expect(out).toContain('misso sim-server stopped');
      expect(err).toContain(signal);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

async function vi_waitFor(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
