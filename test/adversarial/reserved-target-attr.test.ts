import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'misso-reserved-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function check(yaml: string, name: string): Promise<{ code: number; out: string; err: string; file: string }> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  let out = '';
  let err = '';
  const code = await main(['check', file], { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } });
  return { code, out, err, file };
}

function withTarget(target: string): string {
  return [
    'tasks:',
    '  t_update_template:',
    '    freq: 30',
    '    subtasks:',
    '      subtask_0:',
    '        type: async',
    '        modul: Misso.services.async_helper',
    '        method: get_total_balance',
    '        input_args: [self.aftx]',
    `        target_attr: "${target}"`,
    '',
  ].join('\n');
}

describe('a target_attr may not name a reserved attribute', () => {
  it.each(['aftx', 'exchange', 'pending_orders', 'system_status', 'first_update', 'open_orders', '__proto__', 'constructor', 'prototype', 'hasOwnProperty'])(
    'target_attr: %s is refused by misso check at its line, exit 2',
    async (target) => {
      const r = await check(withTarget(target), `t-${target}`);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${r.file}:10:22: tasks.t_update_template.subtasks.subtask_0.target_attr: \`${target}\``);
      expect(r.err).toMatch(/cannot be (a target|an attribute)/);
      expect(r.err).not.toMatch(/\n\s+at /);
    },
  );

  it('a task `out` naming the exchange is refused too', async () => {
    const r = await check('tasks:\n  t_update_tickers: {freq: 10, out: self.aftx}\n', 'out-aftx');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${r.file}:2:37: tasks.t_update_tickers.out: \`aftx\` is owned by the engine`);
  });

  it.each(['aftx.fetchBalance', ' aftx', 'SELF.aftx', 'last_price.BTC', '1x'])('target_attr: "%s" is not one attribute name and is refused', async (target) => {
    const r = await check(withTarget(target), `dotted-${target.replace(/\W/g, '_')}`);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${r.file}:10:22: tasks.t_update_template.subtasks.subtask_0.target_attr: \`${target}\` is not an attribute name`);
  });

  it('an `out` with a dotted path is refused, since `self.a.b` reads a key of `a`', async () => {
    const r = await check('tasks:\n  t_update_tickers: {freq: 10, out: self.aftx.x}\n  t_get_open_positions: {freq: 10, out: "self."}\n', 'out-dotted');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${r.file}:2:37: tasks.t_update_tickers.out: \`aftx.x\` is not an attribute name`);
    expect(r.err).toContain(`${r.file}:3:41: tasks.t_get_open_positions.out: \`\` is not an attribute name`);
  });

  it('a shared attribute may not replace the exchange or the order books; pending_orders stays the queue', async () => {
    const yaml = [
      'shared_attributes:',
      '  aftx: {modul: queue, function: Queue}',
      '  open_orders: {modul: ./nowhere.ts, function: make}',
      '  pending_orders: {modul: queue, function: Queue}',
      'tasks: {t_update_balance: {freq: 30}}',
      '',
    ].join('\n');
    const r = await check(yaml, 'shared');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${r.file}:2:3: shared_attributes.aftx: \`aftx\` is owned by the engine`);
    expect(r.err).toContain(`${r.file}:3:3: shared_attributes.open_orders: \`open_orders\` is owned by the engine`);
    expect(r.err).not.toContain('shared_attributes.pending_orders');
  });

  it('an ordinary attribute of the seed is still a valid target', async () => {
    const r = await check(withTarget('total_capital'), 'ok');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });
});
