import type { MissoConfig } from './types.js';

/**
 * Every secret the config holds, resolved from the environment: the exchange's API key, secret,
 * password and other credentials (a wallet address too, though it is public), the Telegram bot token, and the status server's token when the config has one.
 * The redactor scrubs each of them, by value, from everything misso writes.
 */
export function configSecrets(config: MissoConfig): string[] {
  const http = config.http as { token?: unknown };
  const candidates: unknown[] = [
    config.exchange.apiKey,
    config.exchange.secret,
    config.exchange.password,
    ...Object.values(config.exchange.credentials ?? {}),
    config.notify.telegram?.token,
    http.token,
  ];
  return candidates.filter((value): value is string => typeof value === 'string' && value !== '');
}
