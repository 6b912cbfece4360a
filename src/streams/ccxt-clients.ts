import type { Exchange } from 'ccxt';
import { NetworkError } from '../exchange/ccxt-lib.js';

/** The parts of a ccxt websocket client this module touches. */
interface WsClientLike {
  url: string;
  subscriptions?: Record<string, unknown>;
  error?: unknown;
  connection?: { terminate?: () => void; close?: () => void };
  reset?: (error: unknown) => void;
  isOpen?: () => boolean;
}

function clientsOf(exchange: Exchange): Record<string, WsClientLike> {
  const clients = (exchange as unknown as { clients?: Record<string, WsClientLike> }).clients;
  return clients ?? {};
}

/** Every websocket client of `exchange` for which `owns(url, subscriptionKeys)` holds. */
export function findClients(exchange: Exchange, owns: (url: string, subscriptions: readonly string[]) => boolean): WsClientLike[] {
  return Object.values(clientsOf(exchange)).filter((c) => owns(c.url, Object.keys(c.subscriptions ?? {})));
}

/** Whether some client that `owns` matches is connected. */
export function hasOpenClient(exchange: Exchange, owns: (url: string, subscriptions: readonly string[]) => boolean): boolean {
  return findClients(exchange, owns).some((c) => {
    try {
      return c.isOpen?.() === true;
    } catch {
      // A client that never dialled has no connection to ask.
      return false;
    }
  });
}

/**
 * Drops the matching clients the hard way: forgotten by the exchange (so the next watch call
 * dials afresh), pending watches rejected with a NetworkError, and the socket terminated, not
 * closed politely (a stalled server may never answer the close handshake).
 */
export function dropClients(
  exchange: Exchange,
  owns: (url: string, subscriptions: readonly string[]) => boolean,
  reason: string,
): number {
  const all = clientsOf(exchange);
  const matching = findClients(exchange, owns);
  for (const client of matching) {
    delete all[client.url];
    const error = new NetworkError(reason);
    client.error = error;
    client.reset?.(error);
    try {
      if (client.connection?.terminate) client.connection.terminate();
      else client.connection?.close?.();
    } catch {
      // Already closed: nothing to drop.
    }
  }
  return matching.length;
}

/**
 * Switches ccxt's own reconnection backoff off for `exchange`: the stream loops own
 * reconnection and its backoff. ccxt's per-URL backoff (1 s doubling to 60 s, reset only after
 * 30 s of calm) would stack on top, and a watchdog would take its silent waits for stalls.
 */
export function calmReconnects(exchange: Exchange): void {
  const options = exchange.options as Record<string, unknown>;
  const ws = (options['ws'] ?? {}) as Record<string, unknown>;
  options['ws'] = { ...ws, backoff: { base: 0, factor: 1, max: 0 } };
}

/**
 * Stops ccxt.pro from taking its own REST snapshot when the positions or balance stream opens
 * (Binance's `watchPositions` does by default): its watch call waits for that one request, and
 * when it fails nothing ever asks again, so the stream hangs on an open socket with no error
 * while pushes land unseen. misso's gap fill reads both by REST at every (re)connection anyway.
 */
export function ownSnapshots(exchange: Exchange): void {
  const options = exchange.options as Record<string, unknown>;
  for (const [method, key] of [['watchPositions', 'fetchPositionsSnapshot'], ['watchBalance', 'fetchBalanceSnapshot']] as const) {
    options[method] = { ...((options[method] ?? {}) as Record<string, unknown>), [key]: false };
  }
}
