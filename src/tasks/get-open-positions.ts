import type { Position } from 'ccxt';
import { openPositions } from '../helpers/open-positions.js';
import type { TaskKind } from './contract.js';
import { outAttr } from './attr.js';

/** `t_get_open_positions`: `{symbol: position}` for every position with contracts > 0. */
export const getOpenPositions: TaskKind = {
  mode: 'periodic',
  options: [],
  describe: 'open positions by symbol',
  defaultFreqSecs: 30,
  feeds: (config) => [outAttr(config, 'positions')],
  async run(rt) {
    const attr = outAttr(rt.config, 'positions');
    const asked = rt.clock.now();
    const positions = await openPositions(rt.exchange);
    // A position the user stream pushed while this answer was on its way is newer than the
    // answer: it is kept as pushed (held, or closed and gone), and the answer has the rest.
    const held = rt.state.get<Record<string, Position> | null>(attr) ?? {};
    const newer = Object.keys({ ...held, ...positions }).filter((s) => (rt.state.keyUpdatedAt(attr, s) ?? -Infinity) > asked);
    for (const symbol of newer) {
      const pushed = held[symbol];
      if (pushed) positions[symbol] = pushed;
      else delete positions[symbol];
    }
    if (newer.length === 0) rt.state.set(attr, positions, rt.name);
    else rt.state.setKeys(attr, positions, [...Object.keys(positions), ...newer], rt.name);
  },
};
