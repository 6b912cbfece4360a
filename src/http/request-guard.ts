import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from '../core/logger.js';
import { credentialOf, type Credential, type HostAllowList } from './exposure.js';

/** Options for {@link guardRequests}. */
export interface RequestGuardOptions {
  /** `http.token`; null leaves read routes open (only sensible on loopback). */
  token: string | null;
  hosts: HostAllowList;
  logger: Logger;
}

/** Routes anyone who reaches the port may call: a liveness probe tells nothing about the account. */
const OPEN_ROUTES = new Set(['/healthz']);

declare module 'fastify' {
  interface FastifyRequest {
    /** How the request proved it knows `http.token` (null: it did not, or no token is set). */
    missoCredential: Credential;
  }
}

/**
 * Refuses, before any route runs, requests that name a host other than this server (DNS
 * rebinding: a page on another site whose name now resolves to 127.0.0.1) and, when a token is
 * configured, requests that do not carry it. No CORS headers are ever sent, so other sites'
 * scripts cannot read any answer.
 */
export function guardRequests(app: FastifyInstance, options: RequestGuardOptions): void {
  const { token, hosts, logger } = options;
  let refusedHosts = 0;
  app.decorateRequest('missoCredential', null);
  app.addHook('onRequest', async (request, reply) => {
    if (!hosts.allows(request.headers.host)) {
      // One line per 100 refusals: a rebinding page retries fast, and the log must not flood.
      if (refusedHosts++ % 100 === 0) logger.warn({ host: request.headers.host ?? null, refused: refusedHosts }, 'status request refused: unknown Host header');
      return refuse(reply, 403, 'this server answers only to its own host names; add the name to http.allowed_hosts if it is yours');
    }
    if (token === null) return undefined;
    request.missoCredential = credentialOf(request.headers.authorization, token);
    if (request.missoCredential !== null || OPEN_ROUTES.has(request.url.split('?')[0] ?? '')) return undefined;
    // Basic lets a browser open the dashboard: it prompts once and resends on every same-origin request.
    reply.header('www-authenticate', 'Basic realm="misso", charset="UTF-8"');
    return refuse(reply, 401, 'send Authorization: Bearer <http.token>');
  });
}

function refuse(reply: FastifyReply, code: number, error: string): FastifyReply {
  return reply.code(code).type('application/json; charset=utf-8').send(JSON.stringify({ error }));
}
