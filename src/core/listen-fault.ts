/** How to read a server's failure to listen: whose it is to fix, and how. */
export interface ListenFault {
  /** The address or port given is unusable here: exit 2, as for any input mistake. */
  inputMistake: boolean;
  /** The next step, naming the setting to change. */
  hint: string;
}

/**
 * Reads the `code` of a failed `listen()`. A port in use or below 1024 without privileges, and a
 * host that does not resolve or is not an address of this machine, are the user's to fix; any
 * other failure is not. `keys` name the settings as the user wrote them (`http.port`, `--port`).
 */
export function listenFault(code: unknown, keys: { host: string; port: string }): ListenFault {
  switch (code) {
    case 'EADDRINUSE':
      return { inputMistake: true, hint: `Pick another ${keys.port} (0 picks a free one) or stop the process holding it.` };
    case 'EACCES':
      return { inputMistake: true, hint: `Ports below 1024 need privileges: pick a ${keys.port} above 1023 (0 picks a free one).` };
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    // A name that cannot be resolved now: an address, which needs no lookup, is the fix all the same.
    case 'EAI_AGAIN':
      return { inputMistake: true, hint: `${keys.host} must be an address of this machine (127.0.0.1 for loopback, 0.0.0.0 for every interface).` };
    default:
      return { inputMistake: false, hint: `Check ${keys.host} and ${keys.port}.` };
  }
}
