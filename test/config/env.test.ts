import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfigText } from '../../src/config/load.js';
import { configSecrets } from '../../src/config/secrets.js';
import { summarizeConfig } from '../../src/config/summary.js';
import { FIXTURES, testContext } from './context.js';
import { INLINE, lines, problemsOf, where } from './problems.js';

const TASKS = lines('tasks:', '  t_update_tickers:', '    freq: 10');
const SECRET = 'sEcReT-VaLuE-42';

function load(text: string, env: Record<string, string>) {
  return loadConfigText(text, INLINE, testContext({ env }), { baseDir: FIXTURES });
}

describe('${ENV} references', () => {
  it('resolve credentials, urls and options in exchange and notify', async () => {
    const text =
      TASKS +
      lines(
        'exchange:', //                                              4
        '  id: binanceusdm',
        '  apiKey: ${BINANCE_KEY}',
        '  secret: ${BINANCE_SECRET}',
        '  urls: {api: {fapiPublic: "http://${SIM_HOST}:8555/fapi/v1"}}',
        '  options: {defaultType: future}',
        '  rate_budget: {capacity: 2400, window_ms: 60000}',
        '  timeout_ms: 5000',
        'notify:',
        '  telegram: {token: "${TG_TOKEN}", chat_id: 12345}',
      );
    const cfg = await load(text, { BINANCE_KEY: 'k-1', BINANCE_SECRET: 's-2', SIM_HOST: '127.0.0.1', TG_TOKEN: 't-3' });
    expect(cfg.exchange).toMatchObject({
      id: 'binanceusdm',
      apiKey: 'k-1',
      secret: 's-2',
      password: null,
      urls: { api: { fapiPublic: 'http://127.0.0.1:8555/fapi/v1' } },
      options: { defaultType: 'future' },
      sim: {},
      rateBudget: { capacity: 2400, windowMs: 60000, enabled: true },
      timeoutMs: 5000,
    });
    expect(cfg.notify.telegram).toEqual({ token: 't-3', chatId: '12345', chatIds: ['12345'], apiUrl: 'https://api.telegram.org', settable: [] });
    expect(summarizeConfig(cfg)).toContain('exchange: binanceusdm (credentials: apiKey, secret)');
    expect(summarizeConfig(cfg)).not.toContain('s-2');
  });

  it("resolve ccxt's other credentials (Hyperliquid's privateKey and walletAddress); a literal secret one is refused, a literal address is not", async () => {
    const text = TASKS + lines('exchange:', '  id: hyperliquid', '  privateKey: ${HL_KEY}', '  walletAddress: "0x00000000000000000000000000000000000000aa"');
    const cfg = await load(text, { HL_KEY: 'pk-1' });
    expect(cfg.exchange.credentials).toEqual({ privateKey: 'pk-1', walletAddress: '0x00000000000000000000000000000000000000aa' });
    expect(summarizeConfig(cfg)).toContain('exchange: hyperliquid (credentials: privateKey, walletAddress)');
    expect(summarizeConfig(cfg)).not.toContain('pk-1');
    // Scrubbed by value from everything misso writes, as the API key and secret are.
    expect(configSecrets(cfg)).toContain('pk-1');
    // A public one is not scrubbed by value (a short uid would blank every price containing it).
    expect(configSecrets(cfg)).not.toContain('0x00000000000000000000000000000000000000aa');
    const problems = await problemsOf(TASKS + lines('exchange:', '  id: hyperliquid', '  privateKey: "0xdeadbeef"'), testContext({ env: {} }));
    expect(where(problems)).toEqual(['6:15 exchange.privateKey']);
    expect(problems[0]?.message).toBe('a secret must not be written in the config file');
    expect(problems[0]?.hint).toBe('move it to an environment variable and write `privateKey: ${HYPERLIQUID_PRIVATE_KEY}`');
  });

  it("the check's summary shows each simulator knob with its value", async () => {
    const cfg = await load(TASKS + lines('exchange: {id: sim, seed: 7, faults: [{kind: timeout_before, probability: 0.5, methods: [fetchTicker, fetchTickers, fetchOHLCV]}]}'), {});
    expect(summarizeConfig(cfg)).toContain('exchange: sim (simulated; seed 7, faults [{"kind":"timeout_before","probabilit...)');
  });

  it('accept the snake_case api_key', async () => {
    const cfg = await load(TASKS + lines('exchange:', '  id: binanceusdm', '  api_key: ${K}'), { K: 'abc' });
    expect(cfg.exchange.apiKey).toBe('abc');
  });

  it('are refused in storage.path and logging.file, where they are not read: the run made a directory named ${HOME} and kept the journal in it', async () => {
    const problems = await problemsOf(lines('storage: {path: "${HOME}/misso.db"}', 'logging:', '  file: "${LOG_DIR}/misso.log"', 'tasks:', '  t_update_balance: {freq: 5}'));
    expect(where(problems)).toEqual(['1:17 storage.path', '3:9 logging.file']);
    expect(problems[0]?.message).toBe('`${HOME}/misso.db` holds a `${NAME}` reference, which is not read here: the path would be taken as written');
    expect(problems[0]?.hint).toContain('read only in `exchange`, `notify` and `http.token`');
  });

  it('report an unset variable at the value that names it', async () => {
    const problems = await problemsOf(
      TASKS + lines('exchange:', '  id: binanceusdm', '  apiKey: ${BINANCE_KEY}', '  urls: {api: "http://${NO_HOST}/x"}'),
      testContext({ env: {} }),
    );
    expect(where(problems)).toEqual(['6:11 exchange.apiKey', '7:15 exchange.urls.api']);
    expect(problems[0]?.message).toBe('environment variable BINANCE_KEY is not set');
    expect(problems[1]?.message).toBe('environment variable NO_HOST is not set');
  });

  it('a urls.api origin without its scheme is refused at its line (it failed only at the start, after the journal was opened); one from the environment is read as the value', async () => {
    const problems = await problemsOf(TASKS + lines('exchange:', '  id: binanceusdm', '  urls: {api: 127.0.0.1:8555}'));
    expect(where(problems)).toEqual(['6:15 exchange.urls.api']);
    expect(problems[0]?.message).toBe('`127.0.0.1:8555` is not an http(s) origin');
    expect(problems[0]?.hint).toBe('write it with its scheme, e.g. `http://127.0.0.1:8555`');
    const config = await loadConfigText(TASKS + lines('exchange:', '  id: binanceusdm', '  urls: {api: "${SIM_URL}"}'), 'c.yaml', testContext({ env: { SIM_URL: 'http://127.0.0.1:8555' } }), { baseDir: FIXTURES });
    expect(config.exchange.urls).toEqual({ api: 'http://127.0.0.1:8555' });
  });

  it('reject malformed references', async () => {
    const problems = await problemsOf(TASKS + lines('exchange:', '  id: sim', '  seed: "${1BAD}"'));
    expect(where(problems)).toEqual(['6:9 exchange.seed']);
    expect(problems[0]?.message).toBe('malformed environment reference');
  });

  it('are left alone outside exchange and notify', async () => {
    const cfg = await load(lines('class_attributes:', '  note: "${NOT_RESOLVED}"') + TASKS, {});
    expect(cfg.classAttributes['note']).toBe('${NOT_RESOLVED}');
  });

  it('where a number or a fixed word is expected outside those sections, are refused with where they work', async () => {
    const text = TASKS + lines('http:', '  port: ${PORT}', 'orders:', '  on_stop: ${ON_STOP}', '  recently_closed_secs: "30"');
    const problems = await problemsOf(text, testContext({ env: { PORT: '8080', ON_STOP: 'leave' } }));
    expect(where(problems)).toEqual(['5:9 http.port', '7:12 orders.on_stop', '8:25 orders.recently_closed_secs']);
    expect(problems[0]?.message).toBe('expected a number, got "${PORT}"');
    const readOnlyIn = '`${NAME}` environment references are read only in `exchange`, `notify` and `http.token`; write the value itself here';
    expect(problems[0]?.hint).toBe(readOnlyIn);
    expect(problems[1]?.hint).toBe(readOnlyIn);
    // A quoted number still gets its own hint.
    expect(problems[2]?.hint).toBe('write the number without quotes');
  });

  it('read process.env when the context gives no env', async () => {
    const name = `MISSO_CONFIG_TEST_${process.pid}`;
    process.env[name] = 'from-process';
    try {
      const ctx = testContext();
      delete ctx.env;
      const cfg = await loadConfigText(TASKS + lines('exchange:', '  id: binanceusdm', `  apiKey: \${${name}}`), INLINE, ctx, { baseDir: FIXTURES });
      expect(cfg.exchange.apiKey).toBe('from-process');
    } finally {
      delete process.env[name];
    }
  });
});

