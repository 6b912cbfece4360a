// A strategy in a CommonJS project: `require('misso')`, as Node allows for an ES module package
// whose modules do not wait at the top level. It prints only its own lines on stdout.
const { Updater } = require('misso');
const { createSimExchange } = require('misso/sim');
const { startStatusServer } = require('misso/http');
const { VirtualClock } = require('misso/testing');

async function main() {
  console.log(`required: ${typeof Updater.fromConfig} ${typeof startStatusServer} ${typeof VirtualClock}`);
  // The simulator straight from `require`, before anything else loaded ccxt: a refusal is ccxt's own error.
  const sim = createSimExchange({ seed: 7 });
  const refusal = await sim.createOrder('BTC/USD:USD', 'stop', 'buy', 1).catch((error) => error);
  await sim.close();
  console.log(`required misso/sim: ${refusal.constructor.name}`);
  const updater = await Updater.fromConfig({
    exchange: { id: 'sim', seed: 7 },
    storage: { path: ':memory:' },
    class_attributes: { watch_list: ['BTC/USD:USD'], last_price: {} },
    tasks: { t_update_tickers: { freq: 1 } },
  });
  await updater.start();
  const priced = () => {
    const price = updater.state.get('last_price')['BTC/USD:USD'];
    return typeof price === 'number' && price > 0;
  };
  for (const deadline = Date.now() + 20_000; !priced() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
  console.log(`price: ${priced()}`);
  await updater.stop();
  console.log('stopped');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
