/**
 * Breaks a `bench/streaming.ts --trace DIR` run down step by step: for every price step with
 * fills, where its time went, from the venue's walk in the server process to the last `filled`
 * in the engine process (ms after the walk began).
 *
 *   tsx bench/streaming-trace.ts DIR [--steps N] [--sequence N]
 *
 * `--steps N` lists the N slowest steps (default 10) as one line each; `--sequence N` prints
 * every traced event of the N slowest, one a line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

type Row = [number, string, ...unknown[]];

interface Step {
  walkAt: number;
  walkMs: number;
  /** Events the venue's feed delivered at the walk (NEW, TRADE, …), with when. */
  feed: { at: number; events: number }[];
  /** When the server handed each burst's first order update to ws (ms after the walk began). */
  sends: number[];
  engine: Row[];
  lastFilledMs: number;
}

function read(file: string): Row[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as Row[]).sort((a, b) => a[0] - b[0]);
}

function steps(server: Row[], engine: Row[]): Step[] {
  const out: Step[] = [];
  for (let i = 0; i < server.length; i++) {
    const row = server[i]!;
    // A step starts at the push timer's walk, or at the first match of a walk inside a REST request.
    if (row[1] !== 'walk0' && row[1] !== 'match0') continue;
    const walkAt = row[0];
    const end = server.find((r, k) => k > i && r[1] === 'walk1');
    const next = server.findIndex((r, k) => k > i && (r[1] === 'walk0' || r[1] === 'match0'));
    // Up to the next step, and within the 200 ms the engine's rows are looked at: walks that
    // matched nothing leave no mark, so the next step may be seconds away.
    const ofStep = server.slice(i, next < 0 ? undefined : next).filter((r) => r[0] < walkAt + 200);
    const feed = ofStep.filter((r) => r[1] === 'feed').map((r) => ({ at: r[0] - walkAt, events: r[2] as number }));
    const sends = ofStep.filter((r) => r[1] === 'send').map((r) => r[0] - walkAt);
    const near = engine.filter((r) => r[0] >= walkAt && r[0] < walkAt + 200);
    const filled = near.filter((r) => r[1] === 'filled');
    if (filled.length === 0) continue;
    out.push({ walkAt, walkMs: end && ofStep.includes(end) ? end[0] - walkAt : Number.NaN, feed, sends, engine: near, lastFilledMs: filled.at(-1)![0] - walkAt });
  }
  return out;
}

const ms = (n: number): string => n.toFixed(2);

function summary(step: Step): string {
  const rel = (r: Row): number => r[0] - step.walkAt;
  const upto = step.engine.filter((r) => rel(r) <= step.lastFilledMs);
  const frames = upto.filter((r) => r[1] === 'msg' && r[2] === 'ORDER_TRADE_UPDATE');
  const parts = [`walk ${ms(step.walkMs)}`, `feed ${step.feed.map((f) => `${ms(f.at)} (${f.events})`).join(', ')}`];
  if (frames.length > 0) {
    const handled = frames.reduce((n, r) => n + (r[4] as number), 0);
    parts.push(`${frames.length} order frames ${ms(rel(frames[0]!))}–${ms(rel(frames.at(-1)!))} (handling ${ms(handled)})`);
  }
  for (const r of upto) {
    if (r[1] === 'applyFills' || r[1] === 'applyStreamOrders') parts.push(`${r[1]}(${String(r[2])}) ${ms(rel(r))} + ${ms(r[3] as number)}`);
    if (r[1] === 'gc') parts.push(`GC ${ms(rel(r))} + ${ms(r[2] as number)}`);
  }
  const filled = upto.filter((r) => r[1] === 'filled');
  parts.push(`${filled.length} filled ${ms(rel(filled[0]!))}–${ms(step.lastFilledMs)}`);
  return parts.join(' | ');
}

function sequence(step: Step): string[] {
  const lines = [`step at ${new Date(step.walkAt).toISOString()}: walk ${ms(step.walkMs)} ms`];
  for (const f of step.feed) lines.push(`${ms(f.at).padStart(8)}  server: feed delivered ${f.events} events`);
  for (const at of step.sends) lines.push(`${ms(at).padStart(8)}  server: first order update of a burst handed to ws`);
  for (const r of step.engine) {
    if (r[1] === 'filled') continue;
    const at = ms(r[0] - step.walkAt).padStart(8);
    if (r[1] === 'msg') lines.push(`${at}  ${String(r[2])} ${String(r[3])} handled in ${ms(r[4] as number)}${typeof r[5] === 'number' && r[5] > 0 ? ` (preempted ${r[5]} times in it)` : ''}`);
    else if (r[1] === 'gc') lines.push(`${at}  GC pause ${ms(r[2] as number)}`);
    else if (r[1] === 'chunk') lines.push(`${at}  ${String(r[2])} bytes reached ws's frame parser`);
    else if (r[1] === 'watchMyTrades' || r[1] === 'watchOrders') lines.push(`${at}  ${r[1]} answered with ${String(r[2])}`);
    else lines.push(`${at}  ${r[1]}(${String(r[2])}) took ${ms(r[3] as number)}${typeof r[4] === 'number' && r[4] > 0 ? ` (preempted ${r[4]} times in it)` : ''}`);
  }
  const filled = step.engine.filter((r) => r[1] === 'filled');
  lines.push(`${ms(filled[0]![0] - step.walkAt).padStart(8)}–${ms(step.lastFilledMs)}  ${filled.length} orders filled`);
  return lines;
}

function main(): void {
  const { values, positionals } = parseArgs({ options: { steps: { type: 'string' }, sequence: { type: 'string' } }, allowPositionals: true });
  const dir = positionals[0];
  if (dir === undefined) throw new Error('usage: tsx bench/streaming-trace.ts DIR [--steps N] [--sequence N]');
  const files = readdirSync(dir);
  for (const name of files.filter((f) => f.startsWith('engine-'))) {
    const [, port, mode] = /^engine-(\d+)-(\w+)\.json$/.exec(name) ?? [];
    const serverFile = `server-${port}.json`;
    if (!files.includes(serverFile)) continue;
    const all = steps(read(join(dir, serverFile)), read(join(dir, name))).sort((a, b) => b.lastFilledMs - a.lastFilledMs);
    const median = [...all].map((s) => s.lastFilledMs).sort((a, b) => a - b)[all.length >> 1];
    console.log(`## ${mode} engine on port ${port}: ${all.length} steps with fills, last fill of a step at ${ms(median ?? Number.NaN)} ms after its walk began (median)`);
    for (const step of all.slice(0, Number(values.steps ?? 10))) console.log(summary(step));
    for (const step of all.slice(0, Number(values.sequence ?? 0))) console.log(['', ...sequence(step)].join('\n'));
    console.log('');
  }
}

main();
