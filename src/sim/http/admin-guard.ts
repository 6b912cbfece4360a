import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** What `misso sim-server` says when it listens beyond loopback. */
export const NON_LOOPBACK_WARNING =
  'listening beyond loopback: anyone who can reach this address can trade on the simulated account and switch faults (the admin routes have no auth)';


/**
 * Why an admin request is refused, or null. A browser page on another origin may send a "simple"
 * cross-origin POST (text/plain, no preflight): its `Origin` (or `Sec-Fetch-Site`) gives it away,
 * and requiring a JSON content type closes the gap for clients that send neither.
 */
export function adminRefusal(req: IncomingMessage, method: string, url: URL, bindHost: string): { status: number; error: string } | null {
  if (!isOwnHostHeader(req.headers.host, bindHost)) {
    return { status: 403, error: 'admin requests must name this server by IP address, localhost or its --host' };
  }
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  const ownOrigin = req.headers.host ? `http://${req.headers.host}` : null;
  if ((origin !== undefined && origin !== ownOrigin) || (site !== undefined && site !== 'same-origin' && site !== 'none')) {
    return { status: 403, error: 'cross-origin admin requests are refused' };
  }
  if (method !== 'GET' && method !== 'HEAD') {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      return { status: 415, error: `admin ${method} ${url.pathname} takes a JSON body: send Content-Type: application/json` };
    }
  }
  return null;
}

/**
 * A page whose domain an attacker re-points at 127.0.0.1 (DNS rebinding) is same-origin with the
 * server, so its Origin proves nothing; its Host header still names the attacker's domain. An IP
 * address cannot be re-pointed, so IP literals, `localhost` and the configured host pass.
 */
function isOwnHostHeader(header: string | undefined, bindHost: string): boolean {
  if (header === undefined) return true;
  let hostname: string;
  try {
    hostname = new URL(`http://${header}`).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return false;
  }
  return isIP(hostname) !== 0 || hostname === 'localhost' || hostname === bindHost.trim().toLowerCase();
}
