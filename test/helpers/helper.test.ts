import { afterEach, describe, expect, it } from 'vitest';
import * as helper from '../../src/helpers/helper.js';
import { setDefaultNotifier } from '../../src/notify/default-notifier.js';
import type { Notifier, NotifyMessage } from '../../src/notify/types.js';

class ListNotifier implements Notifier {
  readonly messages: NotifyMessage[] = [];
  notify(msg: NotifyMessage): void {
    this.messages.push(msg);
  }
  async close(): Promise<void> {}
}

afterEach(() => setDefaultNotifier(null));

describe('Misso.services.helper', () => {
  it('exports the names the seed config calls', () => {
    for (const name of [
      'get_watch_list_from_wl_ranges',
      'parse_is_open_orders',
      'find_orders_by_status',
      'order_in_is_open_orders',
      'find_processed_orders',
      'evaluate_system_status',
      'telegram_notify_msg',
      'pivots',
      'pivots_of_pivots',
    ]) {
      expect(typeof (helper as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('get_watch_list_from_wl_ranges keeps the unrestricted symbols of the ranges', () => {
    const ranges = { 'BTC/USD:USD': [2, 1], 'BNB/USD:USD': [3, 2], 'ETH/USD:USD': [5, 4] };
    expect(helper.get_watch_list_from_wl_ranges(ranges, ['BNB/USD:USD', 'USDT/USD:USD'])).toEqual([
      'BTC/USD:USD',
      'ETH/USD:USD',
    ]);
    expect(helper.get_watch_list_from_wl_ranges(ranges, null)).toHaveLength(3);
    expect(helper.get_watch_list_from_wl_ranges(null, ['x'])).toEqual([]);
  });

  it('telegram_notify_msg goes to the registered notifier, an explicit one, or the logger', () => {
    const logged: string[] = [];
    const logger = { info: (m: string) => void logged.push(m) };
    expect(helper.telegram_notify_msg('no notifier yet', logger)).toBe(false);
    expect(logged).toEqual(['no notifier yet']);

    const registered = new ListNotifier();
    setDefaultNotifier(registered);
    expect(helper.telegram_notify_msg('capital 1000', logger)).toBe(true);
    expect(registered.messages).toEqual([{ text: 'capital 1000', level: 'info' }]);
    expect(logged).toHaveLength(1);

    const explicit = new ListNotifier();
    helper.telegram_notify_msg({ a: 1 }, explicit, 'warn');
    expect(explicit.messages).toEqual([{ text: '{"a":1}', level: 'warn' }]);
    expect(registered.messages).toHaveLength(1);
  });
});
