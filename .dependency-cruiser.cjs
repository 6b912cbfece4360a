// `npm run depcheck`: the layer order of src/, type-only imports included, and no cycles.
//   cli → engine → tasks/orders/streams/http/notify/helpers → exchange/sim/state/storage → config → core
// A module may import its own layer and the layers below it, never one above. The package
// entries (src/index.ts, src/*/index.ts re-export lists, src/testing/) sit on top.
// Any back-edge fails CI (test/package/layers.test.ts shows it does, a type-only one too).

const LAYERS = [
  ['core'],
  ['config'],
  ['exchange', 'sim', 'state', 'storage'],
  ['tasks', 'orders', 'streams', 'http', 'notify', 'helpers'],
  ['engine'],
  ['cli'],
];

const under = (dirs) => `^src/(${dirs.join('|')})/`;

const layerRules = LAYERS.slice(0, -1).map((layer, i) => {
  const above = LAYERS.slice(i + 1).flat();
  return {
    name: `layer-${layer.join('-')}`,
    comment: `${layer.join(', ')} must not import ${above.join(', ')} (a higher layer)`,
    severity: 'error',
    from: { path: under(layer) },
    to: { path: under(above) },
  };
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'import cycles make load order and responsibilities unclear',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies too: they tie a layer to the shapes of the one above.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
