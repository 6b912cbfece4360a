import { z } from 'zod';
import { SIM_STREAM_NAMES } from './sim-streams.js';

/** Kinds of injected faults. */
export const FAULT_KINDS = ['exchange_not_available', 'timeout_before', 'timeout_after'] as const;
/**
 * - `exchange_not_available`: `ExchangeNotAvailable`, the venue never sees the call.
 * - `timeout_before`: `RequestTimeout`, the venue never sees the call.
 * - `timeout_after`: the venue applies the call, then `RequestTimeout` (the lost response).
 */
export type FaultKind = (typeof FAULT_KINDS)[number];

const nonNegative = z.number().finite().nonnegative();

const faultSchema = z.strictObject({
  kind: z.enum(FAULT_KINDS),
  /** Chance per matching call, 0..1. */
  probability: z.number().min(0).max(1).optional(),
  /** 1-based `[from, to]` (inclusive) among the calls this rule applies to. */
  calls: z
    .tuple([z.number().int().positive(), z.number().int().positive()])
    .refine(([from, to]) => from <= to, { message: 'calls must be [from, to] with from <= to' })
    .optional(),
  /** ccxt method names (`createOrder`, `fetchOrder`, …); every method when absent. */
  methods: z.array(z.string().min(1)).nonempty().optional(),
}).refine((rule) => rule.probability !== undefined || rule.calls !== undefined, {
  message: 'a fault needs `probability` or `calls` (or both)',
});

const latencySchema = z.union([
  nonNegative,
  z.strictObject({ fixed: nonNegative.default(0), jitter: nonNegative.default(0) }),
]);

/** Streams a test silences: connected, ccxt answers pings, but no data (a stall). */
const silentStreamsSchema = z.array(z.enum(SIM_STREAM_NAMES));

const rateLimitSchema = z.strictObject({
  capacity: z.number().int().positive(),
  refill_per_sec: z.number().finite().positive(),
});

/**
 * The sim exchange's knobs, given beside `id: sim` in the config's `exchange:` section. Every
 * realism knob is off by default; `liquidation` is on, as on any venue.
 *
 * | knob | meaning | default |
 * | --- | --- | --- |
 * | `seed` | fixes markets, volumes, prices, ids and the fault/latency draws | 7 |
 * | `start_ms` | anchor of the price path (epoch ms) | the clock's time at start |
 * | `starting_balance_usd` | USD in the account at start | 10000 |
 * | `leverage` | leverage of every perpetual (capped per market) | 20 |
 * | `liquidity_per_step_usd` | USD a market fills per 10 s step and side (partial fills) | 100000 |
 * | `slippage_bps` | market orders fill this much worse than each level of the book they take | 0 |
 * | `spread_bps` | quoted bid/ask spread around last | 2 |
 * | `visibility_delay_ms` | a new order stays "not found" this long | 0 |
 * | `funding` | perpetuals carry a seeded funding rate (+0.01% base plus a premium, capped at ±0.3%) and open positions pay or receive it every 8 hours (00:00, 08:00, 16:00 UTC) | false |
 * | `liquidation` | an account whose margin balance falls to its positions' maintenance margin (notional × 0.5 / max leverage) is liquidated at that 10 s step's close: open orders expire, each position is closed by an `autoclose-…` order, a 1.25 % clearance fee is taken and a wallet below 0 is set back to 0 | true |
 * | `latency_ms` | per call: a number, or `{fixed, jitter}` (uniform 0..jitter added) | 0 |
 * | `rate_limit` | token bucket `{capacity, refill_per_sec}`; empty → `RateLimitExceeded` | off |
 * | `faults` | list of `{kind, probability?, calls?: [from, to], methods?}` | [] |
 * | `timeout_delay_ms` | how long a `timeout_*` fault waits before raising | 0 |
 * | `stream_push_ms` | market data goes to `watch*` callers every this many ms of clock time | 1000 |
 * | `silent_streams` | streams kept connected but silent (`tickers`, `candles`, `orders`, `trades`, `balance`, `positions`) | [] |
 *
 * Fault `kind` is `exchange_not_available`, `timeout_before` or `timeout_after`. `calls` counts
 * the calls the rule applies to (its `methods`, or all), from 1.
 */
export const SIM_KNOBS_SCHEMA = z.strictObject({
  /** Allowed so the whole `exchange:` mapping can be passed. */
  id: z.literal('sim').optional(),
  seed: z.number().int().default(7),
  start_ms: z.number().int().nonnegative().optional(),
  starting_balance_usd: z.number().finite().positive().default(10_000),
  leverage: z.number().finite().min(1).max(125).default(20),
  liquidity_per_step_usd: nonNegative.default(100_000),
  slippage_bps: nonNegative.default(0),
  spread_bps: z.number().finite().positive().default(2),
  visibility_delay_ms: nonNegative.default(0),
  funding: z.boolean().default(false),
  liquidation: z.boolean().default(true),
  latency_ms: latencySchema.default(0),
  rate_limit: rateLimitSchema.nullable().default(null),
  faults: z.array(faultSchema).default([]),
  timeout_delay_ms: nonNegative.default(0),
  /** Number of perpetuals (the default 40, then synthetic ones), up to 5000. */
  markets: z.number().int().min(1).max(5000).default(40),
  stream_push_ms: z.number().int().min(10).default(1000),
  silent_streams: silentStreamsSchema.default([]),
});

/** Validated knobs, snake_case as in the config. */
export type SimKnobs = z.output<typeof SIM_KNOBS_SCHEMA>;

/**
 * The knobs that can change while running (see `SimExchange.setKnobs`). No defaults: a knob left
 * out keeps its current value.
 */
export const SIM_RUNTIME_KNOBS_SCHEMA = z.strictObject({
  liquidity_per_step_usd: nonNegative.optional(),
  visibility_delay_ms: nonNegative.optional(),
  latency_ms: latencySchema.optional(),
  rate_limit: rateLimitSchema.nullable().optional(),
  faults: z.array(faultSchema).optional(),
  timeout_delay_ms: nonNegative.optional(),
  silent_streams: silentStreamsSchema.optional(),
});

/** One fault rule, validated. */
export type FaultRule = z.output<typeof faultSchema>;

/** Parses knobs, throwing an Error that names every bad knob. */
export function parseSimKnobs<S extends z.ZodType>(schema: S, knobs: unknown): z.output<S> {
  const result = schema.safeParse(knobs ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const prefix = issue.path.length > 0 ? `${issue.path.join('.')}.` : '';
    if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => `${prefix}${k}: unknown knob`).join('; ');
    return `${prefix.slice(0, -1) || '(knobs)'}: ${issue.message}`;
  });
  throw new Error(`invalid sim exchange knob: ${problems.join('; ')}`);
}
