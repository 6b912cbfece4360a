/**
 * The measuring machinery shared by every scenario: each scenario pits one or more subject arms
 * against a baseline arm measured in the same process, in the same run, interleaved rep by rep,
 * so that machine speed and background load cancel out of the ratio.
 */

/** One thing being measured: a batch of `n` identical operations. */
export interface Arm {
  /** Short name shown in the table. */
  label: string;
  /** Runs `n` operations; this is the timed part. */
  run(n: number): Promise<void>;
  /** Untimed, before every batch: fresh state so each batch starts alike. */
  before?(n: number): Promise<void>;
  /** Untimed, after every batch: throws when the batch did not do what it claims. */
  check?(n: number): Promise<void> | void;
  /** Largest batch this arm can run (state or memory bound). @defaultValue the run's maxOps */
  maxOps?: number;
  /**
   * A fixed batch size instead of a calibrated one, for arms whose cost per op depends on the
   * batch size (a venue whose checks grow with its open orders): give every arm the same.
   * @defaultValue calibrated to about `targetMs`
   */
  fixedOps?: number;
}

/** What a scenario hands the harness. */
export interface Bench {
  baseline: Arm;
  subjects: Arm[];
  /** Extra figures worth printing that are not ratios (a one-off start-up cost, say). */
  notes?(): string[];
  /** Releases servers, files and handles. */
  close(): Promise<void>;
}

/** One benchmark scenario. */
export interface Scenario {
  /** Stable id for `--only` and the JSON output. */
  id: string;
  title: string;
  /** What one operation is, for the table. */
  op: string;
  prepare(mode: RunMode): Promise<Bench>;
  /** Measured reps in smoke mode, for scenarios whose single op is slow (a whole process). @defaultValue the mode's reps */
  smokeReps?: number;
}

/** How hard to measure. */
export interface RunMode {
  /** Tiny batches, checks only; timing is not judged. */
  smoke: boolean;
  /** Measured reps per arm; the median is reported. */
  reps: number;
  /** Untimed reps per arm after calibration (JIT, caches). */
  warmupReps: number;
  /** Wanted duration of one batch, which sets its size. */
  targetMs: number;
  /** Upper bound of a batch. */
  maxOps: number;
}

/** Full run: 9 reps of ~200 ms batches per arm. */
export const FULL_MODE: RunMode = { smoke: false, reps: 9, warmupReps: 2, targetMs: 200, maxOps: 1_000_000 };
/** Smoke run: just enough to prove the scenarios work. */
export const SMOKE_MODE: RunMode = { smoke: true, reps: 3, warmupReps: 0, targetMs: 2, maxOps: 20 };

/** The figures of one arm. */
export interface ArmResult {
  label: string;
  /** Operations per timed batch. */
  opsPerBatch: number;
  /** ops/s of every measured batch, in run order. */
  samples: number[];
  medianOpsPerSec: number;
  /** Median time of one operation, microseconds. */
  medianUsPerOp: number;
  /**
   * Subject time per op ÷ baseline time per op: the median over reps of the ratio within each
   * rep (1 = same cost, 2 = twice as slow). 1 for the baseline itself.
   */
  timeRatio: number;
  /** Smallest and largest per-rep ratio, to show how steady it was. */
  ratioRange: [number, number];
}

/** The figures of one scenario. */
export interface ScenarioResult {
  id: string;
  title: string;
  op: string;
  baseline: ArmResult;
  subjects: ArmResult[];
  notes: string[];
  /** Wall time the scenario took, set up and torn down included. */
  elapsedMs: number;
}

/** Runs one scenario: prepare, calibrate each arm, warm up, measure interleaved, close. */
export async function runScenario(scenario: Scenario, mode: RunMode): Promise<ScenarioResult> {
  const started = performance.now();
  const bench = await scenario.prepare(mode);
  try {
    const arms = [bench.baseline, ...bench.subjects];
    const sizes: number[] = [];
    for (const arm of arms) sizes.push(await calibrate(arm, mode));
    for (let w = 0; w < mode.warmupReps; w++) {
      for (const [i, arm] of arms.entries()) await batch(arm, sizes[i]!);
    }
    const samples: number[][] = arms.map(() => []);
    const reps = mode.smoke ? (scenario.smokeReps ?? mode.reps) : mode.reps;
    for (let rep = 0; rep < reps; rep++) {
      // Rotate who goes first so no arm always inherits the other's garbage or cold cache.
      for (let k = 0; k < arms.length; k++) {
        const i = (k + rep) % arms.length;
        const n = sizes[i]!;
        const ms = await batch(arms[i]!, n);
        samples[i]!.push((n * 1000) / ms);
      }
    }
    const results = arms.map((arm, i) => armResult(arm.label, sizes[i]!, samples[i]!, samples[0]!));
    const out: ScenarioResult = {
      id: scenario.id,
      title: scenario.title,
      op: scenario.op,
      baseline: results[0]!,
      subjects: results.slice(1),
      notes: bench.notes?.() ?? [],
      elapsedMs: 0,
    };
    assertSane(out);
    out.elapsedMs = performance.now() - started;
    return out;
  } finally {
    await bench.close();
  }
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// Grows the batch until it takes about targetMs, so slow and fast arms both get readable timings.
async function calibrate(arm: Arm, mode: RunMode): Promise<number> {
  if (arm.fixedOps !== undefined) return arm.fixedOps;
  const cap = Math.max(1, Math.min(mode.maxOps, arm.maxOps ?? mode.maxOps));
  let n = 1;
  for (;;) {
    const ms = await batch(arm, n);
    if (n >= cap || ms >= mode.targetMs) return n;
    const factor = ms <= 0 ? 10 : Math.min(10, Math.max(2, mode.targetMs / ms));
    n = Math.min(cap, Math.ceil(n * factor));
  }
}

async function batch(arm: Arm, n: number): Promise<number> {
  await arm.before?.(n);
  const t0 = process.hrtime.bigint();
  await arm.run(n);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await arm.check?.(n);
  return ms;
}

function armResult(label: string, n: number, samples: number[], baseline: number[]): ArmResult {
  const ops = median(samples);
  // ratio of times = baseline ops/s ÷ arm ops/s, paired rep by rep
  const ratios = samples.map((s, i) => (baseline[i] ?? NaN) / s);
  return {
    label,
    opsPerBatch: n,
    samples,
    medianOpsPerSec: ops,
    medianUsPerOp: 1e6 / ops,
    timeRatio: median(ratios),
    ratioRange: [Math.min(...ratios), Math.max(...ratios)],
  };
}

// Timing is never judged here (CI machines are noisy); only that the numbers are numbers.
function assertSane(result: ScenarioResult): void {
  for (const arm of [result.baseline, ...result.subjects]) {
    const figures = [arm.medianOpsPerSec, arm.medianUsPerOp, arm.timeRatio, ...arm.ratioRange, ...arm.samples];
    if (!figures.every((x) => Number.isFinite(x) && x > 0)) {
      throw new Error(`${result.id} / ${arm.label}: a figure is not a finite positive number: ${JSON.stringify(arm)}`);
    }
  }
}
