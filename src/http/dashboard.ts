import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * The dashboard is plain files beside this module (src/http/dashboard/, copied as is into any
 * build), plus lightweight-charts' standalone bundle from node_modules. Paths are resolved from
 * this module's own location, so they hold from src/ (tsx) and from a compiled dist/ alike.
 * Nothing is loaded from a CDN: the machines misso runs on may have no internet.
 */
const HERE = dirname(fileURLToPath(import.meta.url));
const PAGE_DIR = join(HERE, 'dashboard');

function chartsBundle(): string {
  const pkg = createRequire(import.meta.url).resolve('lightweight-charts/package.json');
  return join(dirname(pkg), 'dist', 'lightweight-charts.standalone.production.js');
}

/** One file the dashboard loads from `/assets/`. */
export interface DashboardAsset {
  body: Buffer;
  type: string;
}

const JS = 'text/javascript; charset=utf-8';
const ASSET_FILES: Record<string, { path: () => string; type: string }> = {
  'dashboard.css': { path: () => join(PAGE_DIR, 'dashboard.css'), type: 'text/css; charset=utf-8' },
  'util.js': { path: () => join(PAGE_DIR, 'util.js'), type: JS },
  'chart.js': { path: () => join(PAGE_DIR, 'chart.js'), type: JS },
  'orders.js': { path: () => join(PAGE_DIR, 'orders.js'), type: JS },
  'app.js': { path: () => join(PAGE_DIR, 'app.js'), type: JS },
  'lightweight-charts.js': { path: chartsBundle, type: JS },
};

let loaded: { template: string; assets: Map<string, DashboardAsset> } | null = null;

/** Reads the page and its assets once; a missing file is a broken install and says which. */
function files(): { template: string; assets: Map<string, DashboardAsset> } {
  if (loaded) return loaded;
  const assets = new Map<string, DashboardAsset>();
  for (const [name, file] of Object.entries(ASSET_FILES)) assets.set(name, { body: readFileSync(file.path()), type: file.type });
  loaded = { template: readFileSync(join(PAGE_DIR, 'index.html'), 'utf8'), assets };
  return loaded;
}

/**
 * Content-Security-Policy of the dashboard and its assets: scripts and styles only from this
 * server's own files (no inline code at all), connections only back to it. Anything else the
 * page might be tricked into loading is refused by the browser.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Options for {@link renderDashboard}. */
export interface DashboardOptions {
  /** Shown in the header and the tab title until the first snapshot arrives. @defaultValue 'misso' */
  title?: string;
}

/**
 * The dashboard page. It reads `events` and `api/...` by relative URLs, so it also works
 * behind a path prefix.
 */
export function renderDashboard(options: DashboardOptions = {}): string {
  const title = escapeHtml(options.title ?? 'misso');
  return files().template.replaceAll('{{TITLE}}', title);
}

/** A dashboard asset by file name, or null. */
export function dashboardAsset(name: string): DashboardAsset | null {
  return files().assets.get(name) ?? null;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
