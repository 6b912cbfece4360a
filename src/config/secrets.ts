import { SECRET_EXTRA_CREDENTIALS } from './schema.js';
import type { MissoConfig } from './types.js';

/**
 * Every secret the config holds, resolved from the environment: the exchange's API key, secret,
 * password and its other secret credentials (a private key, a token), the Telegram bot token, and the status server's token when the config has one.
 * The redactor scrubs each of them, by value, from everything misso writes.
 */
export function configSecrets(config: MissoConfig): string[] {
  const http = config.http as { token?: unknown };
  const candidates: unknown[] = [
    config.exchange.apiKey,
    config.exchange.secret,
    config.exchange.password,
    // Only the secret ones: a public `uid: 1001` scrubbed by value would blank every 1001 in a price.
    ...SECRET_EXTRA_CREDENTIALS.map((k) => config.exchange.credentials?.[k]),
    config.notify.telegram?.token,
    http.token,
  ];
  return candidates.filter((value): value is string => typeof value === 'string' && value !== '');
}
