import type { Clock } from '../core/clock.js';
import { coerceError, StartupError } from '../core/errors.js';
import { listenFault } from '../core/listen-fault.js';
import type { Logger } from '../core/logger.js';
import type { SourcePos } from '../config/types.js';
import type { StatusServer } from '../http/status-server.js';
import type { StatusSource } from '../http/types.js';

/** What the status server is started with: the config's `http:` section, its port maybe overridden. */
export interface ServedHttp {
  port: number | null;
  host: string;
  token?: string | null;
  allowedHosts?: readonly string[];
  /** The config's own `http.port` (an override may have replaced `port`), and where it and `host` are written. */
  configPort?: number | null;
  portPos?: SourcePos;
  hostPos?: SourcePos;
}

/** The status server an updater runs for its config's `http:` section. */
export type RunningStatusServer = StatusServer;

/**
 * Starts the status server when a port is configured (the library and the CLI alike), or
 * returns null. The HTTP stack is loaded only then, so an updater without `http:` never pays
 * for it. A port that cannot be bound is a StartupError naming the key to change.
 */
export async function startConfiguredStatusServer(
  source: StatusSource,
  http: ServedHttp,
  deps: { logger: Logger; clock: Clock },
): Promise<RunningStatusServer | null> {
  if (http.port === null) return null;
  const { startStatusServer } = await import('../http/status-server.js');
  try {
    return await startStatusServer({
      source,
      host: http.host,
      port: http.port,
      // A port from --http-port (the httpPort option) is not the config's to change.
      ...(http.configPort !== undefined && http.port !== http.configPort ? { portName: '--http-port (the httpPort option in the library)' } : {}),
      token: http.token ?? null,
      allowedHosts: http.allowedHosts ?? [],
      logger: deps.logger,
      clock: deps.clock,
    });
  } catch (err: unknown) {
    // A port that cannot be bound (in use, not permitted) is the user's to fix, not a crash;
    // the server's message says which port and what to do.
    const e = coerceError(err);
    const code = (e.cause as { code?: unknown } | undefined)?.code;
    if (typeof code !== 'string') throw e;
    const { inputMistake } = listenFault(code, { host: 'http.host', port: 'http.port' });
    throw new StartupError(`${keyLine(code, http)}${e.message}`, { cause: e, exitCode: inputMistake ? 2 : 1 });
  }
}

/**
 * `file:line:col: http.port: ` for the config line at fault (a port in use or not permitted:
 * `http.port`; an address not of this machine: `http.host`), when the config wrote it. A port
 * from `--http-port` / the `httpPort` option is not the config's: its line is not named.
 */
function keyLine(code: string, http: ServedHttp): string {
  const hostFault = code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
  const pos = hostFault ? http.hostPos : http.configPort === http.port ? http.portPos : undefined;
  return pos ? `${pos.file}:${pos.line}:${pos.col}: ${hostFault ? 'http.host' : 'http.port'}: ` : '';
}
