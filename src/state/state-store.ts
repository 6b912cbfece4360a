import { EventEmitter } from 'node:events';
import type { Clock } from '../core/clock.js';
import { emitEach } from '../core/emit-each.js';
import { HIDDEN_ATTRIBUTES } from './builtin-attributes.js';
import { deepFreeze, type DeepReadonly } from './frozen.js';
import { lookupPath } from './path-lookup.js';
import { refuseWrongWatchList } from './watch-list-guard.js';

/** When and from where an attribute got its value, and how old it may get. */
export interface AttributeMeta {
  /** Epoch ms of the last write; null while it still holds its configured initial value. */
  updatedAt: number | null;
  /** Who wrote it: a task name, `config`, `library`, … */
  source: string | null;
  /** Older than this counts as stale; null means it never goes stale. */
  maxAgeMs: number | null;
}

/** Emitted on every write. */
export interface StateChange {
  name: string;
  value: unknown;
  source: string;
  at: number;
}

/** True for a plain object that can be merged key by key (not an array, not a class instance). */
export function isPlainDict(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * The updater's attributes (the seed's `self.<name>`), each with its metadata. Staleness is data:
 * every write records when and from where it came, dict attributes also record each key's time
 * (so "is there a fresh price for BTC" can be answered), and the feeding task's max age decides
 * when a value is stale.
 */
export class StateStore extends EventEmitter<{ change: [StateChange] }> {
  readonly #clock: Clock;
  readonly #values = new Map<string, unknown>();
  readonly #meta = new Map<string, AttributeMeta>();
  readonly #keyTimes = new Map<string, Map<string, number>>();
  readonly #watchedSince = new Map<string, number>();
  /** The seed's names read as another attribute (`is_open_positions` → `positions`), and back. */
  readonly #aliases = new Map<string, string>();
  readonly #aliasesOf = new Map<string, string[]>();
  /**
   * What a `change` listener's error becomes (the updater logs it and notifies once). A write is
   * stored before it is announced, so a listener that throws must neither fail the task or stream
   * delivery that wrote nor keep the listeners after it (the status server's) from hearing it.
   * @internal
   */
  listenerFailed: (event: 'change', error: unknown) => void = (event, error) => {
    process.emitWarning(`a '${event}' listener of the state threw: ${String(error)}`);
  };

