/**
 * Operator text from error messages. ccxt puts the whole response body into the message of an
 * HTTP error (`binance GET https://… 503 Service Unavailable <!DOCTYPE html>…`), and a proxy
 * or CDN answers a 5xx with a full HTML page: kilobytes of markup in a notification, a readiness
 * reason or a stream's `lastError`. {@link withoutHtml} keeps the words around the page and
 * replaces the page with its title (or its first text), bounded.
 */
import { coerceError } from './errors.js';

/** Where an HTML document starts inside a message. */
const PAGE_START = /<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]/i;
/** Where it ends: the text after it (a notice's own words) is kept. */
const PAGE_END = /<\/html\s*>/i;
/** How much of a page is looked at (a title is near its start): bounded work on any input. */
const PAGE_SCAN = 16_000;
/** The longest gist of a page kept. */
export const PAGE_GIST_CHARS = 120;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

/**
 * `text` with every HTML page in it replaced by `(HTML page: <title or first text>)`, the gist
 * at most {@link PAGE_GIST_CHARS} characters; text without a page is returned as it is.
 */
export function withoutHtml(text: string): string {
  let out = text;
  // A message may carry more than one page (a notice quoting two failures); each pass removes one.
  for (let pages = 0; pages < 5; pages++) {
    const start = PAGE_START.exec(out);
    if (!start) return out;
    const rest = out.slice(start.index);
    const end = PAGE_END.exec(rest);
    // No closing tag (a page cut short): the rest of the message is the page.
    const pageLength = end === null ? rest.length : end.index + end[0].length;
    const before = out.slice(0, start.index).trimEnd();
    const after = rest.slice(pageLength).trimStart();
    const gist = pageGist(rest.slice(0, Math.min(pageLength, PAGE_SCAN)));
    const summary = gist === '' ? '(an HTML page)' : `(HTML page: ${gist})`;
    // Closing punctuation after the page (the `)` of `unreachable at start (…)`) follows its
    // summary directly: `(HTML page: 503 Service Unavailable)); retrying`, no stray space.
    const joined = [before, summary].filter((part) => part !== '').join(' ');
    out = after === '' ? joined : `${joined}${/^[)\],.;:!?]/.test(after) ? '' : ' '}${after}`;
  }
  return out;
}

function pageGist(page: string): string {
  const title = /<title[^>]*>([^<]*)</i.exec(page)?.[1] ?? '';
  let gist = plain(title);
  if (gist === '') {
    const body = page
      .replace(/<(script|style)\b[^>]*>[^]*?<\/\1\s*>/gi, ' ')
      .replace(/<!--[^]*?-->/g, ' ')
      .replace(/<[^>]*>?/g, ' ');
    gist = plain(body);
  }
  return gist.length > PAGE_GIST_CHARS ? `${gist.slice(0, PAGE_GIST_CHARS - 1)}…` : gist;
}

function plain(text: string): string {
  return text
    .replace(/&(#39|[a-z]+);/gi, (entity: string, name: string) => ENTITIES[name.toLowerCase()] ?? entity)
    .replace(/\s+/g, ' ')
    .trim();
}

/** What was thrown, as operator text: its message (see `coerceError`) with any HTML page replaced by its gist ({@link withoutHtml}). */
export function errorText(error: unknown): string {
  return withoutHtml(coerceError(error).message);
}
