import { timingSafeEqual, createHash } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { isLoopbackHost, stripBrackets } from '../config/http-exposure.js';

/*
 * Who may talk to the status server. It shows balances and positions and, with the control
 * API, places and cancels orders, so a browser page on another site must not reach it through
 * DNS rebinding, and a token guards it beyond loopback (see config/http-exposure.ts).
 */

/**
 * The Host header values a request may carry: loopback names, the bound address when it is a
 * concrete one, and the names the operator configured (`http.allowed_hosts`). Anything else is a
 * page on another site that re-pointed its DNS name at us.
 */
export class HostAllowList {
  readonly #names: Set<string>;

  constructor(bindHost: string, configured: readonly string[] = []) {
    this.#names = new Set(configured.map((n) => stripBrackets(n.trim().toLowerCase())));
    const bound = stripBrackets(bindHost.trim().toLowerCase());
    if (bound !== '0.0.0.0' && bound !== '::' && bound !== '') this.#names.add(bound);
    // Bound to every interface: a request by one of the machine's own addresses names this
    // server (DNS rebinding needs a name, which stays refused unless configured).
    else for (const a of Object.values(networkInterfaces()).flat()) if (a) this.#names.add(a.address.toLowerCase());
  }

  /** Whether a request's Host header (with or without a port) names this server. */
  allows(hostHeader: string | undefined): boolean {
    if (hostHeader === undefined || hostHeader === '') return false;
    const name = hostName(hostHeader.trim().toLowerCase());
    if (name === null) return false;
    return isLoopbackHost(name) || this.#names.has(name);
  }
}

/** The host part of a Host header: `[::1]:8080` → `::1`, `example.org:80` → `example.org`. */
function hostName(header: string): string | null {
  if (header.startsWith('[')) {
    const end = header.indexOf(']');
    return end < 0 ? null : header.slice(1, end);
  }
  const colon = header.lastIndexOf(':');
  // More than one colon without brackets is not a valid Host header.
  if (colon >= 0 && header.indexOf(':') !== colon) return null;
  return colon < 0 ? header : header.slice(0, colon);
}


/** How a request authenticated, if it did. */
export type Credential = 'bearer' | 'basic' | null;

/**
 * Checks an Authorization header against the token without leaking its length or contents
 * through timing. `Bearer <token>` is what scripts and the dashboard's buttons send; `Basic`
 * with the token as password lets a browser open the dashboard itself (browsers never add a
 * Bearer header to a page load), and is never accepted for control routes because browsers
 * resend it on their own, cross-site forms included.
 */
export function credentialOf(authorization: string | undefined, token: string): Credential {
  if (!authorization) return null;
  const space = authorization.indexOf(' ');
  if (space < 0) return null;
  const scheme = authorization.slice(0, space).toLowerCase();
  const value = authorization.slice(space + 1).trim();
  if (scheme === 'bearer') return sameSecret(value, token) ? 'bearer' : null;
  if (scheme === 'basic') {
    let decoded: string;
    try {
      decoded = Buffer.from(value, 'base64').toString('utf8');
    } catch {
      return null;
    }
    const colon = decoded.indexOf(':');
    return colon >= 0 && sameSecret(decoded.slice(colon + 1), token) ? 'basic' : null;
  }
  return null;
}

function sameSecret(given: string, token: string): boolean {
  // Hashing first gives equal lengths, which timingSafeEqual needs, and hides the token's length.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}