describe('credentials', () => {
  it('refuse a literal secret, without repeating it, and say how to move it', async () => {
    const text = TASKS + lines('exchange:', '  id: binanceusdm', `  apiKey: ${SECRET}`, `  secret: "${SECRET}-\${SUFFIX}"`, '  password: 123456', 'notify:', `  telegram: {token: ${SECRET}, chat_id: "@me"}`);
    const error = await loadConfigText(text, INLINE, testContext({ env: { SUFFIX: 'x' } }), { baseDir: FIXTURES }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(where(problems)).toEqual(['6:11 exchange.apiKey', '7:11 exchange.secret', '8:13 exchange.password', '10:21 notify.telegram.token']);
    expect(problems.every((p) => p.message === 'a secret must not be written in the config file')).toBe(true);
    expect(problems[0]?.hint).toBe('move it to an environment variable and write `apiKey: ${BINANCEUSDM_API_KEY}`');
    expect(problems[3]?.hint).toBe('move it to an environment variable and write `token: ${TELEGRAM_BOT_TOKEN}`');
    expect((error as ConfigError).message).not.toContain(SECRET);
    expect((error as ConfigError).message).not.toContain('123456');
  });

  it('refuse a reference to a variable of blanks, and name a shell default once, not as a literal secret', async () => {
    const blank = await problemsOf(TASKS + lines('exchange:', '  id: binanceusdm', '  secret: ${BLANK}'), testContext({ env: { BLANK: '  \t' } }));
    expect(blank.map((p) => p.message)).toEqual(['environment variable BLANK holds only blanks']);
    const withDefault = await problemsOf(TASKS + lines('exchange:', '  id: binanceusdm', '  apiKey: "${K:-abc}"'), testContext({ env: {} }));
    expect(withDefault.map((p) => `${p.path}: ${p.message}`)).toEqual(['exchange.apiKey: environment reference with a shell default (`${K:-…}`)']);
    expect(withDefault[0]?.hint).toBe('misso reads `${K}` only: write that, and export K before starting misso');
    expect(JSON.stringify(withDefault)).not.toContain('abc');
  });

  it('refuse a reference to an empty variable', async () => {
    const problems = await problemsOf(TASKS + lines('exchange:', '  id: binanceusdm', '  secret: ${EMPTY}'), testContext({ env: { EMPTY: '' } }));
    expect(problems.map((p) => p.message)).toEqual(['environment variable EMPTY is set but empty']);
  });

  it('keep resolved values out of type errors', async () => {
    const problems = await problemsOf(
      TASKS + lines('exchange:', '  id: binanceusdm', '  timeout_ms: ${TIMEOUT}', 'notify:', '  dedupe_secs: "${TIMEOUT}"'),
      testContext({ env: { TIMEOUT: SECRET } }),
    );
    expect(problems.map((p) => p.message)).toEqual(['expected a number, got a string', 'expected a number, got a string']);
    expect(JSON.stringify(problems)).not.toContain(SECRET);
  });
});

describe('the exchange section', () => {
  it('takes keys beside id as sim knobs', async () => {
    const cfg = await load(TASKS + lines('exchange:', '  id: sim', '  seed: 7', '  latency_ms: {fixed: 5, jitter: 2}'), {});
    expect(cfg.exchange.id).toBe('sim');
    expect(cfg.exchange.sim).toEqual({ seed: 7, latency_ms: { fixed: 5, jitter: 2 } });
  });

  it('treats an exchange section without id as the simulator', async () => {
    const cfg = await load(TASKS + lines('exchange:', '  seed: 3'), {});
    expect(cfg.exchange).toMatchObject({ id: 'sim', sim: { seed: 3 } });
  });

  it('rejects keys beside id on a real exchange, and the API key given twice', async () => {
    const problems = await problemsOf(
      TASKS + lines('exchange:', '  id: binanceusdm', '  seed: 7', '  timeout: 5', '  apiKey: ${A}', '  api_key: ${A}'),
      testContext({ env: { A: 'a' } }),
    );
    expect(where(problems)).toEqual(['6:3 exchange.seed', '7:3 exchange.timeout', '9:12 exchange.api_key']);
    expect(problems[0]?.hint).toMatch(/need `id: sim`/);
    expect(problems[1]?.hint).toBe('did you mean `timeout_ms`?');
    expect(problems[2]?.message).toBe('give the API key once');
  });

  it('checks the id against the ids the context knows', async () => {
    const problems = await problemsOf(TASKS + lines('exchange:', '  id: binanceusd'), testContext({ exchangeIds: new Set(['sim', 'binance', 'binanceusdm']) }));
    expect(where(problems)).toEqual(['5:7 exchange.id']);
    expect(problems[0]?.hint).toBe('did you mean `binanceusdm`?');
  });
});
