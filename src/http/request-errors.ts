import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const JSON_TYPE = 'application/json; charset=utf-8';

/** The longest path parameter the router takes (Fastify's default): longer ones get a 414. */
export const MAX_PARAM_LENGTH = 100;

/** How much of a request's path an error answer quotes: enough to recognise it, never a flood. */
const QUOTED_PATH = 80;

/** Keys a JSON body may not have: they would reach object prototypes when the body is merged or copied. */
const FORBIDDEN_KEYS = new Set(['__proto__']);

/** A request the client got wrong, answered as `{error, field}` by the app's error handler. */
export class RequestFault extends Error {
  override name = 'RequestFault';
  constructor(
    message: string,
    readonly statusCode: number,
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

/**
 * The status server's JSON body parser, in place of Fastify's: the same refusals (an invalid
 * body, a `__proto__` key, a `constructor.prototype`), each saying which it is. Fastify's parser
 * calls all of them "Body is not valid JSON", which is wrong for valid JSON with a forbidden key.
 * An empty body is no body (undefined), not a refusal: many HTTP clients send
 * `content-type: application/json` on every request, a DELETE's too. A route that takes none
 * goes on; one that needs a body says so (its schema: "the body is missing: … takes …").
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim().length === 0) return undefined;
  let forbidden: string | null = null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, function (this: unknown, key: string, value: unknown) {
      if (FORBIDDEN_KEYS.has(key) || (key === 'constructor' && isObject(value) && Object.hasOwn(value, 'prototype'))) {
        forbidden ??= key === 'constructor' ? 'constructor.prototype' : key;
      }
      return value;
    });
  } catch (error: unknown) {
    const detail = error instanceof SyntaxError ? `: ${error.message}` : '';
    throw new RequestFault(`the body is not valid JSON${detail.length > 160 ? `${detail.slice(0, 160)}…` : detail}`, 400, 'body');
  }
  if (forbidden !== null) throw new RequestFault(`the body's key ${forbidden} is not allowed (it could reach object prototypes); remove it`, 400, 'body');
  return parsed;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/** Registers {@link parseJsonBody} for `application/json` bodies. */
export function useJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error: unknown) {
      done(error as Error, undefined);
    }
  });
}

/** A path as an error answer quotes it: without its query, and cut short. */
export function quotedPath(url: string): string {
  const path = url.split('?')[0] ?? '';
  return path.length > QUOTED_PATH ? `${path.slice(0, QUOTED_PATH)}… (${path.length} characters)` : path;
}

/** The path of a symbol's route, `/api/candles/`: a unified symbol's `/` must be encoded in it. */
const SYMBOL_ROUTE = '/api/candles/';

/**
 * Answers a request no route matches in the project's `{error}` shape, with where to look. A
 * symbol written into a path as it is (`/api/candles/BTC/USD:USD`) makes more path segments than
 * the route has: the answer says to URL-encode it, and how it reads encoded.
 */
export function notFound(request: FastifyRequest, reply: FastifyReply, allowed: readonly string[] = []): FastifyReply {
  // The path is a route, the method is not one of its: 405 with the methods it takes.
  if (allowed.length > 0) {
    return reply
      .code(405)
      .header('allow', allowed.join(', '))
      .type(JSON_TYPE)
      .send(JSON.stringify({ error: `${quotedPath(request.url)} takes ${allowed.join(', ')}, not ${request.method}; send it as ${allowed.find((m) => m !== 'HEAD') ?? allowed[0]}`, field: null }));
  }
  const path = request.url.split('?')[0] ?? '';
  const symbol = path.startsWith(SYMBOL_ROUTE) ? path.slice(SYMBOL_ROUTE.length) : '';
  const where = symbol.includes('/')
    ? `a symbol in the path must be URL-encoded (its / as %2F)${encodedSymbol(request.method, symbol)}`
    : request.url.startsWith('/api/')
      ? 'the API routes are listed at /api/openapi.json'
      : 'the routes are / (the dashboard), /status, /events, /metrics, /healthz, /readyz and /api (listed at /api/openapi.json)';
  return reply
    .code(404)
    .type(JSON_TYPE)
    .send(JSON.stringify({ error: `no route ${request.method} ${quotedPath(request.url)}; ${where}`, field: null }));
}

/**
 * Fastify's own refusals of a body, in words with the next step: its defaults ("Unsupported Media
 * Type", "Request body is too large") say neither what to send nor the limit. Null for others.
 */
export function frameworkRefusal(error: unknown, request: FastifyRequest): string | null {
  const code = (error as { code?: unknown }).code;
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    const sent = request.headers['content-type'];
    return `the body must be JSON: send it with Content-Type: application/json${sent === undefined ? ' (none was sent)' : ` (not ${JSON.stringify(sent.slice(0, 60))})`}`;
  }
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return `the body is over ${request.routeOptions.bodyLimit ?? request.server.initialConfig.bodyLimit ?? 1_048_576} bytes, the most a request to this server may carry; send less`;
  }
  return null;
}

/** `: GET /api/candles/BTC%2FUSD%3AUSD` for the symbol as it came, when it is short and decodes; else nothing. */
function encodedSymbol(method: string, raw: string): string {
  if (raw.length > MAX_PARAM_LENGTH) return '';
  try {
    return `: ${method} ${SYMBOL_ROUTE}${encodeURIComponent(decodeURIComponent(raw))}`;
  } catch {
    return '';
  }
}

/**
 * Fastify's own refusals before routing (its `frameworkErrors`): a malformed percent-encoding, a
 * path parameter past the length limit. Fastify answers them in its shape and quotes the whole
 * path (10 KB of it, if that is what came); these answers use the project's `{error}` shape and
 * say what is wrong without echoing the input.
 */
export function frameworkError(error: Error & { code?: string }, _request: FastifyRequest, reply: FastifyReply): void {
  const [status, message] =
    error.code === 'FST_ERR_BAD_URL'
      ? [400, 'the path has a malformed percent-encoding (a % not followed by two hex digits of valid UTF-8)']
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? [414, `a path parameter is too long (more than ${MAX_PARAM_LENGTH} characters); no order id or symbol is that long`]
        : [500, 'the request could not be routed'];
  void reply
    .code(status)
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .type(JSON_TYPE)
    .send(JSON.stringify({ error: message, field: null }));
}
