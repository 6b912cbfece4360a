import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };

const ROOT = resolve(import.meta.dirname, '../..');

/** Every entry of the exports map and the source file it is built from. */
const ENTRIES: Record<string, string> = {
  '.': 'src/index.ts',
  './sim': 'src/sim/index.ts',
  './http': 'src/http/index.ts',
  './testing': 'src/testing/index.ts',
};

/**
 * The public surface, value and type names alike. A change here is a change of the published
 * API: make it on purpose, and say so in the README.
 */
const PUBLIC_EXPORTS: Record<string, string[]> = {
  '.': [
    'AlreadyStartedError', 'AttributeMeta', 'Clock', 'ConfigError', 'ConfigProblem', 'EngineControl', 'ErrorKind', 'ExchangeConfig',
    'ExchangeSession', 'FifoQueue', 'HttpConfig', 'IntentError', 'IsOpenOrders', 'JournalEvent', 'Logger', 'LoggingConfig',
    'MissoConfig', 'MissoConfigInput', 'NotStartedError', 'Notifier', 'NotifyConfig', 'NotifyLevel', 'NotifyMessage', 'Order', 'OrderData', 'OrderFee',
    'OrderIntent', 'OrderJournal', 'OrderManager', 'OrderManagerEvents', 'OrderSide', 'OrderStats', 'OrderStatus',
    'OrderType', 'OrdersConfig', 'PendingOrderQueue', 'PollResult', 'Priority', 'QueueEmptyError', 'QueueFullError', 'RateBudgetConfig', 'SharedAttributeConfig',
    'StartupError', 'StateChange', 'StateStore', 'StopReport', 'StoppedError', 'StorageConfig', 'StorageProblem',
    'StorageWriteError', 'SubtaskConfig',
    'SystemClock', 'TaskConfig', 'TaskHealth', 'TaskKind', 'TaskMode', 'TaskRuntime', 'TaskStatus', 'Updater', 'UpdaterEvents',
    'UpdaterOptions', 'UpdaterPhase', 'UpdaterSnapshot', 'UserError',
    // Cancel, amend, fills and risk (issue 11).
    'AmendChanges', 'AmendError', 'AmendMethod', 'AmendResult', 'ApplyFillResult', 'CancelOutcome', 'CancelResult',
    // orders.amend's options (refuseOverLimits: the control API's intake check of orders.risk).
    'AmendOptions',
    'CcxtTradeLike', 'ClosedTrade', 'Fill', 'OrderRefError', 'RiskConfig',
    // Types the public signatures above use (issue 9 review): every one is nameable.
    'BoundSubtask', 'CancelAllFilter', 'CancelReport', 'CcxtOrderLike', 'ReconcileReport', 'Redactor',
    'RegisteredTaskOptions', 'SourcePos', 'StreamPhase', 'StreamStats', 'TaskOptionType', 'TelegramConfig', 'UpdateResult',
    // How a journal write reaches the disk (the fill path, issue 10).
    'Durability',
    // cancelAll's refusal of a filter or a symbol the exchange does not list.
    'CancelFilterError',
    // `process.cpu_affinity`: the event loop's thread on CPUs of its own.
    'ProcessConfig',
    // A subtask's failure, naming the task, the subtask and its line.
    'SubtaskError',
    // Its cause when a `self.a.b` argument's key is missing at run time.
    'MissingReferenceError',
    // state.set's refusal of a watch_list the tasks cannot read.
    'WatchListShapeError',
    // What the exchange session knows of its health (the exchange readiness flag).
    'SessionHealth',
    // state.get's read-only view of a stored value (review 25-B F7).
    'DeepReadonly',
  ],
  './sim': [
    'DEFAULT_SIM_API_KEY', 'DEFAULT_SIM_PORT', 'DEFAULT_SIM_SECRET', 'DEFAULT_SIM_SEED', 'SimError', 'SimErrorCode', 'SimErrorDetail',
    'SimExchange', 'SimExchangeCounters', 'SimExchangeOptions', 'SimKnobs', 'SimServer', 'SimServerOptions',
    'SimVenue', 'SimVenueCounters', 'SimVenueOptions', 'createSimExchange', 'describeFaultSyntax', 'startSimServer',
    'ListOrdersQuery', 'MarketSpec', 'PlaceOrderRequest', 'RealismCounters', 'RealismSettings', 'SimBalance', 'SimCandle',
    'SimFaultKind', 'SimFaultRule', 'SimFill', 'SimMarket', 'SimMarketType', 'SimOrder', 'SimOrderRef', 'SimOrderSide',
    'SimOrderStatus', 'SimOrderType', 'SimPosition', 'SimPublicTape', 'SimPublicTrade', 'SimStreamName', 'SimTicker', 'SimTimeInForce', 'SimTriggerKind',
    'SimTradeQuery', 'SimWalletReason',
    // SimVenue.feed: the venue's order and wallet events (review 25-B F1).
    'VenueFeed', 'SimExecution', 'SimOrderEvent', 'SimOrderListener', 'SimWalletEvent', 'SimWalletListener',
    // An unmodified ccxt client onto a running sim-server (URLs, currencies off, ws proxy agent).
    'pointAtSimServer',
  ],
  './http': [
    'AttributeStatus', 'BudgetStatus', 'DashboardOptions', 'ExchangeStatus', 'OrderCounts', 'Phase', 'StatusEvent',
    'StatusEventType', 'StatusServer', 'StatusServerOptions', 'StatusSnapshot', 'StatusSource', 'TaskState',
    'TaskStatus', 'renderDashboard', 'startStatusServer',
    'CancelFilter', 'CancelOutcomeView', 'CapitalPoint', 'OperatorSource', 'OrderChanges', 'OrderListKind', 'OrderView',
    'PositionView', 'ReadinessFlags', 'StreamStatus',
  ],
  './testing': ['VirtualClock', 'silentLogger'],
};

