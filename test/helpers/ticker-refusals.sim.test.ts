import { BadSymbol } from 'ccxt';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import type { Updater } from '../../src/engine/updater.js';
import { get_last_prices_from_watch_list } from '../../src/helpers/async-helper.js';
import { registerHelperLogger } from '../../src/helpers/listed-symbols.js';
import { REFUSED_ASK_AGAIN_PASSES } from '../../src/helpers/ticker-refusals.js';
import { createSimExchange } from '../../src/sim/create-sim-exchange.js';
import type { SimExchange } from '../../src/sim/sim-exchange.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

// A watched symbol the exchange refuses as BadSymbol though its markets still list it (delisted
// mid-day) failed the whole fetchTickers call, pass after pass: every price went stale.
const WL = ['BTC/USD:USD', 'ETH/USD:USD', 'SOL/USD:USD', 'XRP/USD:USD', 'ADA/USD:USD', 'DOT/USD:USD', 'LTC/USD:USD', 'UNI/USD:USD'];
const ETH = 'ETH/USD:USD';

interface Rig {
  ex: SimExchange;
  warnings: { fields: Record<string, unknown>; msg: string }[];
  /** The symbols of each fetchTickers / fetchTicker call. */
  calls: string[][];
  /** Symbols the venue refuses now; `named`: its message names the symbol (by market id). */
  refuse: { symbols: Set<string>; named: boolean };
}

/** The simulator's exchange, whose venue refuses `refuse.symbols` as a delisting does. */
function refusing(ex: SimExchange, refuse: Rig['refuse'], calls: string[][]): void {
  const fetchTickers = ex.fetchTickers.bind(ex);
  const fetchTicker = ex.fetchTicker.bind(ex);
  const refusal = (bad: string[]): BadSymbol =>
    new BadSymbol(refuse.named ? `sim {"code":-1121,"msg":"Invalid symbol ${ex.markets?.[bad[0]!]?.id ?? bad[0]!}."}` : 'sim {"code":-1121,"msg":"Invalid symbol."}');
  ex.fetchTickers = (async (symbols: string[], ...rest: unknown[]) => {
    calls.push([...symbols]);
    const bad = symbols.filter((s) => refuse.symbols.has(s));
    if (bad.length > 0) throw refusal(bad);
    return fetchTickers(symbols, ...(rest as []));
  }) as typeof ex.fetchTickers;
  ex.fetchTicker = (async (symbol: string, ...rest: unknown[]) => {
    calls.push([symbol]);
    if (refuse.symbols.has(symbol)) throw refusal([symbol]);
    return fetchTicker(symbol, ...(rest as []));
  }) as typeof ex.fetchTicker;
}

async function rig(named: boolean, refused: string[] = [ETH]): Promise<Rig> {
  const ex = createSimExchange({ seed: 7 }, { clock: new VirtualClock() });
  await ex.loadMarkets();
  const warnings: Rig['warnings'] = [];
  registerHelperLogger(ex, { warn: ((fields: Record<string, unknown>, msg: string) => warnings.push({ fields, msg })) as never });
  const calls: string[][] = [];
  const refuse = { symbols: new Set(refused), named };
  refusing(ex, refuse, calls);
  return { ex, warnings, calls, refuse };
}

const WARNING = `get_last_prices_from_watch_list: the exchange refuses watch-list symbols its markets list (BadSymbol: delisted?); left out until it answers them, asked again every ${REFUSED_ASK_AGAIN_PASSES} passes`;

