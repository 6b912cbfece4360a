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
  // HTTP auth headers echoed in messages. A `<placeholder>` is no value: misso's own hints
  // ("send Authorization: Bearer <http.token>") stay readable.
  [/\b(X-MBX-APIKEY|Authorization)(\\?["']?\s*[:=]\s*\\?["']?)(?!(?:Bearer\s+)?<[\w.-]+>(?:["'\s,}\\]|$))((?:Bearer\s+)?)([^"'\s,}\\]+)/gi, '$1$2$3[redacted]'],
];

/** Replaces anything that looks like a credential in `text`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** `JSON.stringify` followed by {@link redactSecrets}: what every response body goes through. */
export function toSafeJson(value: unknown): string {
  return redactSecrets(JSON.stringify(value) ?? 'null');
}