/** The runtime values among them (classes, functions, constants). */
const RUNTIME_EXPORTS: Record<string, string[]> = {
  '.': ['AlreadyStartedError', 'AmendError', 'CancelFilterError', 'ConfigError', 'FifoQueue', 'IntentError', 'MissingReferenceError', 'NotStartedError', 'Order', 'OrderRefError', 'QueueEmptyError', 'QueueFullError', 'StartupError', 'StoppedError', 'StorageWriteError', 'SubtaskError', 'SystemClock', 'Updater', 'UserError', 'WatchListShapeError'],
  './sim': [
    'DEFAULT_SIM_API_KEY', 'DEFAULT_SIM_PORT', 'DEFAULT_SIM_SECRET', 'DEFAULT_SIM_SEED', 'SimError', 'SimExchange',
    'SimVenue', 'createSimExchange', 'describeFaultSyntax', 'startSimServer', 'pointAtSimServer',
  ],
  './http': ['renderDashboard', 'startStatusServer'],
  './testing': ['VirtualClock', 'silentLogger'],
};

/**
 * The names an entry file exports. Entries are lists of named re-exports and nothing else (no
 * `export *`, which would let a new export in a deep module leak out unnoticed), so reading the
 * syntax is exact, and fast.
 */
function exportedNames(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022);
  const names: string[] = [];
  for (const statement of source.statements) {
    if (!ts.isExportDeclaration(statement) || !statement.exportClause || !ts.isNamedExports(statement.exportClause)) {
      throw new Error(`${file}: only named re-exports belong in an entry, found: ${statement.getText(source).slice(0, 80)}`);
    }
    for (const element of statement.exportClause.elements) names.push(element.name.text);
  }
  return names.sort();
}

