import { beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { preferredKind, suggestSymbol, symbolRefusal } from '../../src/orders/symbol-hint.js';
import { type SimExchange } from '../../src/sim/sim-exchange.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';

// A user on the sim typed `BTCUSDT` and was offered the spot market (`did you mean BTC/USD?`)
// although it is the perpetual's id (BTCUSD) the text looks like; the spot's is BTC_USD. The
// rule: nearest in letters, then nearest as written (the id, or the symbol for a word with a
// `/`), then the kind of market the strategy trades, else the exchange's default type.
let sim: SimExchange;
beforeAll(async () => {
  sim = createSimExchange({ seed: 7 }, { clock: new VirtualClock() });
  await sim.loadMarkets();
});

const SPOT_STRATEGY = ['ETH/USD', 'SOL/USD'];
const PERP_STRATEGY = ['ETH/USD:USD', 'SOL/USD:USD'];

describe('suggestSymbol on the sim markets', () => {
  it('the sim lists BTC as a spot market and a perpetual, with ids BTC_USD and BTCUSD, and a swap default type', () => {
    expect(sim.market('BTC/USD')).toMatchObject({ id: 'BTC_USD', type: 'spot' });
    expect(sim.market('BTC/USD:USD')).toMatchObject({ id: 'BTCUSD', type: 'swap' });
    expect(sim.options['defaultType']).toBe('swap');
  });

  it('a word that looks like an exchange id gets the market whose id it is nearest, whatever the strategy trades', () => {
    for (const related of [[], SPOT_STRATEGY, PERP_STRATEGY]) {
      expect(suggestSymbol('BTCUSDT', sim, { related }), String(related)).toBe('BTC/USD:USD');
      expect(suggestSymbol('btcusdt', sim, { related }), String(related)).toBe('BTC/USD:USD');
      expect(suggestSymbol('ETH_USDT', sim, { related }), String(related)).toBe('ETH/USD');
    }
  });

  it('equally near as written, the kind of the strategy\'s markets wins, else the default type', () => {
    // ETH-USD is one separator from both ids; BTC names a base alone.
    for (const word of ['ETH-USD', 'ETH']) {
      expect(suggestSymbol(word, sim, { related: SPOT_STRATEGY }), word).toBe('ETH/USD');
      expect(suggestSymbol(word, sim, { related: PERP_STRATEGY }), word).toBe('ETH/USD:USD');
      expect(suggestSymbol(word, sim), word).toBe('ETH/USD:USD');
    }
    // Our unfinished orders count as the strategy's markets, and are suggested first.
    expect(suggestSymbol('BTC', sim, { ours: ['BTC/USD'] })).toBe('BTC/USD');
  });

  it('a word written as a unified symbol gets the symbol nearest as written: its shape says spot or perpetual', () => {
    expect(suggestSymbol('BTC/USDT', sim, { related: PERP_STRATEGY })).toBe('BTC/USD');
    expect(suggestSymbol('BTC/USDT:USDT', sim, { related: SPOT_STRATEGY })).toBe('BTC/USD:USD');
    expect(suggestSymbol('QQQQQQQQ', sim)).toBeUndefined();
  });

  it('the refusal names the suggestion; an exact id is answered with its own market', () => {
    expect(symbolRefusal('BTCUSDT', sim)).toBe('unknown symbol BTCUSDT: the exchange does not list it; did you mean BTC/USD:USD?');
    expect(symbolRefusal('BTC_USD', sim)).toBe("unknown symbol BTC_USD: that is the exchange's id of a market; give the unified symbol: did you mean BTC/USD?");
    expect(symbolRefusal('BTC/USD:USD', sim)).toBeNull();
  });
});

describe('preferredKind', () => {
  it('is the kind most of the strategy\'s markets are, else the exchange\'s default type', () => {
    expect(preferredKind(sim, SPOT_STRATEGY)).toBe('spot');
    expect(preferredKind(sim, [...SPOT_STRATEGY, ...PERP_STRATEGY, 'BTC/USD:USD'])).toBe('contract');
    // A tie, or nothing listed, leaves it to defaultType.
    expect(preferredKind(sim, ['ETH/USD', 'ETH/USD:USD', 'NOPE/USD'])).toBe('contract');
    const spotDefault = { markets: sim.markets, market: (s: string) => sim.market(s), options: { defaultType: 'spot' } };
    expect(preferredKind(spotDefault, [])).toBe('spot');
    expect(suggestSymbol('ETH-USD', spotDefault)).toBe('ETH/USD');
    expect(preferredKind({ ...spotDefault, options: {} }, [])).toBeNull();
  });
});

describe('a huge symbol (the review: 10,000 characters held the event loop for 9 s at 600 markets)', () => {
  it('is near no market, found at once, and quoted back by its start and length', async () => {
    const { unlistedSymbolWords } = await import('../../src/orders/symbol-hint.js');
    const huge = 'BTCUSD'.repeat(20_000);
    const t0 = performance.now();
    expect(suggestSymbol(huge, sim)).toBeUndefined();
    const words = unlistedSymbolWords(huge, sim);
    // A guard against the DoS, not a benchmark: the old path took seconds on this word; the new one does no distance at all.
    expect(performance.now() - t0).toBeLessThan(500);
    expect(words.length).toBeLessThan(200);
    expect(words).toContain('(120000 characters)');
    // Of a symbol's length it is near as before: the cut-off changes nothing a user can type.
    expect(suggestSymbol('BTCUSDT', sim)).toBe('BTC/USD:USD');
  });

  it('is refused by the intent parse, which names the longest a symbol may be', async () => {
    const { parseIntent, IntentError } = await import('../../src/orders/intent.js');
    expect(() => parseIntent({ symbol: 'X'.repeat(101), side: 'buy', amount: 1, price: 1 })).toThrow(IntentError);
    expect(() => parseIntent({ symbol: 'X'.repeat(101), side: 'buy', amount: 1, price: 1 })).toThrow(/at most 100 characters/);
    expect(parseIntent({ symbol: 'X'.repeat(100), side: 'buy', amount: 1, price: 1 }).symbol).toHaveLength(100);
  });
});
