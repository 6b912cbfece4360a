/**
 * Bounds on a config file, so a hostile or broken file is refused in milliseconds instead of
 * expanding into gigabytes (a YAML "billion laughs" alias bomb is a few hundred bytes).
 */
export const CONFIG_LIMITS = {
  /** A config is a few kilobytes; anything over this is not a config. @defaultValue 1 MiB */
  maxBytes: 1024 * 1024,
  /**
   * Alias expansions allowed in one file, counted each time an alias is copied (aliases inside
   * an aliased node count again). The same figure is the yaml library's own `maxAliasCount`.
   * @defaultValue 100
   */
  maxAliasCount: 100,
  /** Nodes the expanded document may hold, aliases included. @defaultValue 100000 */
  maxNodes: 100_000,
} as const;
