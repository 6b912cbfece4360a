import { isIP } from 'node:net';

/** True for names and addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = stripBrackets(host.trim().toLowerCase());
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h.startsWith('::ffff:127.');
  return false;
}

/** The shortest token accepted for a status server reachable beyond this machine, whitespace not counted. */
export const MIN_EXPOSED_TOKEN_LENGTH = 16;

/**
 * Why `token` can guard no status server, whatever its bind, or null. A token that starts or ends
 * with whitespace (a stray newline from the file it was read from) never matches: a client's
 * `Authorization: Bearer` value is trimmed. The token itself is never echoed.
 */
export function tokenProblem(token: string): string | null {
  if (token === token.trim()) return null;
  const next = 'give the variable `http.token` names a long random value without spaces or newlines, e.g. `export MISSO_HTTP_TOKEN="$(openssl rand -hex 24)"`';
  if (token.trim() === '') return `the token is only whitespace; ${next}`;
  return `the token starts or ends with whitespace, so no \`Authorization: Bearer\` header can match it (its value is trimmed); ${next}`;
}

/**
 * Why binding `host` without a token (or with a short one) is refused, or null when it is fine. A wildcard or any
 * non-loopback interface without a token would hand the account to whoever can reach the port.
 */
export function exposureProblem(host: string, token: string | null): string | null {
  if (isLoopbackHost(host)) return null;
  if (token !== null && token !== '') {
    // Guessable by trying: a token guarding order control from the network is a long random one,
    // and whitespace in it adds nothing to guess (20 spaces are one guess).
    const counted = token.replace(/\s/g, '').length;
    if (counted >= MIN_EXPOSED_TOKEN_LENGTH) return null;
    const has = counted === token.length ? String(counted) : `${counted} besides whitespace, which does not count`;
    return (
      `binding the status server to ${host} needs a token of at least ${MIN_EXPOSED_TOKEN_LENGTH} characters (this one has ${has}); ` +
      'make a random one, e.g. `openssl rand -hex 24`'
    );
  }
  return (
    `binding the status server to ${host} exposes balances, positions and order control beyond this machine, ` +
    'so it needs a token: set `http.token: ${MISSO_HTTP_TOKEN}` (and export MISSO_HTTP_TOKEN), or bind 127.0.0.1'
  );
}

/** `[::1]` → `::1`; anything else unchanged. */
export function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
