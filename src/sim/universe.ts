import { hashUniform } from './prng.js';
import type { SimMarket, SimMarketType } from './venue-types.js';

/** What a market is made from; everything else (ticks, lots, limits, fees) is derived. */
export interface MarketSpec {
  base: string;
  type: SimMarketType;
  /** Price at the start of the venue's anchor day, USD. */
  referencePrice: number;
  /** Daily volatility of the log price (0.04 = 4 %). */
  dailyVolatility: number;
  /** Quoted 24 h USD volume. @defaultValue drawn from the seed, log-spread over 1e4..1e9 */
  volumeUsd24h?: number;
  /** @defaultValue 125 for BTC/ETH, 50 for the next ten perpetuals, 20 after; 1 for spot */
  maxLeverage?: number;
}

/** [base, reference price, daily volatility] of the default perpetuals, largest first. */
const PERPETUALS: readonly (readonly [string, number, number])[] = [
  ['BTC', 64_000, 0.03],
  ['ETH', 3_200, 0.04],
  ['BNB', 580, 0.035],
  ['SOL', 150, 0.055],
  ['XRP', 0.55, 0.05],
  ['USDT', 1, 0.0005],
  ['DOGE', 0.15, 0.065],
  ['ADA', 0.45, 0.05],
  ['AVAX', 35, 0.06],
  ['TRX', 0.12, 0.035],
  ['DOT', 7, 0.05],
  ['LINK', 15, 0.055],
  ['MATIC', 0.7, 0.06],
  ['LTC', 80, 0.045],
  ['BCH', 400, 0.05],
  ['UNI', 8, 0.06],
  ['ATOM', 9, 0.055],
  ['XLM', 0.11, 0.045],
  ['ETC', 25, 0.05],
  ['FIL', 5, 0.065],
  ['APT', 9, 0.07],
  ['ARB', 1.1, 0.07],
  ['OP', 2.5, 0.07],
  ['NEAR', 5, 0.065],
  ['AAVE', 100, 0.06],
  ['INJ', 25, 0.08],
  ['SUI', 1.2, 0.08],
  ['TIA', 10, 0.08],
  ['SEI', 0.5, 0.08],
  ['RUNE', 5, 0.075],
  ['MKR', 2_500, 0.055],
  ['SNX', 3, 0.07],
  ['CRV', 0.5, 0.07],
  ['SAND', 0.45, 0.065],
  ['AXS', 7, 0.065],
  ['ALGO', 0.18, 0.055],
  ['EGLD', 40, 0.06],
  ['FTM', 0.5, 0.075],
  ['GRT', 0.25, 0.065],
  ['1INCH', 0.4, 0.065],
];

const SPOT_BASES: readonly string[] = ['BTC', 'ETH', 'SOL', 'USDT'];

/** The default universe: 40 perpetuals (BNB and USDT among them) and four spot markets. */
export function defaultUniverse(): MarketSpec[] {
  const specs: MarketSpec[] = PERPETUALS.map(([base, referencePrice, dailyVolatility]) => ({
    base,
    type: 'swap',
    referencePrice,
    dailyVolatility,
  }));
  for (const base of SPOT_BASES) {
    const perp = PERPETUALS.find(([b]) => b === base);
    if (perp) specs.push({ base, type: 'spot', referencePrice: perp[1], dailyVolatility: perp[2] });
  }
  return specs;
}

/** The largest power of ten not above `x`. */
/** The largest universe {@link universeOf} builds. */
export const MAX_PERPETUALS = 5000;

/**
 * A universe of `perpetuals` linear USD perpetuals (plus the default spot markets): the default
 * 40 first, then synthetic ones (`S0041`, …) whose reference prices spread log-uniformly from
 * 0.0001 to 100,000 and daily volatilities from 3 % to 9 %, drawn from `seed`. Volumes spread
 * from 1e9 down to 1e4 by rank, as for the default universe.
 */
