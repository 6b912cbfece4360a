import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfigText } from '../../src/config/load.js';
import { configContext } from '../../src/engine/config-context.js';
import { BUILTIN_TASK_KINDS } from '../../src/tasks/registry.js';

const ctx = configContext(new Map(Object.entries(BUILTIN_TASK_KINDS)));

async function problems(text: string): Promise<string[]> {
  try {
    await loadConfigText(text, 'c.yaml', ctx, { baseDir: process.cwd() });
    return [];
  } catch (err: unknown) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`);
  }
}

describe("the engine's config context", () => {
  it('resolves the built-in helper modules and knows their methods', async () => {
    const ok = await problems(
      'class_attributes: {watch_list: None}\ntasks:\n  t_update_template:\n    freq: 5\n    subtasks:\n      s0: {type: async, modul: Misso.services.async_helper, method: get_ohlcv_data, input_args: [self.aftx, self.watch_list, 1m, 10], target_attr: ohlcs}\n',
    );
    expect(ok).toEqual([]);
    const bad = await problems(
      'tasks:\n  t_update_template:\n    freq: 5\n    subtasks:\n      s0: {type: standard, modul: Misso.services.helper, method: parse_is_open_order, input_args: [], target_attr: x}\n',
    );
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatch(/^5:\d+ tasks\.t_update_template\.subtasks\.s0\.method: .*parse_is_open_order.*parse_is_open_orders/);
  });

  it("checks the simulator's knobs and suggests the right spelling", async () => {
    const out = await problems('exchange:\n  seed: 3\n  latencyMs: 5\n  visibility_delay_ms: -1\ntasks: {}\n');
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^3:3 exchange\.latencyMs: unknown simulator knob .*latency_ms/);
    expect(out[1]).toMatch(/^4:\d+ exchange\.visibility_delay_ms: /);
  });

  it("words a simulator knob's wrong value like any other key's, at the element", async () => {
    const out = await problems('exchange:\n  silent_streams: [tickers, tickrs]\n  latency_ms: fast\ntasks: {}\n');
    expect(out).toEqual([
      '2:29 exchange.silent_streams[1]: expected one of `tickers`, `candles`, `orders`, `trades`, `balance`, `positions`, `orderbook`, got "tickrs" (did you mean `tickers`?)',
      '3:15 exchange.latency_ms: expected a number or a map, got "fast"',
    ]);
  });

  it("knows ccxt's exchange ids and each task kind's options", async () => {
    const out = await problems('exchange: {id: binanceusdn}\ntasks:\n  t_update_candles: {freq: 60, timeframe: 1m, limt: 100}\n');
    expect(out.some((p) => /exchange\.id: .*binanceusdm/.test(p))).toBe(true);
    expect(out.some((p) => /tasks\.t_update_candles\.limt: .*limit/.test(p))).toBe(true);
  });
});
