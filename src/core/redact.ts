/** What a scrubbed secret is replaced with. */
export const REDACTED = '[redacted]';

/**
 * Secrets shorter than this are not scrubbed by value: replacing every "abc" in every log line
 * would shred the output and protect nothing (no real credential is that short).
 */
const MIN_SECRET_LENGTH = 4;

// A query string that carries a request signature (Binance and most venues sign the query):
// the whole query goes, since its other fields (timestamp, recvWindow) would help replay it.
const SIGNED_QUERY = /\?[^\s"'\\#<>]*\bsignature=[^\s"'\\#<>]*/gi;
// A signature outside a URL (a signed form body, a header dump).
const SIGNATURE_FIELD = /\b(signature|sign)=[^\s"'\\&<>]+/gi;

/**
 * Scrubs configured secrets from text by value, wherever they appear: as written, URL-encoded
 * (a token inside a request URL) and JSON-escaped (inside a serialised log line). Signed query
 * strings and `signature=` fields go too. One instance is built from the config's secrets and
 * applied at every output boundary: the logger, the notifier's sinks, the status views,
 * `--state-out` and error messages printed by the CLI.
 */
export class Redactor {
  readonly #needles: string[];

  constructor(secrets: Iterable<string | null | undefined>) {
    const needles = new Set<string>();
    for (const secret of secrets) {
      if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) continue;
      needles.add(secret);
      needles.add(encodeURIComponent(secret));
      needles.add(JSON.stringify(secret).slice(1, -1));
    }
    // Longest first, so a secret that contains another is replaced whole.
    this.#needles = [...needles].sort((a, b) => b.length - a.length);
  }

  /** A redactor with no secrets: it still removes signed query strings. */
  static none(): Redactor {
    return new Redactor([]);
  }

  /** `text` with every secret and request signature replaced by `[redacted]`. */
  text(text: string): string {
    let out = text;
    for (const needle of this.#needles) if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    if (out.includes('signature=') || out.includes('sign=')) {
      out = out.replace(SIGNED_QUERY, `?${REDACTED}`).replace(SIGNATURE_FIELD, `$1=${REDACTED}`);
    }
    return out;
  }

  /**
   * A copy of plain data (what `JSON.stringify` would write) with every string scrubbed, keys
   * included. Values with `toJSON` (orders, dates) are converted first.
   */
  value<T>(value: T): T {
    return this.#copy(value, new WeakSet()) as T;
  }

  /** The same error, its message and stack scrubbed in place (so its class still steers the CLI). */
  error<E extends Error>(error: E): E {
    try {
      const message = this.text(error.message);
      if (message !== error.message) error.message = message;
      if (typeof error.stack === 'string') error.stack = this.text(error.stack);
    } catch {
      // A frozen or exotic error keeps its text; the logger's own pass still scrubs it.
    }
    return error;
  }

  #copy(value: unknown, seen: WeakSet<object>): unknown {
    if (typeof value === 'string') return this.text(value);
    if (typeof value !== 'object' || value === null) return value;
    const json = (value as { toJSON?: unknown }).toJSON;
    if (typeof json === 'function') return this.#copy((json as () => unknown).call(value), seen);
    if (seen.has(value)) return '[circular]';
    seen.add(value);
    try {
      if (Array.isArray(value)) return value.map((item) => this.#copy(item, seen));
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[this.text(key)] = this.#copy(item, seen);
      return out;
    } finally {
      seen.delete(value);
    }
  }
}
