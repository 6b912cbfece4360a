/**
 * A user task kind: `kind: ./my-tasks.ts#t_count_updates` in the config. A plain async function
 * is one periodic pass; it gets the task runtime (state, exchange, logger, notify, signal).
 */
import type { TaskRuntime } from 'misso';

export async function t_count_updates(rt: TaskRuntime): Promise<void> {
  const count = rt.state.has('update_count') ? rt.state.get<number>('update_count') : 0;
  rt.state.set('update_count', count + 1, rt.name);
}
