import { execFileSync } from 'node:child_process';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import type { ArmResult, ScenarioResult } from './harness.js';

/** What the figures were measured on; printed with them and written to the JSON output. */
export interface MachineInfo {
  cpuModel: string;
  cpus: number;
  memoryGiB: number;
  freeMemoryGiB: number;
  /** 1, 5 and 15 minute load averages when the run started: other work skews absolute figures. */
  loadAverage: [number, number, number];
  node: string;
  platform: string;
  date: string;
}

/** Reads the machine's description (lscpu when there is one, else what node knows). */
export function machineInfo(): MachineInfo {
  const [l1, l5, l15] = loadavg();
  return {
    cpuModel: lscpuModel() ?? cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    freeMemoryGiB: round(freemem() / 2 ** 30, 1),
    loadAverage: [round(l1 ?? 0, 2), round(l5 ?? 0, 2), round(l15 ?? 0, 2)],
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
  };
}

/** One line describing the machine. */
export function formatMachine(m: MachineInfo): string {
  return (
    `${m.cpuModel}, ${m.cpus} CPUs, ${m.memoryGiB} GiB RAM (${m.freeMemoryGiB} free), node ${m.node}, ` +
    `${m.platform}, load ${m.loadAverage.join(' / ')}, ${m.date}`
  );
}

/** The results as a Markdown table (pasteable into BENCHMARKS.md), with each scenario's notes. */
export function formatTable(results: readonly ScenarioResult[]): string {
  const header = ['scenario', 'arm', 'ops/batch', 'median ops/s', 'µs/op', 'time × baseline', 'per-rep range'];
  const rows: string[][] = [];
  for (const r of results) {
    rows.push(armRow(r.id, r.baseline, true));
    for (const s of r.subjects) rows.push(armRow('', s, false));
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const out = [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
  const notes = results.flatMap((r) => r.notes.map((n) => `- ${r.id}: ${n}`));
  if (notes.length > 0) out.push('', ...notes);
  return out.join('\n');
}

function armRow(id: string, a: ArmResult, isBaseline: boolean): string[] {
  return [
    id,
    isBaseline ? `${a.label} (baseline)` : a.label,
    String(a.opsPerBatch),
    formatCount(a.medianOpsPerSec),
    formatUs(a.medianUsPerOp),
    isBaseline ? '1' : `${formatRatio(a.timeRatio)}`,
    isBaseline ? '' : `${formatRatio(a.ratioRange[0])}–${formatRatio(a.ratioRange[1])}`,
  ];
}

function formatCount(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3);
}

function formatUs(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3);
}

function formatRatio(x: number): string {
  return x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toPrecision(2);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function lscpuModel(): string | undefined {
  try {
    const text = execFileSync('lscpu', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 });
    return /^Model name:\s*(.+)$/m.exec(text)?.[1]?.trim();
  } catch {
    // No lscpu (macOS, slim images): node's own CPU string is good enough.
    return undefined;
  }
}
