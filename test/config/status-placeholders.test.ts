import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { loadConfigText } from '../../src/config/load.js';
import { placeholderAttributes } from '../../src/config/placeholders.js';
import { StateStore } from '../../src/state/state-store.js';
import { renderTemplate } from '../../src/tasks/template.js';
import { FIXTURES, testContext } from './context.js';
import { INLINE, lines, problemsOf } from './problems.js';

// A `t_system_status` `message:` placeholder must name an attribute, as a `self.` reference must:
// a typo is refused by `misso check` at its line, with a did-you-mean, instead of every summary
// the operator gets reading "{total_capitl?}".
describe('t_system_status message placeholders', () => {
  it('refuses a placeholder naming no attribute, at its line', async () => {
    const text = lines('class_attributes:', '  total_capital: 0', 'tasks:', '  t_system_status: {freq: 60, message: "cap {total_capitl}"}');
    await expect(loadConfigText(text, INLINE, testContext(), { baseDir: FIXTURES })).rejects.toThrow(/:4:\d+: tasks\.t_system_status\.message: .*total_capitl.*did you mean `total_capital`/);
  });

  it('names the key and suggests the attribute meant, also under a free task name', async () => {
    const text = lines(
      'class_attributes:',
      '  my_pnl: 0',
      'tasks:',
      '  status:',
      '    kind: t_system_status',
      '    message: "pnl {my_pnk.day} | free {free_capital} | {nothing_like_it}"',
    );
    const problems = await problemsOf(text, testContext());
    expect(problems.map((p) => [p.line, p.path])).toEqual([
      [6, 'tasks.status.message'],
      [6, 'tasks.status.message'],
    ]);
    expect(problems[0]?.message).toContain('`{my_pnk}`');
    expect(problems[0]?.hint).toBe('did you mean `my_pnl`?');
    expect(problems[1]?.message).toContain('`{nothing_like_it}`');
    expect(problems[1]?.hint).toBe('declare `nothing_like_it` under class_attributes');
  });

  it('accepts placeholders naming declared, built-in and subtask-written attributes', async () => {
    const text = lines(
      'class_attributes:',
      '  my_pnl: {}',
      'tasks:',
      '  t_system_status: {message: "{my_pnl.day} {total_capital} {open_orders} {system_health} {spreads}"}',
      '  t_update_template:',
      '    freq: 60',
      '    subtasks:',
      '      subtask_0: {type: async, modul: Misso.services.async_helper, method: get_total_balance, input_args: [self.aftx], target_attr: spreads}',
    );
    const cfg = await loadConfigText(text, INLINE, testContext(), { baseDir: FIXTURES });
    expect(cfg.tasks.map((t) => t.options['message'] ?? null)[0]).toBe('{my_pnl.day} {total_capital} {open_orders} {system_health} {spreads}');
  });

  // An unclosed `{` printed the rest of the message as text, placeholders and all, in every
  // summary: "cap {total_capital | free 512.00" with nothing said at the check.
  it('refuses an unclosed or unmatched brace, saying where in the message', async () => {
    const problems = await problemsOf(
      lines('class_attributes:', '  total_capital: 0', 'tasks:', '  t_system_status: {freq: 60, message: "cap {total_capital | free {free_capital}"}', '  st2:', '    kind: t_system_status', '    message: "cap {total_capital}} | {watch_list"'),
    );
    expect(problems.map((p) => [p.line, p.path, p.message])).toEqual([
      [4, 'tasks.t_system_status.message', 'unclosed `{` at character 5 of the message (near "cap {total_capita")'],
      [7, 'tasks.st2.message', 'unmatched `}` at character 20 of the message (near "tal_capital}} | {watch_li")'],
      [7, 'tasks.st2.message', 'unclosed `{` at character 24 of the message (near "capital}} | {watch_list")'],
    ]);
    expect(problems[0]?.hint).toBe('close the placeholder (`{total_capital}`), or write `{{` for a literal `{`');
    expect(problems[1]?.hint).toBe('open the placeholder (`{total_capital}`), or write `}}` for a literal `}`');
  });

  it('takes `{{` and `}}` as literal braces, as Python does, and prints them single', async () => {
    const message = '{{total_capital}} is {total_capital} {{ok}} {}';
    await loadConfigText(lines('class_attributes:', '  total_capital: 0', 'tasks:', `  t_system_status: {freq: 60, message: "${message}"}`), INLINE, testContext(), { baseDir: FIXTURES });
    const state = new StateStore({ total_capital: 12 }, new VirtualClock());
    expect(renderTemplate(message, state)).toBe('{total_capital} is 12 {ok} {}');
    expect(placeholderAttributes(message)).toEqual(['total_capital']);
  });

  it('marks a stale value with its age, so a summary does not show an old capital as current', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const state = new StateStore({ total_capital: 0, free_capital: 0, watch_list: ['BTC/USD:USD'] }, clock);
    state.setMaxAge('total_capital', 15_000);
    state.setMaxAge('free_capital', 15_000);
    state.set('total_capital', 10000, 'update_balance');
    state.set('free_capital', 9000, 'update_balance');
    const message = 'Total Capital: {total_capital} | Free Capital: {free_capital} | Watch list: {watch_list}';
    await clock.advance(10_000);
    expect(renderTemplate(message, state)).toBe('Total Capital: 10000 | Free Capital: 9000 | Watch list: 1');
    await clock.advance(35_000);
    state.set('free_capital', 9100, 'update_balance');
    expect(renderTemplate(message, state)).toBe('Total Capital: 10000 (stale 45s) | Free Capital: 9100 | Watch list: 1');
  });

  it('counts the open orders of open_orders, not the finished ones the strategy has yet to process', () => {
    const order = (isFinal: boolean): object => ({ isFinal, status: isFinal ? 'canceled' : 'open' });
    const open_orders = { 'BTC/USD:USD': [order(false), order(true), order(true)], 'ETH/USD:USD': [order(true)] };
    const state = new StateStore({ open_orders, watch_list: ['BTC/USD:USD', 'ETH/USD:USD'] }, new VirtualClock());
    expect(renderTemplate('Open orders: {open_orders} | Watch list: {watch_list}', state)).toBe('Open orders: 1 | Watch list: 2');
  });

  it('renders a placeholder keyed by a market symbol, and a price below 1 with its significant digits', () => {
    const state = new StateStore({ last_price: { 'BTC/USDT:USDT': 64123.456, '1000PEPE/USDT:USDT': 0.0123456, 'TINY/USDT:USDT': 1.2345e-7 }, total_capital: 10000.5, r: 0.999999 }, new VirtualClock());
    expect(renderTemplate('btc {last_price.BTC/USDT:USDT}, pepe {last_price.1000PEPE/USDT:USDT}, cap {total_capital}', state)).toBe(
      'btc 64123.46, pepe 0.01235, cap 10000.50',
    );
    // Never in exponent form, never with a dangling point.
    expect(renderTemplate('{last_price.TINY/USDT:USDT} {r}', state)).toBe('0.0000001235 1');
    expect(placeholderAttributes('{last_price.BTC/USDT:USDT} {total_capital}')).toEqual(['last_price', 'total_capital']);
  });
});