describe('the public export list', () => {
  it('the exports map names exactly these entries, each with types first', () => {
    const map = packageJson.exports as Record<string, unknown>;
    expect(Object.keys(map).filter((k) => k !== './package.json').sort()).toEqual(Object.keys(ENTRIES).sort());
    for (const [entry, file] of Object.entries(ENTRIES)) {
      const built = file.replace(/^src\//, './dist/').replace(/\.ts$/, '');
      expect(map[entry]).toEqual({ types: `${built}.d.ts`, default: `${built}.js` });
      // `types` must come before `default`: conditions are matched in order.
      expect(Object.keys(map[entry] as object)).toEqual(['types', 'default']);
    }
  });

  it('each entry exports exactly the pinned names, types included', () => {
    for (const [entry, file] of Object.entries(ENTRIES)) {
      expect({ entry, names: exportedNames(join(ROOT, file)) }).toEqual({ entry, names: [...PUBLIC_EXPORTS[entry]!].sort() });
    }
  });

  it('each entry exports exactly the pinned runtime values', async () => {
    for (const [entry, file] of Object.entries(ENTRIES)) {
      const mod = (await import(join(ROOT, file))) as Record<string, unknown>;
      expect({ entry, names: Object.keys(mod).sort() }).toEqual({ entry, names: [...RUNTIME_EXPORTS[entry]!].sort() });
    }
  });
});

/**
 * The types declared in src/ that a public export's signature uses, followed through members,
 * parameters and results (not bodies, private or `@internal` members, which the build strips),
 * with the export that reaches each, and the entries' own exports (under any alias).
 */
function typesReachedFrom(entries: string[], roots?: string[]): { reached: Map<ts.Symbol, string>; exported: Set<ts.Symbol> } {
  const files = entries.map((e) => join(ROOT, ENTRIES[e]!));
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
  const program = ts.createProgram(files, { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const real = (s: ts.Symbol): ts.Symbol => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
  const reached = new Map<ts.Symbol, string>();
  const queue = files
    .flatMap((f) => checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(f)!)!))
    .filter((s) => roots === undefined || roots.includes(s.name))
    .map(real);
  for (const s of queue) reached.set(s, s.name);
  const exported = new Set(queue);
  const hidden = (n: ts.Node): boolean => {
    const text = n.getSourceFile().text;
    const internal = (ts.getLeadingCommentRanges(text, n.getFullStart()) ?? []).some((c) => text.slice(c.pos, c.end).includes('@internal'));
    const modifiers = ts.canHaveModifiers(n) ? (ts.getModifiers(n) ?? []) : [];
    return internal || modifiers.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword) || ('name' in n && n.name !== undefined && ts.isPrivateIdentifier(n.name as ts.Node));
  };
  const reach = (found: ts.Symbol, from: string): void => {
    const s = real(found);
    const decl = s.declarations?.[0];
    // A `typeof CONSTANT` is written out by the compiler: only type names need an export.
    const isType = (s.flags & (ts.SymbolFlags.Type | ts.SymbolFlags.Class)) !== 0;
    if (decl && isType && !ts.isTypeParameterDeclaration(decl) && decl.getSourceFile().fileName.startsWith(join(ROOT, 'src')) && !reached.has(s)) {
      reached.set(s, from);
      queue.push(s);
    }
  };
  /** The named types of an inferred type: its own name and its type arguments' (not its members). */
  const inferred = (type: ts.Type, from: string): void => {
    const named = type.aliasSymbol ?? type.getSymbol();
    if (named && !['__type', '__object', '__function'].includes(named.name)) reach(named, from);
    if (type.isUnionOrIntersection()) for (const t of type.types) inferred(t, from);
    for (const t of [...(type.aliasTypeArguments ?? []), ...(checker.isTupleType(type) || (type.flags & ts.TypeFlags.Object) !== 0 ? checker.getTypeArguments(type as ts.TypeReference) : [])]) inferred(t, from);
  };
  const visit = (node: ts.Node, from: string): void => {
    if (hidden(node) || ts.isBlock(node)) return;
    if ((ts.isPropertyDeclaration(node) || ts.isVariableDeclaration(node)) && !node.type && node.initializer) {
      // No annotation: the build writes out the inferred type (`readonly feed = new VenueFeed()`).
      inferred(checker.getTypeAtLocation(node), from);
      return;
    }
    if ((ts.isPropertyDeclaration(node) || ts.isVariableDeclaration(node) || ts.isParameter(node)) && !node.type) return;
    const target = ts.isTypeReferenceNode(node) ? node.typeName : ts.isTypeQueryNode(node) ? node.exprName : ts.isExpressionWithTypeArguments(node) ? node.expression : null;
    const found = target && checker.getSymbolAtLocation(target);
    if (found) reach(found, from);
    if (ts.isPropertyDeclaration(node) || ts.isVariableDeclaration(node)) visit(node.type!, from);
    else ts.forEachChild(node, (c) => visit(c, from));
  };
  while (queue.length > 0) {
    const s = queue.pop()!;
    for (const d of s.declarations ?? []) {
      if (d.getSourceFile().isDeclarationFile) continue;
      if (ts.isClassDeclaration(d)) {
        for (const h of d.heritageClauses ?? []) visit(h, s.name);
        for (const m of d.members) visit(m, `${s.name}.${m.name?.getText() ?? 'constructor'}`);
      } else visit(d, s.name);
    }
  }
  return { reached, exported };
}

describe('the published signatures', () => {
  it('use only types a caller can name: every src type they reach is exported by an entry', () => {
    const entries = Object.keys(ENTRIES);
    // The walk reaches types through members, parameters and results: from the Updater alone it
    // finds the status snapshot's readiness flags and the filter of `orders.cancelAll`.
    const fromUpdater = new Map([...typesReachedFrom(['.'], ['Updater']).reached].map(([s, from]) => [s.name, from]));
    expect(fromUpdater.get('ReadinessFlags')).toBe('StatusSnapshot');
    expect(fromUpdater.get('CancelAllFilter')).toBe('OrderManager.cancelAll');
    const { reached, exported } = typesReachedFrom(entries);
    const unnamed = [...reached].filter(([s]) => !exported.has(s)).map(([s, from]) => `${s.name} (used by ${from})`);
    expect(unnamed).toEqual([]);
  }, 60_000);
});
