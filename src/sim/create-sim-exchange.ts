import { SystemClock, type Clock } from '../core/clock.js';
import { realismOf } from './realism.js';
import { SimExchange } from './sim-exchange.js';
import { parseSimKnobs, SIM_KNOBS_SCHEMA } from './sim-knobs.js';
import { universeOf } from './universe.js';
import { SimVenue } from './venue.js';

/**
 * Builds the sim exchange from the config's knobs (the keys beside `id: sim`; see
 * {@link SIM_KNOBS_SCHEMA} for names and defaults). Throws an Error naming any bad knob.
 * With `deps.venue` the exchange trades on that venue and the venue knobs (`seed`, `start_ms`,
 * `starting_balance_usd`, `leverage`, `slippage_bps`, `spread_bps`, `funding`, `liquidation`) are the venue's own;
 * `visibility_delay_ms` and `liquidity_per_step_usd` are applied to it. Called with nothing, it
 * is the default sim on the wall clock (`createSimExchange()`, then `await ex.loadMarkets()`).
 */
export function createSimExchange(knobs: Record<string, unknown> = {}, deps: { clock: Clock; venue?: SimVenue } = { clock: new SystemClock() }): SimExchange {
  const k = parseSimKnobs(SIM_KNOBS_SCHEMA, knobs);
  const venue =
    deps.venue ??
    new SimVenue({
      seed: k.seed,
      clock: deps.clock,
      startingBalanceUsd: k.starting_balance_usd,
      leverage: k.leverage,
      liquidityPerStepUsd: k.liquidity_per_step_usd,
      slippageBps: k.slippage_bps,
      spreadBps: k.spread_bps,
      visibilityDelayMs: k.visibility_delay_ms,
      funding: k.funding,
      liquidation: k.liquidation,
      markets: universeOf(k.markets, k.seed),
      ...(k.start_ms !== undefined ? { startMs: k.start_ms } : {}),
    });
  if (deps.venue) {
    if ('visibility_delay_ms' in knobs) venue.visibilityDelayMs = k.visibility_delay_ms;
    if ('liquidity_per_step_usd' in knobs) venue.liquidityPerStepUsd = k.liquidity_per_step_usd;
  }
  return new SimExchange({
    clock: deps.clock, venue, seed: k.seed, realism: realismOf(k), streamPushMs: k.stream_push_ms, silentStreams: k.silent_streams,
  });
}