describe('get_last_prices_from_watch_list and a symbol refused as BadSymbol though listed', () => {
  it('named by the message: left out in two calls, warned once, left out of later passes, asked again alone, and back once answered', async () => {
    const { ex, warnings, calls, refuse } = await rig(true);
    const first = await get_last_prices_from_watch_list(ex, WL);
    expect(Object.keys(first).sort()).toEqual(WL.filter((s) => s !== ETH).sort());
    expect(calls).toEqual([WL, WL.filter((s) => s !== ETH)]);
    expect(warnings).toEqual([{ fields: { symbols: ETH }, msg: WARNING }]);
    calls.length = 0;
    // The next passes leave it out: one call each, no new warning.
    for (let pass = 2; pass < REFUSED_ASK_AGAIN_PASSES + 1; pass++) await get_last_prices_from_watch_list(ex, WL);
    expect(calls.every((c) => c.length === WL.length - 1 && !c.includes(ETH))).toBe(true);
    calls.length = 0;
    // Then it is asked again, alone: still refused, and not warned about again.
    await get_last_prices_from_watch_list(ex, WL);
    expect(calls).toEqual([WL.filter((s) => s !== ETH), [ETH]]);
    expect(warnings).toHaveLength(1);
    // Relisted: at its next ask it is answered, and from then on asked with the others.
    refuse.symbols.clear();
    for (let pass = 0; pass < REFUSED_ASK_AGAIN_PASSES; pass++) await get_last_prices_from_watch_list(ex, WL);
    calls.length = 0;
    expect(Object.keys(await get_last_prices_from_watch_list(ex, WL)).sort()).toEqual([...WL].sort());
    expect(calls).toEqual([WL]);
    // Refused again later: a new warning, as it came back in between.
    refuse.symbols.add(ETH);
    await get_last_prices_from_watch_list(ex, WL);
    expect(warnings).toHaveLength(2);
  });

  it('not named: found by halving the request, in few calls', async () => {
    const { ex, warnings, calls } = await rig(false, ['DOT/USD:USD']);
    const prices = await get_last_prices_from_watch_list(ex, WL);
    expect(Object.keys(prices).sort()).toEqual(WL.filter((s) => s !== 'DOT/USD:USD').sort());
    // 8 symbols: the whole, two halves, two quarters, two eighths.
    expect(calls.length).toBeLessThanOrEqual(7);
    expect(warnings.map((w) => w.fields['symbols'])).toEqual(['DOT/USD:USD']);
    calls.length = 0;
    await get_last_prices_from_watch_list(ex, WL);
    expect(calls).toHaveLength(1);
  });

  it('two refused, not named: both left out', async () => {
    const { ex, warnings } = await rig(false, [ETH, 'LTC/USD:USD']);
    expect(Object.keys(await get_last_prices_from_watch_list(ex, WL))).toHaveLength(WL.length - 2);
    expect(warnings.map((w) => w.fields['symbols'])).toEqual([`${ETH}, LTC/USD:USD`]);
  });

  it('every symbol refused is no delisting: the call fails, as before', async () => {
    const { ex, warnings } = await rig(false, WL);
    await expect(get_last_prices_from_watch_list(ex, WL)).rejects.toBeInstanceOf(BadSymbol);
    expect(warnings).toEqual([]);
  });

  it('without fetchTickers: the refused symbol is known by its own fetchTicker call', async () => {
    const { ex, warnings, calls } = await rig(false);
    ex.has['fetchTickers'] = false;
    const prices = await get_last_prices_from_watch_list(ex, WL.slice(0, 3));
    expect(Object.keys(prices).sort()).toEqual(['BTC/USD:USD', 'SOL/USD:USD']);
    expect(calls).toHaveLength(3);
    expect(warnings.map((w) => w.fields['symbols'])).toEqual([ETH]);
  });
});

let current: Updater | null = null;
afterEach(async () => {
  await current?.stop();
  current = null;
});

describe('t_update_tickers and a symbol refused as BadSymbol though listed', () => {
  it('keeps the other prices fresh and the task up, and warns once', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const { updater, clock } = await virtualUpdater(
      { class_attributes: { watch_list: WL.slice(0, 4), last_price: {} }, exchange: { id: 'sim', stream: 'off' }, tasks: { t_update_tickers: { freq: 10 } } },
      { logger },
    );
    current = updater;
    await startVirtual(updater, clock);
    const sim = (updater.session as unknown as { instance: SimExchange }).instance;
    refusing(sim, { symbols: new Set([ETH]), named: false }, []);
    const from = clock.now();
    await advanceWithIo(clock, () => clock.now() - from >= 60_000, 70_000, 1000);
    const health = updater.taskStatuses()['t_update_tickers']!;
    expect(health).toMatchObject({ ok: true, consecutiveFailures: 0 });
    expect(updater.state.isStale('last_price')).toBe(false);
    for (const symbol of WL.slice(0, 4).filter((s) => s !== ETH)) expect(updater.state.isKeyFresh('last_price', symbol)).toBe(true);
    expect(updater.state.isKeyFresh('last_price', ETH)).toBe(false);
    const warned = lines.map((l) => JSON.parse(l) as { msg: string; symbols?: string; task?: string }).filter((l) => l.msg.includes('BadSymbol'));
    expect(warned).toEqual([expect.objectContaining({ task: 't_update_tickers', symbols: ETH })]);
  });
});
