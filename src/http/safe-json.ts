/**
 * Error messages that reach the status API come from ccxt and HTTP clients, and some of those
 * echo request URLs. The engine never puts credentials in a snapshot on purpose; this is the
 * last line of defence for the ones that slip in through such messages.
 */
const SECRET_PATTERNS: readonly [RegExp, string][] = [
  // Query parameters of signed requests (Binance `signature=`, generic `apiKey=`, `secret=`, …).
  [/\b(signature|apikey|api_key|secret|password|passphrase|token|access_token)=([^&\s"\\]+)/gi, '$1=[redacted]'],
  // Telegram bot tokens inside API URLs: /bot123456:AA.../sendMessage
  [/\bbot\d{5,}:[A-Za-z0-9_-]{20,}/g, 'bot[redacted]'],
  // An API key header echoed in a message. A `<placeholder>` is no value.
  [/\b(X-MBX-APIKEY)(\\?["']?\s*[:=]\s*\\?["']?)(?!<[\w.-]+>(?:["'\s,}\\]|$))([^"'\s,}\\]+)/gi, '$1$2[redacted]'],
];

// An Authorization header echoed in a message, in any scheme (`Basic dXNl…`, `Bearer …`). A
// `<placeholder>` is no value: misso's own hints ("send Authorization: Bearer <http.token>")
// stay readable.
const AUTH_HEADER =
  /\b((?:Proxy-)?Authorization)(\\?["']?\s*[:=]\s*\\?["']?)(?!(?:[A-Za-z][\w.+-]*[ \t]+)?<[\w.-]+>(?:["'\s,}\\]|$))(?:([A-Za-z][\w.+-]*)([ \t]+))?([^"'\s,}\\]+)/gi;
// Schemes kept visible (IANA's registry and common API ones): they tell how the request was
// authenticated and are no secret. A first word not among them may be the credential itself.
const AUTH_SCHEMES = new Set(['basic', 'bearer', 'digest', 'dpop', 'gnap', 'hoba', 'mutual', 'negotiate', 'ntlm', 'oauth', 'privatetoken', 'token', 'apikey', 'vapid', 'aws4-hmac-sha256']);

function redactAuthHeader(_match: string, name: string, sep: string, scheme: string | undefined, space: string | undefined): string {
  return scheme !== undefined && AUTH_SCHEMES.has(scheme.toLowerCase()) ? `${name}${sep}${scheme}${space ?? ' '}[redacted]` : `${name}${sep}[redacted]`;
}

/** Replaces anything that looks like a credential in `text`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out.replace(AUTH_HEADER, redactAuthHeader);
}

/** `JSON.stringify` followed by {@link redactSecrets}: what every response body goes through. */
export function toSafeJson(value: unknown): string {
  return redactSecrets(JSON.stringify(value) ?? 'null');
}
