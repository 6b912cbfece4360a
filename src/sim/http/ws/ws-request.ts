import type { RawData } from 'ws';

/** One request a websocket client sent (`SUBSCRIBE`, `UNSUBSCRIBE`, …), its fields as far as they are usable. */
export interface WsRequest {
  method: unknown;
  /** The string entries of `params` (anything else in it is dropped). */
  params: string[];
  /** The request's `id`, echoed in the answer; `null` when it has none. */
  id: unknown;
}

/** Reads one client frame as a request; `undefined` when it is not JSON at all. */
export function parseWsRequest(data: RawData): WsRequest | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawText(data));
  } catch {
    return undefined;
  }
  // `null`, a number or a string is valid JSON but no request (it has no fields to read).
  const message: { method?: unknown; params?: unknown; id?: unknown } = typeof parsed === 'object' && parsed !== null ? parsed : {};
  const params = Array.isArray(message.params) ? message.params.filter((p): p is string => typeof p === 'string') : [];
  return { method: message.method, params, id: message.id ?? null };
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
