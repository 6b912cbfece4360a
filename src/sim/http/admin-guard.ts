import type { IncomingMessage } from 'node:http';

/** What `misso sim-server` says when it listens beyond loopback. */
export const NON_LOOPBACK_WARNING =
  'listening beyond loopback: anyone who can reach this address can trade on the simulated account and switch faults (the admin routes have no auth)';

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Why an admin request is refused, or null. A browser page on another origin may send a "simple"
 * cross-origin POST (text/plain, no preflight): its `Origin` (or `Sec-Fetch-Site`) gives it away,
 * and requiring a JSON content type closes the gap for clients that send neither.
 */
export function adminRefusal(req: IncomingMessage, method: string, url: URL): { status: number; error: string } | null {
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