export function universeOf(perpetuals: number, seed: number): MarketSpec[] {
  if (!Number.isInteger(perpetuals) || perpetuals < 1 || perpetuals > MAX_PERPETUALS) {
    throw new RangeError(`markets must be a whole number from 1 to ${MAX_PERPETUALS}, got ${perpetuals}`);
  }
  const base = defaultUniverse();
  const swaps = base.filter((s) => s.type === 'swap').slice(0, perpetuals);
  for (let i = swaps.length; i < perpetuals; i++) {
    const logPrice = -4 + 9 * hashUniform(seed, 11, i, 0, 0);
    const referencePrice = Number((10 ** logPrice).toPrecision(3));
    swaps.push({ base: `S${String(i + 1).padStart(4, '0')}`, type: 'swap', referencePrice, dailyVolatility: 0.03 + 0.06 * hashUniform(seed, 12, i, 0, 0) });
  }
  const kept = new Set(swaps.map((s) => s.base));
  return [...swaps, ...base.filter((s) => s.type === 'spot' && kept.has(s.base))];
}

function powerOfTenBelow(x: number): number {
  return 10 ** Math.floor(Math.log10(x));
}

/** Rounds away binary noise so steps like 0.001 print as 0.001. */
export function cleanNumber(x: number): number {
  return Number(x.toPrecision(12));
}

/**
 * Builds the listed markets. Volumes not given in the specs are spread log-uniformly from 1e9
 * down to 1e4 by a seeded rank that mostly follows list order (big markets trade more), so the
 * seed's `>= 2,000,000` filter keeps about half and drops the rest, differently per seed.
 */
export function buildMarkets(seed: number, specs: readonly MarketSpec[]): SimMarket[] {
  const scores = specs.map((_, i) => ({ i, score: i + 8 * hashUniform(seed, 7, i, 0, 0) }));
  scores.sort((x, y) => x.score - y.score);
  const rank = new Map<number, number>();
  scores.forEach((s, r) => rank.set(s.i, r));

  const seen = new Set<string>();
  let perpRank = 0;
  return specs.map((spec, i) => {
    const r = rank.get(i) ?? i;
    const jitter = hashUniform(seed, 8, i, 0, 0);
    const volumeUsd24h =
      spec.volumeUsd24h ?? Math.round(10 ** (9 - (5 * (r + jitter)) / Math.max(1, specs.length)));
    const isSwap = spec.type === 'swap';
    const symbol = isSwap ? `${spec.base}/USD:USD` : `${spec.base}/USD`;
    if (seen.has(symbol)) throw new Error(`sim universe: market ${symbol} is listed twice`);
    seen.add(symbol);
    const tickSize = cleanNumber(powerOfTenBelow(spec.referencePrice) / 100_000);
    const lotSize = cleanNumber(Math.min(1, powerOfTenBelow(10 / spec.referencePrice)));
    const defaultLeverage = perpRank < 2 ? 125 : perpRank < 12 ? 50 : 20;
    if (isSwap) perpRank++;
    return {
      id: isSwap ? `${spec.base}USD` : `${spec.base}_USD`,
      symbol,
      base: spec.base,
      quote: 'USD',
      settle: isSwap ? 'USD' : undefined,
      type: spec.type,
      contractSize: 1,
      tickSize,
      lotSize,
      minAmount: lotSize,
      maxAmount: cleanNumber(lotSize * Math.round(5_000_000 / spec.referencePrice / lotSize)),
      minPrice: tickSize,
      maxPrice: cleanNumber(tickSize * Math.round((spec.referencePrice * 1_000) / tickSize)),
      minNotional: 5,
      makerFee: isSwap ? 0.0002 : 0.001,
      takerFee: isSwap ? 0.0005 : 0.001,
      volumeUsd24h,
      maxLeverage: isSwap ? (spec.maxLeverage ?? defaultLeverage) : 1,
      dailyVolatility: spec.dailyVolatility,
    };
  });
}

/** When every market was listed (`exchangeInfo`'s `onboardDate`), as seen at `nowMs`: a year before that day's midnight, UTC. */
export function listingTime(nowMs: number): number {
  const day = 86_400_000;
  return Math.floor(nowMs / day) * day - 365 * day;
}
