import { fetchTickersSparing } from '../helpers/ticker-refusals.js';
import type { TaskKind } from './contract.js';
import { outAttr, stringOption, watchList } from './attr.js';

/**
 * `t_update_tickers`: the last price of every symbol in the watch list, merged into `out`
 * (default `last_price`) so each symbol's freshness is tracked on its own. One `fetchTickers`
 * call when the exchange has it, else one `fetchTicker` per symbol. A symbol the exchange refuses
 * though its markets list it (delisted mid-day) is left out, warned about once
 * (`fetchTickersSparing`); the others stay fresh.
 */
export const updateTickers: TaskKind = {
  mode: 'periodic',
  options: ['watch_list'],
  optionTypes: { watch_list: 'attribute' },
  describe: 'last price of every watch-list symbol',
  defaultFreqSecs: 10,
  feeds: (config) => [outAttr(config, 'last_price')],
  async run(rt) {
    const symbols = watchList(rt.state.get(stringOption(rt.config, 'watch_list', 'watch_list')));
    if (symbols.length === 0) return;
    const batch = !!rt.exchange.has['fetchTickers'];
    const asker = { owner: rt.state, caller: rt.name, logger: rt.logger, fields: { task: rt.name }, batch, concurrency: 1, signal: rt.signal };
    const { tickers, refused } = await fetchTickersSparing(rt.exchange, symbols, asker);
    if (rt.signal.aborted) return;
    const prices: Record<string, number> = {};
    for (const symbol of symbols) {
      const last = tickers[symbol]?.last;
      if (typeof last === 'number' && Number.isFinite(last)) prices[symbol] = last;
    }
    // A symbol the exchange refuses though it lists it (delisted) was warned about, and is no gap.
    const missing = symbols.filter((s) => !(s in prices) && !refused.includes(s));
    rt.state.merge(outAttr(rt.config, 'last_price'), prices, rt.name);
    if (missing.length > 0) throw new Error(`no price for ${missing.length} symbol(s): ${missing.slice(0, 5).join(', ')}`);
  },
};