  /** Calls each listener on its own (see {@link emitEach}). */
  override emit<K>(event: K | 'change', ...args: K extends 'change' ? [StateChange] : never): boolean {
    const heard = emitEach(this, event as 'change', args, this.listenerFailed);
    const change = args[0] as StateChange | undefined;
    for (const alias of (change && this.#aliasesOf.get(change.name)) ?? []) emitEach(this, 'change', [{ ...change, name: alias }], this.listenerFailed);
    return heard;
  }

  /**
   * Makes `alias` read as `target`, under the seed's name for it (its `t_get_open_positions` wrote
   * `is_open_positions`, misso's writes `positions`): value, metadata, staleness and change events.
   * A write under the alias is a `TypeError` naming the attribute to write. Nothing happens when
   * `alias` is an attribute of its own (a config that declares it).
   */
  alias(alias: string, target: string): void {
    if (this.#values.has(alias) || this.#aliases.has(alias)) return;
    this.#aliases.set(alias, target);
    this.#aliasesOf.set(target, [...(this.#aliasesOf.get(target) ?? []), alias]);
  }

  /** The attribute `name` reads (itself, or an alias's target). */
  #real(name: string): string {
    return this.#aliases.get(name) ?? name;
  }

  #refuseAlias(name: string): void {
    const target = this.#aliases.get(name);
    if (target !== undefined) throw new TypeError(`'${name}' is the seed's name for '${target}', which misso writes: write '${target}' instead`);
  }

  constructor(initial: Readonly<Record<string, unknown>>, clock: Clock) {
    super();
    this.#clock = clock;
    for (const [name, value] of Object.entries(initial)) {
      this.#values.set(name, deepFreeze(structuredClone(value)));
      this.#meta.set(name, { updatedAt: null, source: 'config', maxAgeMs: null });
    }
  }

  /** Attribute names, in definition order. */
  names(): string[] {
    return [...this.#values.keys()];
  }

  has(name: string): boolean {
    return this.#values.has(this.#real(name));
  }

  /**
   * The value of `name`, read-only: what `set` stored is frozen (its plain objects and arrays, all
   * the way down), so a write to it throws a `TypeError` in strict code instead of changing what
   * misso holds (and counts as fresh) behind its back. Write a new value with {@link set}. The
   * engine's live objects (`open_orders`, `closed_trades`, the exchange) are the engine's own.
   */
  get<T = unknown>(name: string): DeepReadonly<T> {
    return this.#values.get(this.#real(name)) as DeepReadonly<T>;
  }

  /** Declares an attribute holding a live object (the exchange, the order queue) without copying it. */
  define(name: string, value: unknown, source = 'engine'): void {
    this.#refuseAlias(name);
    refuseWrongWatchList(name, value, source);
    this.#values.set(name, value);
    this.#meta.set(name, { updatedAt: this.#clock.now(), source, maxAgeMs: this.#meta.get(name)?.maxAgeMs ?? null });
  }

  /**
   * Assigns an attribute (the subtask's `target_attr`). The value is frozen in place (its plain
   * objects and arrays): build a new one for the next write rather than changing this one. A
   * `watch_list` that is no list of symbols (nor a map keyed by them, nor null) is refused with a
   * `WatchListShapeError`, nothing written.
   */
  set(name: string, value: unknown, source: string): void {
    this.#refuseAlias(name);
    refuseLiveObject(name, source);
    refuseWrongWatchList(name, value, source);
    const at = this.#clock.now();
    this.#values.set(name, deepFreeze(value));
    this.#touch(name, source, at);
    if (isPlainDict(value)) {
      const times = new Map<string, number>();
      for (const key of Object.keys(value)) times.set(key, at);
      this.#keyTimes.set(name, times);
    } else {
      this.#keyTimes.delete(name);
    }
    this.emit('change', { name, value, source, at });
  }

  /**
   * Assigns a dict in which only the keys `written` changed (a push of some symbols): they take
   * this write's time, a written key the dict no longer holds included (its removal is news too);
   * the others keep theirs. So a REST answer asked before the push can tell which keys are newer.
   */
  setKeys(name: string, value: Record<string, unknown>, written: readonly string[], source: string): void {
    const before = this.#keyTimes.get(name);
    this.set(name, value, source);
    const times = this.#keyTimes.get(name)!;
    // Every earlier time stays, a removed key's too (until a plain `set`), so a later push on
    // another key does not erase when this one was removed.
    for (const [key, at] of before ?? []) times.set(key, at);
    for (const key of written) times.set(key, this.#clock.now());
  }

  /**
   * Merges a dict into the dict held in `name` (`target_save_update: true`): a new dict of the
   * held keys and the patch's, frozen (the held values are frozen already and are not walked
   * again). A non-dict on either side is an error, not a silent no-op.
   *
   * `keyTimes`: when a key's value was true, if before this write (a streamed price's event
   * time): its key time, so {@link isKeyFresh} reads the value's age, not the write's. Never
   * later than now. The attribute's own time is the write's.
   */
  merge(name: string, patch: unknown, source: string, keyTimes?: Readonly<Record<string, number>>): void {
    this.#refuseAlias(name);
    refuseLiveObject(name, source);
    const current = this.#values.get(name);
    if (current === null || current === undefined) {
      this.set(name, isPlainDict(patch) ? { ...patch } : patch, source);
      if (!isPlainDict(patch)) throw new TypeError(`cannot merge a ${describe(patch)} into '${name}': the result must be a dict`);
      if (keyTimes) this.#stampKeys(name, patch, keyTimes);
      return;
    }
    if (!isPlainDict(current)) {
      throw new TypeError(`cannot merge into '${name}': it holds a ${describe(current)}, not a dict (set target_save_update: false)`);
    }
    if (!isPlainDict(patch)) {
      throw new TypeError(`cannot merge a ${describe(patch)} into '${name}': the result must be a dict`);
    }
    const at = this.#clock.now();
    const merged = mergedFrozen(current, patch);
    this.#values.set(name, merged);
    const times = this.#keyTimes.get(name) ?? new Map<string, number>();
    for (const key of Object.keys(patch)) times.set(key, at);
    this.#keyTimes.set(name, times);
    if (keyTimes) this.#stampKeys(name, patch, keyTimes);
    this.#touch(name, source, at);
    this.emit('change', { name, value: merged, source, at });
  }

  /**
   * Replaces `name`'s value (frozen) without counting it as a write: its time, source and key
   * times stay, and nothing is announced. For the engine's own bookkeeping of a value it keeps
   * (`system_status`), which it once changed in place. @internal
   */
  rewrite(name: string, value: unknown): void {
    this.#values.set(name, deepFreeze(value));
  }

  /** Marks `name` as updated now without replacing it (for objects mutated in place, like open_orders). */
  touch(name: string, source: string): void {
    this.#refuseAlias(name);
    const at = this.#clock.now();
    this.#touch(name, source, at);
    this.emit('change', { name, value: this.#values.get(name), source, at });
  }

  /**
   * Tells listeners that `name` changed in place, without counting the change as a fresh value:
   * its write time and source (what staleness and the status read) stay those of the last write
   * that confirmed it. For the engine's own bookkeeping of a value its feed confirms (an order
   * queued or cancelled before it was sent changes `open_orders`, but only the exchange, through
   * its task or stream, confirms what is open there).
   */
  announce(name: string, source: string): void {
    this.emit('change', { name, value: this.#values.get(name), source, at: this.#clock.now() });
  }

  meta(name: string): AttributeMeta | undefined {
    const m = this.#meta.get(this.#real(name));
    return m ? { ...m } : undefined;
  }

  /**
   * Gives `name` a maximum age. A value never written goes stale `maxAgeMs` after this call: its
   * feeding task gets one full period of grace to produce it.
   */
  setMaxAge(name: string, maxAgeMs: number | null): void {
    const m = this.#meta.get(name) ?? { updatedAt: null, source: null, maxAgeMs: null };
    this.#meta.set(name, { ...m, maxAgeMs });
    this.#watchedSince.set(name, this.#clock.now());
  }

  /** Milliseconds since the last write, or null if never written. */
  ageMs(name: string): number | null {
    const at = this.#meta.get(this.#real(name))?.updatedAt;
    return at === null || at === undefined ? null : this.#clock.now() - at;
  }

  /** Stale: it has a max age and was last written (or, never written, first watched) longer ago than that. */
  isStale(name: string): boolean {
    name = this.#real(name);
    const m = this.#meta.get(name);
    if (!m || m.maxAgeMs === null) return false;
    const since = m.updatedAt ?? this.#watchedSince.get(name) ?? 0;
    return this.#clock.now() - since > m.maxAgeMs;
  }

  /** When `key` of dict attribute `name` was last written, or null. */
  keyUpdatedAt(name: string, key: string): number | null {
    return this.#keyTimes.get(this.#real(name))?.get(key) ?? null;
  }

  /** Fresh when `key` exists in dict `name` and was written within the attribute's max age. */
  isKeyFresh(name: string, key: string): boolean {
    name = this.#real(name);
    const at = this.keyUpdatedAt(name, key);
    const value = this.#values.get(name);
    if (at === null || !isPlainDict(value) || !Object.prototype.hasOwnProperty.call(value, key)) return false;
    const maxAge = this.#meta.get(name)?.maxAgeMs ?? null;
    return maxAge === null || this.#clock.now() - at <= maxAge;
  }

  /**
   * Reads `a.b.c`: the attribute `a`, then keys (or properties) `b` and `c` (see
   * {@link lookupPath}). A missing attribute throws a `ReferenceError`; a missing key reads as
   * undefined here (a message placeholder prints it as `-`): a subtask's argument is read with
   * {@link lookupPath}, which tells a missing key from one holding None.
   */
  resolvePath(path: string): unknown {
    const [head, ...rest] = path.split('.');
    if (head === undefined || !this.has(head)) {
      throw new ReferenceError(`self.${path}: there is no attribute '${head ?? ''}'`);
    }
    const found = lookupPath(this.get(head), rest);
    return found.found ? found.value : undefined;
  }

  /** Dates the keys of `patch` just merged into `name` by when their values were true (see {@link merge}). */
  #stampKeys(name: string, patch: Record<string, unknown>, keyTimes: Readonly<Record<string, number>>): void {
    const times = this.#keyTimes.get(name);
    if (!times) return;
    const now = this.#clock.now();
    for (const [key, at] of Object.entries(keyTimes)) {
      if (Object.hasOwn(patch, key) && Number.isFinite(at)) times.set(key, Math.min(now, at));
    }
  }

  #touch(name: string, source: string, at: number): void {
    const m = this.#meta.get(name);
    this.#meta.set(name, { updatedAt: at, source, maxAgeMs: m?.maxAgeMs ?? null });
  }
}

/**
 * `{...current, ...patch}`, frozen: the patch's values are frozen, the held ones (frozen when
 * stored) are carried over unwalked, so a price delivery or a candle push costs a copy of the
 * dict's keys, not a walk of every window it holds. A keys loop: about twice as fast as a spread
 * on a dict of hundreds of symbols (`bench`: 2000 keys in about 0.4 ms).
 */
function mergedFrozen(current: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const held = Object.keys(current);
  for (let i = 0; i < held.length; i++) out[held[i]!] = current[held[i]!];
  const keys = Object.keys(patch);
  for (let i = 0; i < keys.length; i++) out[keys[i]!] = deepFreeze(patch[keys[i]!]);
  return Object.freeze(out);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}

/**
 * The exchange (`aftx`, `exchange`) and the order queue are live objects the engine defines; a
 * task's write would replace them for every subtask after it (`self.aftx` a number, and each
 * call failing far from the cause: "exchange.fetchBalance is not a function"). The config refuses
 * them as a `target_attr`; a task kind of the user's, writing through `rt.state`, is refused here.
 */
function refuseLiveObject(name: string, source: string): void {
  if (HIDDEN_ATTRIBUTES.has(name)) throw new TypeError(`${source} cannot write '${name}': it is the engine's own live object (the exchange or the order queue), not state`);
}
