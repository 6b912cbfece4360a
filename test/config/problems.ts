import { join } from 'node:path';
import { expect } from 'vitest';
import { ConfigError, type ConfigProblem } from '../../src/config/config-error.js';
import type { ConfigContext } from '../../src/config/context.js';
import { loadConfigText } from '../../src/config/load.js';
import { FIXTURES, testContext } from './context.js';

/** The display name inline test configs are loaded under; relative modules resolve in fixtures/. */
export const INLINE = 'inline.yaml';

/** Joins lines into YAML text, so each line's number is its index + 1 in the test source. */
export function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}

/** Loads YAML text that must be rejected, and returns its problems. */
export async function problemsOf(text: string, ctx: ConfigContext = testContext()): Promise<ConfigProblem[]> {
  const error = await loadConfigText(text, INLINE, ctx, { baseDir: FIXTURES }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return [...(error as ConfigError).problems];
}

/** `LINE:COL path` of each problem: the part of an error line a user navigates by. */
export function where(problems: readonly ConfigProblem[]): string[] {
  return problems.map((p) => `${p.line}:${p.col} ${p.path}`);
}

/** Path of a fixture file. */
export function fixture(name: string): string {
  return join(FIXTURES, name);
}

/** A valid config with one template task; tests break one line of it at a time. */
export const BASE = lines(
  'class_attributes:', //                                   1
  '  watch_list: None', //                                  2
  '  ohlcs: {}', //                                         3
  '  closed_trades: []', //                                 4
  'tasks:', //                                              5
  '  t_update_template:', //                                6
  '    name: update_ohlcv', //                              7
  '    freq: 60', //                                        8
  '    subtasks:', //                                       9
  '      subtask_0:', //                                    10
  '        type: async', //                                 11
  '        modul: Misso.services.async_helper', //          12
  '        method: get_ohlcv_data', //                      13
  '        input_args:', //                                 14
  '          - self.aftx', //                               15
  '          - self.watch_list', //                         16
  '          - 1m', //                                      17
  '          - 1000', //                                    18
  '        target_attr: ohlcs', //                          19
  '        target_save_update: False', //                   20
  '        return_value: True', //                          21
);

/** BASE with one exact piece of text replaced (the piece must be there). */
export function broken(find: string, replace: string): string {
  expect(BASE).toContain(find);
  return BASE.replace(find, replace);
}
