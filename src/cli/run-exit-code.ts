import type { Updater } from '../engine/updater.js';
import { stopLeftOrdersOpen } from '../orders/shutdown.js';

/** `misso run`'s exit codes, as the README's table lists them. */
export const RUN_EXIT = Object.freeze({
  done: 0,
  fault: 1,
  usage: 2,
  /** `orders.on_stop: cancel_all` could not confirm every order of ours cancelled. */
  ordersLeftOpen: 3,
  forced: 130,
});

/**
 * The exit code of a `misso run` whose updater has stopped. Orders possibly left resting after
 * a `cancel_all` stop outrank a fault: they are what the operator must act on first.
 */
export function runExitCode(updater: Pick<Updater, 'phase' | 'stopReport'>, stateLost: boolean): number {
  if (updater.stopReport !== null && stopLeftOrdersOpen(updater.stopReport)) return RUN_EXIT.ordersLeftOpen;
  return updater.phase === 'faulted' || stateLost ? RUN_EXIT.fault : RUN_EXIT.done;
}
