import type { MissoConfig } from '../config/types.js';
import { outAttr } from '../tasks/attr.js';

/**
 * The seed's names for what misso stores under another (its `t_get_open_positions` wrote
 * `self.is_open_positions`; misso's writes `positions`, or the task's `out`), as [alias, target]
 * pairs for `StateStore.alias`. A name the config itself declares or writes is its own attribute.
 */
export function seedAliases(config: Pick<MissoConfig, 'classAttributes' | 'sharedAttributes' | 'tasks'>): [string, string][] {
  const declared = new Set([...Object.keys(config.classAttributes), ...Object.keys(config.sharedAttributes)]);
  for (const task of config.tasks) {
    declared.add(outAttr(task, ''));
    for (const sub of task.subtasks) if (sub.targetAttr !== null) declared.add(sub.targetAttr);
  }
  const positions = config.tasks.find((t) => t.kind === 't_get_open_positions');
  const target = positions ? outAttr(positions, 'positions') : 'positions';
  return declared.has('is_open_positions') || target === 'is_open_positions' ? [] : [['is_open_positions', target]];
}
