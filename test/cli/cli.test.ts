import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli as inProcess } from '../support/cli-in-process.js';
import { SystemClock } from '../../src/core/clock.js';
import { DEFAULT_SIM_API_KEY, DEFAULT_SIM_SECRET, startSimServer } from '../../src/sim/http/binance-server.js';
import { CLI_FROM_SOURCE } from '../support/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'misso-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Spawned {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** Runs the real executable as a user would; `onOutput` may send signals. */
function spawnMisso(
  args: string[],
  onOutput?: (text: string, child: ReturnType<typeof spawn>) => void,
  env: Record<string, string> = {},
): Promise<Spawned> {
  const child = spawn(process.execPath, [...CLI_FROM_SOURCE, ...args], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    onOutput?.(out + err, child);
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    onOutput?.(out + err, child);
  });
  return new Promise((r) => child.on('exit', (code, signal) => r({ code, signal, out, err })));
}

describe('misso check', () => {
  it('accepts the seed config and prints its tasks', async () => {
    const r = await inProcess(['check', join(ROOT, 'examples/seed-config.yaml')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/update_ohlcv\s+t_update_template\s+every 60s/);
    expect(r.out).toContain('get_ohlcv_data(self.aftx, self.watch_list, 1m, 1000) → ohlcs');
  });

  it("prints a task without freq at its kind's default period, marked as the default", async () => {
    const file = join(dir, 'defaults.yaml');
    writeFileSync(file, 'tasks:\n  t_update_tickers: {}\n  t_init_update:\n    subtasks:\n      s: {type: async, modul: Misso.services.async_helper, method: get_total_balance, input_args: [self.aftx], target_attr: total_capital}\n');
    const r = await inProcess(['check', file]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {2}t_update_tickers +t_update_tickers +every 10s \(default\)$/m);
    expect(r.out).toMatch(/^ {2}t_init_update +t_init_update +once {2}1 subtask$/m);
  });

  it('lists every problem with file:line:col, exits 2, and prints no stack trace', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      ['class_attributes:', '  watch_list: None', 'tasks:', '  t_get_open_position:', '    freq: 10', '  t_update_tickers:', '    freq: fast', ''].join('\n'),
    );
    const r = await inProcess(['check', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file}:4:3: tasks.t_get_open_position: unknown task kind`);
    expect(r.err).toContain('t_get_open_positions');
    expect(r.err).toContain(`${file}:7:11: tasks.t_update_tickers.freq:`);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it("reports a modul by what went wrong, as node loads it: a package missing from the config's folder, a module's own error, a file that does not parse", async () => {
    const project = join(dir, 'modules');
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'throws.mjs'), 'throw new Error("API_URL is not set");\n');
    writeFileSync(join(project, 'syntax.mjs'), 'export const f = (;\n');
    writeFileSync(join(project, 'url.mjs'), 'export const api = new URL(process.env.MISSO_TEST_UNSET_API_URL);\n');
    writeFileSync(join(project, 'helpers.cts'), 'export function f(): number {\n  return 2;\n}\n');
    writeFileSync(join(project, 'syntax.ts'), 'export const a = 1;\nexport const f = (x: number) => {\n  const y: = x;\n};\n');
    writeFileSync(join(project, 'bad-data.mjs'), 'export const cfg = JSON.parse("{bad");\n');
    writeFileSync(join(project, 'syntax.cjs'), 'module.exports = { f: ( };\n');
    writeFileSync(join(project, 'broken-dep.mjs'), 'export const g = (;\n');
    writeFileSync(join(project, 'uses-broken.mjs'), 'import { g } from "./broken-dep.mjs";\nexport function f() { return g(); }\n');
    writeFileSync(join(project, 'no-export.mjs'), 'import { h } from "./url.mjs";\nexport function f() { return h(); }\n');
    writeFileSync(join(project, 'ts-uses-broken.ts'), 'import { g } from "./broken-dep.mjs";\nexport function f(x: number): number {\n  return g() + x;\n}\n');
    const sub = (modul: string): string => `{type: async, modul: ${modul}, method: f, target_attr: x}`;
    const file = join(project, 'modules.yaml');
    writeFileSync(
      file,
      ['class_attributes: {x: None}', 'tasks:', '  t_update_template:', '    subtasks:', ...['no-such-helpers', './throws.mjs', './syntax.mjs', './url.mjs', './syntax.ts', './helpers.cts', './bad-data.mjs', './syntax.cjs', './uses-broken.mjs', './no-export.mjs', './ts-uses-broken.ts'].map((m, i) => `      s${i}: ${sub(m)}`), ''].join('\n'),
    );
    const r = await spawnMisso(['check', file]);
    expect(r.code).toBe(2);
    const line = (n: number): string => `${file}:${n}:32: tasks.t_update_template.subtasks.s${n - 5}.modul: cannot load module`;
    expect(r.err).toContain(
      `${line(5)} \`no-such-helpers\`: no package \`no-such-helpers\` in node_modules of the config's folder ${project} or of a folder above it — install it there (npm install no-such-helpers), or name`,
    );
    expect(r.err).toContain(`${line(6)} \`./throws.mjs\`: it threw while loading: Error: API_URL is not set (at throws.mjs:1:7) — the error is the module's own`);
    expect(r.err).toContain(`${line(7)} \`./syntax.mjs\`: its source does not parse: SyntaxError: Unexpected token ';' (at syntax.mjs:1:19) — fix the module there`);
    // tsx's compiler (esbuild) refuses a TypeScript file with its own error and stack: still the file's line, not esbuild's.
    expect(r.err).toContain(`${line(9)} \`./syntax.ts\`: its source does not parse: SyntaxError: Unexpected "=" (at syntax.ts:3:11) — fix the module there`);
    expect(r.err).not.toContain('esbuild');
    // A helper named by its .cts (or .cjs) file loads: it was looked for as helpers.cts.ts.
    expect(r.err).not.toContain('s5.modul');
    // node's own error code (ERR_INVALID_URL) thrown by the module's code is the module's error, not a load failure.
    expect(r.err).toContain(`${line(8)} \`./url.mjs\`: it threw while loading: TypeError: Invalid URL (at url.mjs:1:20) — the error is the module's own`);
    // A SyntaxError its running code threw (JSON.parse of data) is the module's own error: its source parsed.
    expect(r.err).toContain(`${line(11)} \`./bad-data.mjs\`: it threw while loading: SyntaxError: `);
    expect(r.err).toMatch(/bad-data\.mjs`: it threw while loading: SyntaxError: [^\n]* JSON[^\n]*\(at bad-data\.mjs:1:25\) — the error is the module's own/);
    expect(r.err).toContain(`${line(12)} \`./syntax.cjs\`: its source does not parse: SyntaxError: Unexpected token '}' (at syntax.cjs:1) — fix the module there`);
    // A module that parses, importing one that does not: the error is not put on the module's own source.
    expect(r.err).toContain(`${line(13)} \`./uses-broken.mjs\`: what it imports does not load: SyntaxError: Unexpected token ';' (uses-broken.mjs itself parses: the error is in a module it imports, or in what it imports from one) — fix that module or the import`);
    // A link error is placed above its message, at the import: misso's own frames below it do not make it a throw.
    expect(r.err).toContain(`${line(14)} \`./no-export.mjs\`: its source does not parse: SyntaxError: The requested module './url.mjs' does not provide an export named 'h' (at no-export.mjs:1)`);
    // Through tsx, esbuild names broken-dep.mjs 'broken-dep.js': the file is named as it is on disk.
    expect(r.err).toContain(`${file}:15:33: tasks.t_update_template.subtasks.s10.modul: cannot load module \`./ts-uses-broken.ts\`: its source does not parse: SyntaxError: Unexpected ";" (at broken-dep.mjs:1:18)`);
    expect(r.err).not.toMatch(/imported from|module-registry|a modul is/);
  }, 30_000);

  it('needs exactly one file', async () => {
    expect((await inProcess(['check'])).code).toBe(2);
  });
});

