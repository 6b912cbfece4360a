import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The page lives in a real .html file so it can be read and edited as HTML; it is loaded once.
 * It has no external assets at all (the machines it runs on may have no internet).
 */
const TEMPLATE = readFileSync(new URL('./dashboard.html', import.meta.url), 'utf8');

function inlineHashes(tag: 'script' | 'style'): string {
  const pattern = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g');
  const hashes = [...TEMPLATE.matchAll(pattern)].map(
    (m) => `'sha256-${createHash('sha256').update(m[1] ?? '').digest('base64')}'`,
  );
  if (hashes.length === 0) throw new Error(`dashboard.html has no inline <${tag}>; the CSP would block nothing useful`);
  return hashes.join(' ');
}

/**
 * Content-Security-Policy for the dashboard: only its own inline script and style (pinned by
 * hash) and connections back to this server. Anything else the page might be tricked into
 * loading is refused by the browser.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${inlineHashes('script')}`,
  `style-src ${inlineHashes('style')}`,
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
 * The live dashboard: one self-contained HTML page that reads `events` (relative, so it also
 * works behind a path prefix) and renders tasks, attributes, prices, capital, orders, budget,
 * the exchange session and a log of recent events.
 */
export function renderDashboard(options: DashboardOptions = {}): string {
  const title = escapeHtml(options.title ?? 'misso');
  return TEMPLATE.replaceAll('{{TITLE}}', title);
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
