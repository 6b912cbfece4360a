// A process holding one binanceusdm client (ccxt.pro's class), loaded either as misso loads
// ccxt (`lib`: its module files, one venue's classes) or as `import 'ccxt'` does (`whole`: every
// class of the package). On each message {gcs: n} it runs n forced full garbage collections
// and answers {done: n, heapUsed}; run with --expose-gc.
import v8 from 'node:v8';

const how = process.argv[2];
let client: unknown;
if (how === 'whole') {
  const ccxt = (await import('ccxt')).default;
  client = new ccxt.pro.binanceusdm();
} else if (how === 'lib') {
  const { loadExchangeClass } = await import('../src/exchange/ccxt-lib.js');
  const Binanceusdm = await loadExchangeClass('binanceusdm', true);
  if (!Binanceusdm) throw new Error('no binanceusdm class');
  client = new Binanceusdm();
} else {
  throw new Error('usage: ccxt-heap-child.ts whole|lib');
}
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
gc();
process.on('message', (m: { gcs: number }) => {
  for (let i = 0; i < m.gcs; i++) gc();
  process.send?.({ done: m.gcs, heapUsed: v8.getHeapStatistics().used_heap_size, held: client !== undefined });
});
process.on('disconnect', () => process.exit(0));
process.send?.({ done: 0, heapUsed: v8.getHeapStatistics().used_heap_size, held: client !== undefined });
