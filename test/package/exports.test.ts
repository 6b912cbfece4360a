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
    'AttributeMeta', 'Clock', 'ConfigError', 'ConfigProblem', 'EngineControl', 'ErrorKind', 'ExchangeConfig',
    'ExchangeSession', 'HttpConfig', 'IntentError', 'IsOpenOrders', 'JournalEvent', 'Logger', 'LoggingConfig',
    'MissoConfig', 'Notifier', 'NotifyConfig', 'NotifyLevel', 'NotifyMessage', 'Order', 'OrderData', 'OrderFee',
    'OrderIntent', 'OrderJournal', 'OrderManager', 'OrderManagerEvents', 'OrderSide', 'OrderStats', 'OrderStatus',
    'OrderType', 'OrdersConfig', 'PendingOrderQueue', 'Priority', 'RateBudgetConfig', 'SharedAttributeConfig',
    'StartupError', 'StateChange', 'StateStore', 'StopReport', 'StoppedError', 'StorageConfig', 'StorageProblem',
    'StorageWriteError', 'SubtaskConfig',
    'SystemClock', 'TaskConfig', 'TaskHealth', 'TaskKind', 'TaskMode', 'TaskRuntime', 'TaskStatus', 'Updater', 'UpdaterEvents',
    'UpdaterOptions', 'UpdaterPhase', 'UpdaterSnapshot', 'UserError',
    // Cancel, amend, fills and risk (issue 11).
    'AmendChanges', 'AmendError', 'AmendMethod', 'AmendResult', 'ApplyFillResult', 'CancelOutcome', 'CancelResult',
    'CcxtTradeLike', 'ClosedTrade', 'Fill', 'OrderRefError', 'RiskConfig',
  ],
  './sim': [
    'DEFAULT_SIM_API_KEY', 'DEFAULT_SIM_PORT', 'DEFAULT_SIM_SECRET', 'DEFAULT_SIM_SEED', 'SimError', 'SimErrorCode',
    'SimExchange', 'SimExchangeCounters', 'SimExchangeOptions', 'SimKnobs', 'SimServer', 'SimServerOptions',
    'SimVenue', 'SimVenueCounters', 'SimVenueOptions', 'createSimExchange', 'describeFaultSyntax', 'startSimServer',
  ],
  './http': [
    'AttributeStatus', 'BudgetStatus', 'DashboardOptions', 'ExchangeStatus', 'OrderCounts', 'Phase', 'StatusEvent',
    'StatusEventType', 'StatusServer', 'StatusServerOptions', 'StatusSnapshot', 'StatusSource', 'TaskState',
    'TaskStatus', 'renderDashboard', 'startStatusServer',
  ],
  './testing': ['VirtualClock', 'silentLogger'],
};

/** The runtime values among them (classes, functions, constants). */
const RUNTIME_EXPORTS: Record<string, string[]> = {
  '.': ['AmendError', 'ConfigError', 'IntentError', 'Order', 'OrderRefError', 'StartupError', 'StoppedError', 'StorageWriteError', 'SystemClock', 'Updater', 'UserError'],
  './sim': [
    'DEFAULT_SIM_API_KEY', 'DEFAULT_SIM_PORT', 'DEFAULT_SIM_SECRET', 'DEFAULT_SIM_SEED', 'SimError', 'SimExchange',
    'SimVenue', 'createSimExchange', 'describeFaultSyntax', 'startSimServer',
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
