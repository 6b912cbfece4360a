import { afterEach, describe, expect, it } from 'vitest';
import type { VirtualClock } from '../../src/core/clock.js';
import type { Updater } from '../../src/engine/updater.js';
import { startStatusServer, type StatusServer } from '../../src/http/status-server.js';
import { CancelFilterError } from '../../src/index.js';
import type { Order } from '../../src/orders/order.js';
import { advanceWithIo, startVirtual, virtualUpdater } from '../support/virtual-updater.js';

// `orders.cancelAll({symbol})` and `DELETE /api/orders?symbol=…` refuse a symbol the exchange
// does not list (CancelFilterError; HTTP 400 naming it, with the nearest symbol), cancelling
// nothing: a mistyped panic button must not look done. An exchange id of a listed market is
// taken as that market's symbol by the library; the control API takes unified symbols only, on
// DELETE as on POST, and answers an exchange id with the symbol to give.
const TOKEN = 'ctl-token-unknown-symbol';
let updater: Updater | null = null;
let server: StatusServer | null = null;
afterEach(async () => {
  await server?.close();
  await updater?.stop();
  server = null;
  updater = null;
});

async function restingBuy(): Promise<{ u: Updater; clock: VirtualClock; order: Order }> {
  const built = await virtualUpdater(
    {
      class_attributes: { watch_list: ['BTC/USD:USD'], last_price: {} },
      shared_attributes: { pending_orders: { modul: 'queue', function: 'Queue' } },
      tasks: { t_update_tickers: { freq: 10, max_age_secs: 3600 }, t_execute_orders: { freq: 5 } },
      http: { token: '${MISSO_HTTP_TOKEN}' },
    },
    { env: { MISSO_HTTP_TOKEN: TOKEN } },
  );
  const u = (updater = built.updater);
  await startVirtual(u, built.clock);
  await advanceWithIo(built.clock, () => u.state.get<Record<string, number>>('last_price')['BTC/USD:USD'] !== undefined);
  const price = Math.round(u.state.get<Record<string, number>>('last_price')['BTC/USD:USD']! * 0.8);
  const order = u.pendingOrders.push({ symbol: 'BTC/USD:USD', side: 'buy', amount: 0.01, price });
  await advanceWithIo(built.clock, () => order.status === 'open', 30_000);
  return { u, clock: built.clock, order };
}

describe('cancelAll with a symbol the exchange does not list', () => {
  it('refuses it with the nearest symbol of ours, cancelling nothing', async () => {
    const { u, clock, order } = await restingBuy();
    const refused = u.orders.cancelAll({ symbol: 'BTCUSDT' });
    await expect(refused).rejects.toBeInstanceOf(CancelFilterError);
    await expect(refused).rejects.toThrow(/unknown symbol BTCUSDT.*did you mean BTC\/USD:USD\?/);
    // A bare base currency finds its market too; with no near symbol the sentence still ends.
    await expect(u.orders.cancelAll({ symbol: 'BTC' })).rejects.toThrow(/unknown symbol BTC: the exchange does not list it; did you mean BTC\/USD:USD\? Nothing was cancelled\./);
    await expect(u.orders.cancelAll({ symbol: 'QQQQQQQQQQQQ' })).rejects.toThrow(/the exchange does not list it\. Nothing was cancelled\./);
    await advanceWithIo(clock, () => false, 5_000).catch(() => undefined);
    expect(order.status).toBe('open');
  });

  it('takes the exchange id of a listed market as that market', async () => {
    const { u, clock, order } = await restingBuy();
    let results: Awaited<ReturnType<Updater['orders']['cancelAll']>> | null = null;
    void u.orders.cancelAll({ symbol: 'BTCUSD' }).then((r) => (results = r));
    await advanceWithIo(clock, () => results !== null, 30_000);
    // ccxt resolves the id BTCUSD to the swap (the sim's spot BTC/USD shares the id).
    expect(u.exchange.market('BTCUSD').symbol).toBe('BTC/USD:USD');
    expect(results!.map((r) => [r.order.clientOrderId, r.outcome])).toEqual([[order.clientOrderId, 'canceled']]);
  });

  it('DELETE /api/orders?symbol= answers 400 naming the symbol and leaves the order open', async () => {
    const { u, clock, order } = await restingBuy();
    server = await startStatusServer({ source: u.statusSource(), clock, processMetrics: false, token: TOKEN });
    const res = await fetch(`${server.url}/api/orders?symbol=BTCUSDT`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
    const body = (await res.json()) as { error: string; field: string | null };
    expect(res.status).toBe(400);
    expect(body.field).toBe('symbol');
    expect(body.error).toMatch(/unknown symbol BTCUSDT.*did you mean BTC\/USD:USD\?/);
    expect(order.status).toBe('open');
  });

  it('DELETE and POST /api/orders refuse an exchange id alike: 400 naming the symbol and the unified one to give', async () => {
    const { u, clock, order } = await restingBuy();
    server = await startStatusServer({ source: u.statusSource(), clock, processMetrics: false, token: TOKEN });
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const said = "unknown symbol BTCUSD: that is the exchange's id of a market; give the unified symbol: did you mean BTC/USD:USD?";
    const del = await fetch(`${server.url}/api/orders?symbol=BTCUSD`, { method: 'DELETE', headers: { authorization: headers.authorization } });
    expect(del.status).toBe(400);
    expect(await del.json()).toEqual({ error: `${said} Nothing was cancelled.`, field: 'symbol' });
    const body = JSON.stringify({ symbol: 'BTCUSD', side: 'buy', amount: 0.01, price: order.price });
    const before = u.orders.orders.length;
    const post = await fetch(`${server.url}/api/orders`, { method: 'POST', headers, body });
    expect(post.status).toBe(400);
    expect(await post.json()).toEqual({ error: `${said} Nothing was queued.`, field: 'symbol' });
    // An unknown symbol on POST has its nearest symbol too.
    const unknown = await fetch(`${server.url}/api/orders`, { method: 'POST', headers, body: body.replace('BTCUSD', 'BTC/USDX:USD') });
    expect(await unknown.json()).toEqual({ error: 'unknown symbol BTC/USDX:USD: the exchange does not list it; did you mean BTC/USD:USD? Nothing was queued.', field: 'symbol' });
    // Binance's id of the perpetual is nearest the sim perpetual's id (BTCUSD), not the spot's (BTC_USD).
    const binanceId = await fetch(`${server.url}/api/orders`, { method: 'POST', headers, body: body.replace('BTCUSD', 'BTCUSDT') });
    expect(await binanceId.json()).toEqual({ error: 'unknown symbol BTCUSDT: the exchange does not list it; did you mean BTC/USD:USD? Nothing was queued.', field: 'symbol' });
    expect(u.orders.orders.length).toBe(before);
    await advanceWithIo(clock, () => false, 5_000).catch(() => undefined);
    expect(order.status).toBe('open');
  });
});
