import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { summarizeConfig } from '../../src/config/summary.js';
import { FIXTURES, testContext } from './context.js';
import { INLINE, lines } from './problems.js';

// `misso check` shows the period each task will run at: its `freq`, else its kind's default
// period (README's task-kind table), marked as the default. Only one-shot kinds say "once".
describe('misso check summary', () => {
  it("shows a built-in task without freq at its kind's default period, marked as the default", async () => {
    const ctx = testContext();
    const text = lines('tasks:', '  t_update_tickers: {}', '  t_update_balance: {}', '  t_update_candles: {freq: 120}');
    const summary = summarizeConfig(await loadConfigText(text, INLINE, ctx, { baseDir: FIXTURES }), ctx);
    expect(summary).toMatch(/^ {2}t_update_tickers +t_update_tickers +every 10s \(default\)$/m);
    expect(summary).toMatch(/^ {2}t_update_balance +t_update_balance +every 30s \(default\)$/m);
    expect(summary).toMatch(/^ {2}t_update_candles +t_update_candles +every 120s$/m);
    expect(summary).not.toMatch(/\bonce\b/);
  });

  it('says once only for a one-shot kind, and event-driven for a service', async () => {
    const ctx = testContext();
    const text = lines('tasks:', '  t_init_update:', '    subtasks:', '      s: {type: async, modul: Misso.services.async_helper, method: get_total_balance, input_args: [self.aftx], target_attr: total_capital}', '  t_execute_orders: {}', '  t_shutdown: {}');
    const summary = summarizeConfig(await loadConfigText(text, INLINE, ctx, { baseDir: FIXTURES }), ctx);
    expect(summary).toMatch(/^ {2}t_init_update +t_init_update +once {2}1 subtask$/m);
    expect(summary).toMatch(/^ {2}t_execute_orders +t_execute_orders +event-driven, heartbeat every 5s \(default\)$/m);
    expect(summary).toMatch(/^ {2}t_shutdown +t_shutdown +event-driven$/m);
  });

  it('says once for a periodic kind given no period (the supervisor runs it once)', async () => {
    const ctx = testContext();
    const text = lines(
      'tasks:',
      '  t_update_template:',
      '    subtasks:',
      '      s: {type: standard, modul: Misso.services.helper, method: parse_is_open_orders, target_attr: parsed}',
    );
    const summary = summarizeConfig(await loadConfigText(text, INLINE, ctx, { baseDir: FIXTURES }), ctx);
    expect(summary).toMatch(/^ {2}t_update_template +t_update_template +once \(no freq\)  1 subtask$/m);
  });
});
