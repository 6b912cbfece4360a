import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../core/clock.js';
import { BINANCE_ERRORS } from './binance-error.js';
import type { FaultDecision } from './fault-controller.js';
import type { FaultRule } from './fault-spec.js';

/**
 * How the sim server answers (or fails to answer) a request a fault rule picked, and its plain
 * JSON answers. Kept apart from the server's routing so each fault's wire behaviour reads in one place.
 */
/** Answers a request with the fault `decision` chose, before the request reaches the venue. */
export function injectFault(decision: FaultDecision, req: IncomingMessage, res: ServerResponse, clock: Clock): void {
  const rule = decision.rule;
  switch (rule.kind) {
    case '5xx':
      return sendHtml(res, rule.status ?? 503);
    case '429': {
      const e = BINANCE_ERRORS.rateLimited(rule.retryAfterSecs ?? 1);
      return send(res, e.status, e.body(), { ...e.headers });
    }
    case '418': {
      const secs = decision.retryAfterSecs ?? rule.retryAfterSecs ?? 1;
      const e = BINANCE_ERRORS.banned(clock.now() + secs * 1000, secs);
      return send(res, e.status, e.body(), { ...e.headers });
    }
    case 'hang':
      // Never answer: the client's timeout fires; close() destroys the socket if it does not.
      return;
    case 'reset':
      req.socket.destroy();
      return;
    case 'html':
      return sendHtml(res, 200);
    case 'lost':
      return loseAnswer(rule, req, res);
  }
}

/** Throws away the answer of a request already applied (`lost`), as its rule says. */
export function loseAnswer(rule: FaultRule, req: IncomingMessage, res: ServerResponse): void {
  const mode = rule.lostAs ?? 'reset';
  if (mode === 'reset') req.socket.destroy();
  else if (mode === '5xx') sendHtml(res, rule.status ?? 503);
}

function sendHtml(res: ServerResponse, status: number): void {
  const title = status === 200 ? 'Maintenance' : `${status} Service Unavailable`;
  const body = `<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1><p>misso sim-server injected fault</p></body></html>`;
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Sends `value` as JSON. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), {});
}

/** Sends a JSON body with its length and extra headers. */
export function send(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}
