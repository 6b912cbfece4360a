/**
 * `npm run bench` / `npm run bench:smoke`: runs the benchmark scenarios and prints a Markdown
 * table of ops/s with each subject's time as a multiple of a baseline measured in the same run.
 *
 *   tsx bench/run.ts [--smoke] [--json FILE] [--only ID[,ID...]]
 *
 * `--smoke` runs tiny batches and only checks that every scenario works and gives sane figures
 * (finite, positive, correctness checks such as "N intents made exactly N exchange orders");
 * timing is never judged, so it does not fail on a slow or busy machine. Exit 0 when every
 * scenario passed, 1 when one failed, 2 for bad arguments.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FULL_MODE, runScenario, SMOKE_MODE, type Scenario, type ScenarioResult } from './harness.js';
import { formatMachine, formatTable, machineInfo } from './report.js';
import { SCENARIOS } from './scenarios/index.js';

interface Options {
  smoke: boolean;
  json: string | undefined;
  only: string[] | undefined;
}

function parse(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      smoke: { type: 'boolean', default: false },
      json: { type: 'string' },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'usage: tsx bench/run.ts [--smoke] [--json FILE] [--only ID[,ID...]]\n' +
        `scenarios: ${SCENARIOS.map((s) => s.id).join(', ')}\n`,
    );
    process.exit(0);
  }
  const only = values.only?.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const unknown = (only ?? []).filter((id) => !SCENARIOS.some((s) => s.id === id));
  if (unknown.length > 0) {
    throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  }
  return { smoke: values.smoke, json: values.json, only };
}

async function main(): Promise<number> {
  let options: Options;
  try {
    options = parse(process.argv.slice(2));
  } catch (error: unknown) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const mode = options.smoke ? SMOKE_MODE : FULL_MODE;
  const chosen: Scenario[] = options.only ? SCENARIOS.filter((s) => options.only?.includes(s.id)) : [...SCENARIOS];
  const machine = machineInfo();
  process.stderr.write(`${options.smoke ? 'smoke' : 'full'} benchmark run on ${formatMachine(machine)}\n`);
  const started = performance.now();
  const results: ScenarioResult[] = [];
  const failures: { id: string; error: string }[] = [];
  for (const scenario of chosen) {
    process.stderr.write(`- ${scenario.id}: ${scenario.title} … `);
    try {
      const result = await runScenario(scenario, mode);
      results.push(result);
      process.stderr.write(`${(result.elapsedMs / 1000).toFixed(1)} s\n`);
    } catch (error: unknown) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      failures.push({ id: scenario.id, error: message });
      process.stderr.write(`FAILED\n${message}\n`);
    }
  }
  const totalMs = performance.now() - started;
  process.stdout.write(`\n${formatTable(results)}\n\n`);
  if (options.smoke) process.stdout.write('smoke run: tiny batches, the figures only prove the scenarios work; use `npm run bench` to measure\n');
  process.stdout.write(`${results.length} scenario(s) passed, ${failures.length} failed, ${(totalMs / 1000).toFixed(1)} s\n`);
  if (options.json) {
    const doc = { mode: options.smoke ? 'smoke' : 'full', machine, totalMs, results, failures };
    writeFileSync(options.json, `${JSON.stringify(doc, null, 2)}\n`);
  }
  return failures.length === 0 ? 0 : 1;
}

// Exit explicitly: a scenario that leaked a socket or timer must not hang CI after reporting.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
