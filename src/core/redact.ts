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
// Credentials in a URL (`http://user:password@proxy`): written in `urls:` they are no configured
// secret, yet every connection error would quote them.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'\\<>]+@/gi;

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
      const json = JSON.stringify(secret).slice(1, -1);
      const encoded = encodeURIComponent(secret);
      needles.add(secret);
      needles.add(encoded);
      needles.add(encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()));
      // A form body or URLSearchParams: space as `+`, and `!'()~` escaped too.
      needles.add(new URLSearchParams({ s: secret }).toString().slice(2));
      needles.add(json);
      // A JSON text quoted inside another (an exchange's error body inside a log line).
      needles.add(JSON.stringify(json).slice(1, -1));
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
    if (out.includes('…') || out.includes('...')) out = this.#truncated(out);
    if (out.includes('@')) out = out.replace(URL_USERINFO, `$1${REDACTED}@`);
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

  /**
   * Text cut to a length ends in an ellipsis, and the cut may fall inside a secret: the part of
   * it before the ellipsis is scrubbed too (from {@link MIN_SECRET_LENGTH} characters on).
   */
  #truncated(text: string): string {
    let out = '';
    let from = 0;
    for (const match of text.matchAll(/…|\.\.\./g)) {
      const at = match.index;
      let cut = 0;
      for (const needle of this.#needles) {
        for (let k = Math.min(needle.length - 1, at - from); k >= MIN_SECRET_LENGTH && k > cut; k--) {
          if (text.startsWith(needle.slice(0, k), at - k)) {
            cut = k;
            break;
          }
        }
      }
      out += text.slice(from, at - cut) + (cut > 0 ? REDACTED : '');
      from = at;
    }
    return out + text.slice(from);
  }

  #copy(value: unknown, seen: WeakSet<object>): unknown {
    if (typeof value === 'string') return this.text(value);
    // JSON.stringify cannot write a BigInt, and a helper's result may hold one.
    if (typeof value === 'bigint') return String(value);
    if (typeof value !== 'object' || value === null) return value;
    // A helper's result may be hostile (a getter or a Proxy trap that throws): what cannot be
    // read is written as such, and the rest of the snapshot is kept.
    try {
      const json = (value as { toJSON?: unknown }).toJSON;
      if (typeof json === 'function') return this.#copy((json as () => unknown).call(value), seen);
      if (seen.has(value)) return '[circular]';
      seen.add(value);
      try {
        if (Array.isArray(value)) return value.map((item) => this.#copy(item, seen));
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(value)) out[this.text(key)] = this.#copy(readProperty(value, key), seen);
        return out;
      } finally {
        seen.delete(value);
      }
    } catch {
      return UNREADABLE;
    }
  }
}

const UNREADABLE = '[unreadable]';

function readProperty(value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return UNREADABLE;
  }
}
