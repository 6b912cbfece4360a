import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimServer, type SimServer } from '../../src/sim/http/binance-server.js';
import { CLI_FROM_SOURCE } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'misso-secrets-'));

const API_KEY = `key${randomBytes(12).toString('hex')}`;
const SECRET = `sec${randomBytes(12).toString('hex')}`;
const TELEGRAM_TOKEN = `123456789:${randomBytes(12).toString('hex')}`;
const SECRETS = { API_KEY, SECRET, TELEGRAM_TOKEN, TELEGRAM_TOKEN_URL: encodeURIComponent(TELEGRAM_TOKEN) };

let sim: SimServer;
let telegram: Server;
let telegramUrl = '';
/** What reached the (fake) Telegram API: the texts misso sent. */
const sentToTelegram: string[] = [];

beforeAll(async () => {
  sim = await startSimServer({ port: 0, apiKey: API_KEY, secret: SECRET });
  // A Bot API that refuses every message and, as real APIs do, echoes the request path.
  telegram = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      sentToTelegram.push(body);
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error_code: 404, description: `Not Found: POST ${req.url ?? ''}` }));
    });
  });
  await new Promise<void>((r) => telegram.listen(0, '127.0.0.1', r));
  telegramUrl = `http://127.0.0.1:${(telegram.address() as { port: number }).port}`;
});

afterAll(async () => {
  await sim.close();
  await new Promise((r) => telegram.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function config(): string {
  return `
exchange:
  id: binanceusdm
  apiKey: \${K}
  secret: \${S}
  urls: {api: ${sim.url}}
  options: {fetchCurrencies: false, fetchOpenOrders: {warnWithoutSymbol: false}}
  timeout_ms: 3000
logging: {level: debug, file: ${join(dir, 'misso.log')}}
storage: {path: ${join(dir, 'journal.db')}}
notify:
  telegram: {token: "\${TG}", chat_id: "42", api_url: "${telegramUrl}"}
  dedupe_secs: 1
class_attributes:
  watch_list: ["BTC/USD:USD", "ETH/USD:USD"]
tasks:
  t_update_tickers: {name: update_tickers, freq: 2}
  t_update_balance: {name: update_balance, freq: 1}
  t_get_open_positions: {name: update_positions, freq: 1}
  t_system_status: {name: system_status, freq: 2, message: "capital {total_capital}"}
`;
}

describe('every configured secret is scrubbed from every output', () => {
  it('log file, terminal, notifications, /status, /events, /metrics and --state-out hold no secret and no signature', async () => {
    const file = join(dir, 'secrets.yaml');
    writeFileSync(file, config());
    const stateOut = join(dir, 'state.json');
    const child = spawn(process.execPath, [...CLI_FROM_SOURCE, 'run', file, '--for', '40', '--state-out', stateOut, '--http-port', '0', '--log-level', 'debug'], {
      cwd: dir,
      env: { ...process.env, K: API_KEY, S: SECRET, TG: TELEGRAM_TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));

    const until = async (predicate: () => boolean | Promise<boolean>, what: string): Promise<void> => {
      for (let i = 0; i < 300; i++) {
        if (await predicate()) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`timed out waiting for ${what}\n${err}`);
    };
    await until(() => /status on (http:\/\/\S+) /.test(err), 'the status server');
    const base = /status on (http:\/\/\S+) /.exec(err)![1]!;
    await until(async () => ((await fetch(`${base}/status`).then((r) => r.json())) as { phase: string }).phase === 'running', 'running');
    // Signed requests now fail with 5xx: ccxt's error text quotes the signed URL.
    sim.faults.set('5xx:path=balance|account|positionRisk');
    await until(() => sentToTelegram.length >= 2 && /telegram sendMessage: HTTP 404/.test(readFileSync(join(dir, 'misso.log'), 'utf8')), 'a refused notification');
    const positionsFailed = async (): Promise<boolean> => {
      const snap = (await fetch(`${base}/status`).then((r) => r.json())) as { tasks: Record<string, { ok: boolean | null; failures: number }> };
      return snap.tasks['update_positions']?.ok === false && (snap.tasks['update_positions']?.failures ?? 0) >= 2;
    };
    await until(positionsFailed, 'the failures in /status');

    const status = await fetch(`${base}/status`).then((r) => r.text());
    const metrics = await fetch(`${base}/metrics`).then((r) => r.text());
    const events = await readEvents(`${base}/events`, 2500);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    sim.faults.set('none');

    const outputs: Record<string, string> = {
      stdout: out,
      stderr: err,
      logFile: readFileSync(join(dir, 'misso.log'), 'utf8'),
      stateOut: readFileSync(stateOut, 'utf8'),
      status,
      events,
      metrics,
      telegramTexts: sentToTelegram.join('\n'),
    };
    for (const [output, text] of Object.entries(outputs)) {
      expect(text.length, output).toBeGreaterThan(0);
      for (const [name, secret] of Object.entries(SECRETS)) expect(text.includes(secret), `${name} in ${output}`).toBe(false);
      expect(text.includes('signature='), `signature= in ${output}`).toBe(false);
    }
    // What would have leaked is there, scrubbed: the echoed bot path and the signed request URLs.
    expect(outputs['logFile']).toContain('/bot[redacted]/sendMessage');
    const state = JSON.parse(outputs['stateOut']!) as { tasks: Record<string, { lastError: string | null }> };
    expect(state.tasks['update_balance']!.lastError).toMatch(/fapi\/v\d\/(balance|account)\?\[redacted\]/);
  }, 90_000);
});

/** Reads an SSE stream for `ms` and returns what arrived. */
async function readEvents(url: string, ms: number): Promise<string> {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal });
  const reader = res.body!.getReader();
  let text = '';
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
  } catch {
    // Aborted after `ms`: what arrived is the sample.
  } finally {
    clearTimeout(timer);
  }
  return text;
}