describe('misso (usage)', () => {
  it('rejects an unknown command and an unknown flag with exit 2 and no stack', async () => {
    const a = await inProcess(['frobnicate']);
    expect(a.code).toBe(2);
    expect(a.err).toContain("unknown command 'frobnicate'");
    const b = await inProcess(['run', '--bogus']);
    expect(b.code).toBe(2);
    expect(b.err).toBe("misso run: unknown option --bogus\nrun 'misso run --help' for the options\n");
    expect(b.err).not.toMatch(/\n\s+at /);
    const c = await inProcess(['run', '--for', '0']);
    expect(c.code).toBe(2);
    expect(c.err).toContain("--for takes a positive number of seconds, not '0'");
  });

  it('tells every flag mistake alike: the command, the reason in its words, where the options are', async () => {
    const help = (command: string): string => `\nrun 'misso ${command} --help' for the options\n`;
    for (const [argv, reason] of [
      // A negative number is --for's value, refused as one (node's parseArgs called it ambiguous).
      [['run', '--for', '-1'], "misso run: --for takes a positive number of seconds, not '-1'"],
      [['run', '--for'], 'misso run: --for needs a value'],
      [['run', '--http-port', '-5'], "misso run: --http-port takes a port number, not '-5'"],
      [['run', '--log-level', 'loud'], "misso run: --log-level takes one of trace, debug, info, warn, error, fatal, silent, not 'loud'"],
      [['check', '--bogus'], 'misso check: unknown option --bogus'],
      [['sim-server', '--port'], 'misso sim-server: --port needs a value'],
    ] as const) {
      const r = await inProcess([...argv]);
      expect({ argv, code: r.code, err: r.err }).toEqual({ argv, code: 2, err: `${reason}${help(argv[0])}` });
    }
  });

  it('a missing config file is a user error', async () => {
    const r = await inProcess(['run', join(dir, 'nope.yaml')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('nope.yaml');
  });
});

describe('misso run', () => {
  it('runs the seed config for a while, stops with exit 0 and writes the state', async () => {
    const out = join(dir, 's.json');
    const r = await spawnMisso(['run', join(ROOT, 'examples/seed-config.yaml'), '--for', '4', '--state-out', out]);
    expect(r.err).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const snap = JSON.parse(readFileSync(out, 'utf8')) as {
      state: Record<string, unknown>;
      tasks: Record<string, { ok: boolean | null; runs: number; failures: number; lastError: string | null; lastSuccessAt: number | null }>;
    };
    const watchList = snap.state['watch_list'] as string[];
    expect(watchList.length).toBeGreaterThan(0);
    expect(watchList).not.toContain('BNB/USD:USD');
    expect(Object.keys(snap.state['last_price'] as object).sort()).toEqual([...watchList].sort());
    const ohlcs = snap.state['ohlcs'] as Record<string, number[][]>;
    expect(ohlcs[watchList[0]!]).toHaveLength(1000);
    expect(ohlcs[watchList[0]!]![0]).toHaveLength(6);
    expect(snap.state['total_capital']).toBeGreaterThan(0);
    for (const [name, t] of Object.entries(snap.tasks)) expect({ name, ok: t.ok }).toEqual({ name, ok: true });
    expect(snap.tasks['update_tickers']).toHaveProperty('lastSuccessAt');
  }, 60_000);

  it('logging.terminal: JSON lines on a stderr that is not a terminal by default, readable lines (no colours) with `readable`', async () => {
    const example = readFileSync(join(ROOT, 'examples/example.yaml'), 'utf8');
    const runWith = async (extra: string): Promise<string[]> => {
      const file = join(dir, `terminal-${extra.length}.yaml`);
      writeFileSync(file, `${example}\n${extra}\n`);
      const r = await spawnMisso(['run', file, '--for', '6', '--http-port', '0']);
      expect(r.code).toBe(0);
      return r.err.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('misso:'));
    };
    const json = await runWith('');
    expect(json.length).toBeGreaterThan(0);
    for (const line of json) expect((JSON.parse(line) as { app?: string }).app).toBe('misso');
    const readable = await runWith('logging: {terminal: readable}');
    expect(readable.length).toBeGreaterThan(0);
    expect(readable.filter((l) => l.startsWith('{'))).toEqual([]);
    expect(readable.join('\n')).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: /m);
    expect(readable.join('\n')).not.toMatch(/\x1b\[/);
  }, 60_000);

  it('stops gracefully on SIGINT with exit 0', async () => {
    let sent = 0;
    const graceful = await spawnMisso(['run', join(ROOT, 'examples/seed-config.yaml')], (text, child) => {
      if (sent === 0 && text.includes('status: running')) {
        sent = 1;
        child.kill('SIGINT');
      }
    });
    expect(graceful.code).toBe(0);
    expect(graceful.err).toContain('SIGINT received, stopping');

  }, 60_000);

  it('a second signal forces exit 130 while the graceful stop waits for a request that hangs', async () => {
    // Ticker requests never get an answer: the graceful stop waits for the one in flight (up to
    // twice the 20 s timeout), so the second signal always meets a stop under way.
    const server = await startSimServer({ port: 0, seed: 3, faults: 'hang:1:path=24hr|bookTicker|price', clock: new SystemClock() });
    try {
      const file = join(dir, 'hanging.yaml');
      writeFileSync(
        file,
        [
          'exchange:',
          '  id: binanceusdm',
          '  apiKey: ${SIM_KEY}',
          '  secret: ${SIM_SECRET}',
          `  urls: {api: "${server.url}"}`,
          '  options: {fetchCurrencies: false}',
          '  timeout_ms: 20000',
          'storage: {path: ":memory:"}',
          'class_attributes: {watch_list: ["BTC/USD:USD"]}',
          'tasks:',
          '  t_update_tickers: {freq: 5}',
          '',
        ].join('\n'),
      );
      let first = false;
      let second = false;
      const forced = await spawnMisso(['run', file], (text, child) => {
        if (!second && text.includes('SIGTERM received, stopping')) {
          second = true;
          child.kill('SIGTERM');
        }
        if (!first && text.includes('status: running')) {
          first = true;
          // The signal goes once a ticker request is known to hang, whatever the machine's speed.
          const poll = setInterval(() => {
            if (server.counters.faultCount('hang') > 0) {
              clearInterval(poll);
              child.kill('SIGTERM');
            }
          }, 20);
          child.once('exit', () => clearInterval(poll));
        }
      }, { SIM_KEY: DEFAULT_SIM_API_KEY, SIM_SECRET: DEFAULT_SIM_SECRET });
      expect(forced.err).toContain('second SIGTERM, forcing exit');
      expect(forced.code).toBe(130);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('an http port in use is an input mistake: exit 2 naming the key to change, no stack', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const file = join(dir, 'busy-port.yaml');
      writeFileSync(file, ['storage: {path: ":memory:"}', `http: {port: ${port}}`, 'class_attributes: {watch_list: ["BTC/USD:USD"]}', 'tasks:', '  t_update_tickers: {freq: 5}', ''].join('\n'));
      const r = await inProcess(['run', file]);
      expect(r.err).toContain(`misso: could not start: ${file}:2:8: http.port: status server could not listen on 127.0.0.1:${port}`);
      expect(r.err).toContain('Pick another http.port');
      expect(r.err).not.toMatch(/internal error|\n\s+at /);
      expect(r.code).toBe(2);
      // The port from --http-port: that flag is what to change, and no config line is named.
      const plain = join(dir, 'no-http.yaml');
      writeFileSync(plain, ['storage: {path: ":memory:"}', 'class_attributes: {watch_list: ["BTC/USD:USD"]}', 'tasks:', '  t_update_tickers: {freq: 5}', ''].join('\n'));
      const flag = await inProcess(['run', plain, '--http-port', String(port)]);
      expect(flag.err).toContain(`status server could not listen on 127.0.0.1:${port}`);
      expect(flag.err).not.toContain('http.port');
      expect(flag.err).toContain('Pick another --http-port (the httpPort option in the library)');
      expect(flag.code).toBe(2);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  }, 60_000);

  it('--http-port serves the status while it runs, through the updater’s own status server', async () => {
    const file = join(dir, 'http.yaml');
    writeFileSync(file, ['storage: {path: ":memory:"}', 'class_attributes: {watch_list: ["BTC/USD:USD"]}', 'tasks:', '  t_update_tickers: {freq: 5}', ''].join('\n'));
    let readyz: Promise<number> | null = null;
    const r = await spawnMisso(['run', file, '--http-port', '0'], (text, child) => {
      const url = /misso: status on (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
      if (url && readyz === null && text.includes('status: running')) {
        readyz = fetch(`${url}/readyz`).then((res) => res.status).finally(() => child.kill('SIGINT'));
      }
    });
    expect(r.code).toBe(0);
    expect(await readyz).toBe(200);
  }, 60_000);
});

describe('misso run against an exchange that is not there', () => {
  it('keeps retrying instead of crashing; a --for that ends it first exits 1, saying it never reached running, why and what to check', async () => {
    const file = join(dir, 'unreachable.yaml');
    const stateOut = join(dir, 'unreachable-state.json');
    // Port 9 (discard) on loopback: nothing listens, connections are refused at once.
    writeFileSync(
      file,
      [
        'exchange:',
        '  id: binanceusdm',
        '  apiKey: ${K}',
        '  secret: ${S}',
        '  urls: {api: "http://127.0.0.1:9"}',
        '  timeout_ms: 500',
        'storage: {path: ":memory:"}',
        'class_attributes: {watch_list: ["BTC/USD:USD"]}',
        'tasks:',
        '  t_update_tickers: {freq: 5}',
        '',
      ].join('\n'),
    );
    const r = await spawnMisso(['run', file, '--for', '3', '--state-out', stateOut], undefined, { K: 'k', S: 's' });
    expect(r.err).toContain('exchange unreachable at start; retrying');
    expect(r.err).not.toMatch(/internal error|\n\s+at /);
    expect(r.err).toMatch(/misso: never reached running: the exchange binanceusdm was unreachable \(the start was still retrying when --for 3 stopped it; last error: [^\n]*127\.0\.0\.1:9/);
    expect(r.err).toContain(`misso: next: is the server at http://127.0.0.1:9 up (for the simulated exchange: misso sim-server --port 9), and is exchange.urls in ${file} the right URL?`);
    expect(r.err).toContain(`misso: state written to ${stateOut} (the config's initial values only: misso never reached running)`);
    expect(JSON.parse(readFileSync(stateOut, 'utf8'))).toMatchObject({ tasks: {} });
    expect(r.code).toBe(1);
  }, 30_000);

  it("a signal during those retries is the operator's own stop: exit 0, still saying why it never reached running", async () => {
    const file = join(dir, 'unreachable-signal.yaml');
    writeFileSync(
      file,
      ['exchange:', '  id: binanceusdm', '  apiKey: ${K}', '  secret: ${S}', '  urls: {api: "http://127.0.0.1:9"}', 'storage: {path: ":memory:"}', 'tasks:', '  t_update_tickers: {freq: 5}', ''].join('\n'),
    );
    let sent = false;
    const r = await spawnMisso(['run', file], (text, child) => {
      if (!sent && text.includes('exchange unreachable at start; retrying')) {
        sent = true;
        child.kill('SIGINT');
      }
    }, { K: 'k', S: 's' });
    expect(r.err).toContain('misso: never reached running: the exchange binanceusdm was unreachable (the start was still retrying when SIGINT stopped it; last error: ');
    expect(r.code).toBe(0);
  }, 30_000);
});
