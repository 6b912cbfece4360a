import { BadResponse } from '../exchange/ccxt-lib.js';
import { WS_SOURCE } from '../streams/stream-context.js';
import type { TaskKind } from './contract.js';
import { stringOption } from './attr.js';

/**
 * `t_update_balance`: `total_capital` and `free_capital` in the settlement currency (option
 * `currency`, default USD); `initial_capital` is set from the first reading if it is 0.
 */
export const updateBalance: TaskKind = {
  mode: 'periodic',
  options: ['currency'],
  optionTypes: { currency: 'string' },
  describe: 'total and free capital',
  defaultFreqSecs: 30,
  feeds: () => ['total_capital', 'free_capital'],
  async run(rt) {
    const currency = stringOption(rt.config, 'currency', 'USD');
    const asked = rt.clock.now();
    const balance = await rt.exchange.fetchBalance();
    // A 200 answer with an HTML page parses into an "empty" balance instead of an error; storing
    // it would report zero capital. Only a balance parsed from a JSON object is believed.
    if (balance.info === null || typeof balance.info !== 'object') {
      throw new BadResponse('malformed balance response (not a JSON object); capital left unchanged');
    }
    const total = Number((balance.total as unknown as Record<string, unknown> | undefined)?.[currency] ?? 0);
    const free = Number((balance.free as unknown as Record<string, unknown> | undefined)?.[currency] ?? 0);
    if (!Number.isFinite(total) || !Number.isFinite(free)) throw new BadResponse(`malformed ${currency} balance: total ${total}, free ${free}`);
    // A balance the user stream pushed while this answer was on its way is newer: it stands.
    const pushedSince = (rt.state.meta('total_capital')?.updatedAt ?? -Infinity) > asked && rt.state.meta('total_capital')?.source === WS_SOURCE;
    if (!pushedSince) {
      rt.state.set('total_capital', total, rt.name);
      rt.state.set('free_capital', free, rt.name);
    }
    const initial = rt.state.has('initial_capital') ? rt.state.get<unknown>('initial_capital') : 0;
    if (!initial) rt.state.set('initial_capital', total, rt.name);
  },
};
