/**
 * `misso run`'s exit codes, as the README's table lists them. A module of their own, with no
 * imports: the CLI's entry reads them before the engine (and ccxt) is loaded.
 */
export const RUN_EXIT = Object.freeze({
  done: 0,
  /** A fault, or `--for` ran out before misso reached running. */
  fault: 1,
  usage: 2,
  /** `orders.on_stop: cancel_all` could not confirm every order of ours cancelled. */
  ordersLeftOpen: 3,
  forced: 130,
});
