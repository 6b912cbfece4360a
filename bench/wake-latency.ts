/**
 * How long a websocket frame takes to reach an idle reader in another process on this machine,
 * depending on what the writer does right after writing it: nothing, 3 ms of work at once (what
 * `misso sim-server` did with a step's market data, on `setImmediate`), or the same work after a
 * 1 ms pause (what it does now, see `#push` in src/sim/http/ws/binance-ws-face.ts). With a busy
 * writer, Linux often wakes the reader on the writer's own core, where it waits for the writer's
 * slice to end; the other core may be idle all the while.
 *
 *   tsx bench/wake-latency.ts [--secs N] [--burst N]
 *
 * Every 100 ms the writer sends a burst of `--burst` frames (default 15, about 10 KB, like a
 * step's fills) in one write; the reader times the first from the writer's stamp to ws's frame
 * parser. Prints p50 / p90 / p99 (ms) per case, all measured in one run.
 */
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { onWsRead } from './support.js';

const now = (): number => performance.timeOrigin + performance.now();
const SELF = fileURLToPath(import.meta.url);
const PAD = 'x'.repeat(600);

type After = 'idle' | 'busy' | 'pause-then-busy';

function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

async function writer(after: After, burst: number): Promise<void> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  process.send?.({ port: (wss.address() as { port: number }).port });
  const frame = JSON.stringify({ e: 'ORDER_TRADE_UPDATE', pad: PAD });
  setInterval(() => {
    for (const client of wss.clients) {
      const socket = (client as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
      socket.cork();
      client.send(JSON.stringify({ t: now(), pad: PAD }));
      for (let i = 1; i < burst; i++) client.send(frame);
      socket.uncork();
    }
    if (after === 'busy') spin(3);
    else if (after === 'pause-then-busy') setTimeout(() => spin(3), 1);
  }, 100);
}

function reader(port: number, secs: number): void {
  const latencies: number[] = [];
  onWsRead((chunk) => {
    const at = now();
    const stamp = /"t":([0-9.]+)/.exec(chunk.subarray(0, 64).toString('latin1'));
    if (stamp) latencies.push(at - Number(stamp[1]));
  });
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  setTimeout(() => {
    ws.terminate();
    process.send?.({ latencies });
  }, secs * 1000);
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function measure(after: After, burst: number, secs: number): Promise<number[]> {
  const w = fork(SELF, ['writer', after, String(burst)], { execArgv: ['--import', 'tsx'] });
  const { port } = await new Promise<{ port: number }>((resolve) => w.once('message', resolve as (m: unknown) => void));
  const r = fork(SELF, ['reader', String(port), String(secs)], { execArgv: ['--import', 'tsx'] });
  const { latencies } = await new Promise<{ latencies: number[] }>((resolve) => r.once('message', resolve as (m: unknown) => void));
  w.kill();
  r.kill();
  return latencies.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { secs: { type: 'string' }, burst: { type: 'string' } } });
  const secs = Number(values.secs ?? 15);
  const burst = Number(values.burst ?? 15);
  console.log(`A burst of ${burst} frames every 100 ms for ${secs} s per case; ms from the writer's stamp to the reader's frame parser.\n`);
  console.log('| writer after the write | bursts | p50 | p90 | p99 |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const after of ['idle', 'busy', 'pause-then-busy'] as const) {
    const l = await measure(after, burst, secs);
    const f = (q: number): string => quantile(l, q).toFixed(2);
    console.log(`| ${after === 'idle' ? 'nothing' : after === 'busy' ? '3 ms of work at once' : '1 ms pause, then 3 ms of work'} | ${l.length} | ${f(0.5)} | ${f(0.9)} | ${f(0.99)} |`);
  }
}

const [role, a, b] = process.argv.slice(2);
if (role === 'writer') void writer(a as After, Number(b));
else if (role === 'reader') reader(Number(a), Number(b));
else await main();
