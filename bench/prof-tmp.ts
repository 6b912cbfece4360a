import ccxt from 'ccxt';
import { SystemClock } from '../src/core/clock.js';
import { startSimServer } from '../src/sim/http/binance-server.js';
const srv = await startSimServer({ port: 0, seed: 77, markets: 500, clock: new SystemClock() });
const ex = new (ccxt.pro as any).binanceusdm({ options: { fetchCurrencies: false } });
for (const [k, v] of Object.entries(ex.urls.api)) if (typeof v === 'string') ex.urls.api[k] = v.replace(/^https:\/\/[^/]+/, srv.url);
await ex.loadMarkets();
const swaps = srv.venue.listMarkets().filter((m: any) => m.type === 'swap');
const arr = swaps.map((m: any) => ({ e: '24hrMiniTicker', E: Date.now(), s: m.id, c: '100.5', o: '100', h: '101', l: '99', v: '1000', q: '100000' }));
const text = JSON.stringify(arr);
const client = { url: 'x', subscriptions: { tickers: true }, resolve() {}, reject() {}, futures: {} };
for (let i = 0; i < 5; i++) { ex.handleMessage(client, JSON.parse(text)); }
let t = performance.now();
for (let i = 0; i < 50; i++) { JSON.parse(text); }
console.log('JSON.parse ms', (performance.now() - t) / 50);
t = performance.now();
for (let i = 0; i < 50; i++) { ex.handleMessage(client, JSON.parse(text)); }
console.log('handleMessage(500 miniTickers) ms', (performance.now() - t) / 50, 'markets', swaps.length);
const one = arr[0];
t = performance.now();
for (let i = 0; i < 5000; i++) ex.parseWsTicker(one, 'contract');
console.log('parseWsTicker us', (performance.now() - t) / 5000 * 1000);
const st = ex.safeTicker.bind(ex);
let inSafe = 0;
ex.safeTicker = (x: any, m: any) => { const a = performance.now(); const r = st(x, m); inSafe += performance.now() - a; return r; };
t = performance.now();
for (let i = 0; i < 5000; i++) ex.parseWsTicker(one, 'contract');
console.log('parseWsTicker us', (performance.now() - t) / 5000 * 1000, 'of which safeTicker', inSafe / 5000 * 1000);
await srv.close();
process.exit(0);
