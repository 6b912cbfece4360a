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
    const positions = await openPositions(rt.exchange);
    rt.state.set(outAttr(rt.config, 'positions'), positions, rt.name);
  },
};
