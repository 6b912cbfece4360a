/**
 * `misso/testing`: what a strategy's own tests need to run an updater on virtual time and
 * without log output.
 */
export { VirtualClock } from '../core/clock.js';
export { silentLogger } from '../core/logger.js';
