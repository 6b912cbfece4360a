// A strategy as a plain JavaScript user writes it: `node strategy.mjs`, no TypeScript loader.
// It prints only its own lines on stdout; misso's log goes to stderr.
import { Updater } from 'misso';

const SYMBOL = 'BTC/USD:USD';
const updater = await Updater.fromConfig({
  exchange: { id: 'sim', seed: 7 },
  http: { port: 0 },
  class_attributes: { watch_list: [SYMBOL], last_price: {} },
  tasks: {
    t_update_tickers: { freq: 1 },
    t_execute_orders: { freq: 1 },
    t_update_open_orders: { freq: 1 },
  },
});

const seen = [];
// Subscribed before start(): the start's reconciliation events would arrive here too.
const reasons = [];
updater.orders.on('order', (order, change) => {
  seen.push(`${order.clientOrderId}:${order.status}`);
  if (change.reason) reasons.push(`${change.kind}: ${change.reason}`);
});

async function until(what, predicate, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

await updater.start();
await until('a price', () => updater.state.get('last_price')[SYMBOL] > 0);
const last = updater.state.get('last_price')[SYMBOL];
console.log('price ok');

const exchange = updater.exchange;
const resting = updater.pendingOrders.push([null, 0.01, Number(exchange.priceToPrecision(SYMBOL, last * 0.8)), 'buy', SYMBOL]);
const crossing = updater.pendingOrders.push({ symbol: SYMBOL, side: 'buy', amount: 0.01, price: Number(exchange.priceToPrecision(SYMBOL, last * 1.02)) });
await until('the resting order open', () => seen.includes(`${resting.clientOrderId}:open`));
console.log('resting open');
await until('the crossing order filled', () => seen.includes(`${crossing.clientOrderId}:closed`));
console.log(`crossing closed, filled ${crossing.filled}`);

// Amend the resting order's price (the simulator edits in place), then cancel it by client id.
const newPrice = Number(exchange.priceToPrecision(SYMBOL, last * 0.79));
const amended = await updater.orders.amend(resting, { price: newPrice });
console.log(`amended ${amended.amended} by ${amended.method}, price ${amended.order.price === newPrice ? 'new' : amended.order.price}`);
const cancelled = await updater.orders.cancel(resting.clientOrderId);
await until('the resting order canceled', () => seen.includes(`${resting.clientOrderId}:canceled`));
console.log(`cancel ${cancelled.outcome}, status ${cancelled.status}, replacedBy ${cancelled.replacedBy}`);
// Amending a finished order is refused with the reason on the result, not by a throw.
const late = await updater.orders.amend(resting, { price: newPrice });
console.log(`late amend ${late.amended}: ${late.reason}; event ${reasons.at(-1)}`);
// Caller mistakes are typed errors.
const { AmendError, OrderRefError } = await import('misso');
const mistakes = [];
try { await updater.orders.cancel('no-such-order'); } catch (e) { mistakes.push(e instanceof OrderRefError ? 'OrderRefError' : String(e)); }
try { await updater.orders.amend(crossing, {}); } catch (e) { mistakes.push(e instanceof AmendError ? 'AmendError' : String(e)); }
console.log(`mistakes: ${mistakes.join(' ')}`);

const status = await (await fetch(`${updater.statusUrl}/status`)).json();
const dashboard = await fetch(`${updater.statusUrl}/`);
// The page's scripts come from the package (dist/http/dashboard/) and its charts dependency.
const assets = await Promise.all(['app.js', 'lightweight-charts.js'].map((a) => fetch(`${updater.statusUrl}/assets/${a}`).then((r) => r.status)));
console.log(`status ${status.phase}, dashboard ${dashboard.status}, assets ${assets.join(' ')}`);

await updater.stop();
console.log(`stopped: ${updater.phase}`);
