import { formatFaultSpec, isWsRule, parseFaultSpec, type FaultRule, type FaultSpec, type WsFaultKind } from './fault-spec.js';
import { UserError } from '../../core/errors.js';
import { SeededRandom } from '../prng.js';
import type { ServerCounters } from './server-counters.js';

/** What the server must do with one request. */
export interface FaultDecision {
  readonly rule: FaultRule;
  /** Overrides the rule's `Retry-After` (seconds left of a running ban). */
  readonly retryAfterSecs?: number;
}

/** Options for {@link FaultController}. */
export interface FaultControllerOptions {
  /** Seed of the PRNG that draws the fault rates, so a run with the same requests repeats. */
  seed: number;
  counters: ServerCounters;
  /** Called with the spec's visibility delay, or `undefined` to restore the venue's own. */
  applyVisibility: (ms: number | undefined) => void;
  /**
   * The HTTP paths the server serves (`/fapi/v1/order`, …): an HTTP rule's `path=` must name one
   * (whole, or its last segment), else it could never fire and is refused. Unchecked without it.
   */
  httpPaths?: readonly string[];
  /**
   * The path that reports a maintenance (`/sapi/v1/system/status`): the rules that make one (see
   * {@link FaultController.maintenance}) spare it, so a client can learn why everything else
   * fails, as from Binance's own status endpoint; a rule that names it with `path=` still faults it.
   */
  statusPath?: string;
}

/**
 * Holds the active fault spec of a sim server and decides, request by request, which fault (if
 * any) to inject. Switchable at run time with {@link FaultController.set}; the per-rule call
 * numbers restart with each new spec so `calls=A-B` counts from the switch.
 */
export class FaultController {
  #spec: FaultSpec = { rules: [] };
  #calls: number[] = [];
  #ban: { rule: FaultRule; untilMs: number } | undefined;
  #random: () => number;
  #counters: ServerCounters;
  #applyVisibility: (ms: number | undefined) => void;
  readonly #httpPaths: readonly string[] | undefined;
  readonly #statusPath: string | undefined;

  constructor(options: FaultControllerOptions) {
    const random = new SeededRandom(options.seed);
    this.#random = () => random.next();
    this.#counters = options.counters;
    this.#applyVisibility = options.applyVisibility;
    this.#httpPaths = options.httpPaths;
    this.#statusPath = options.statusPath;
  }

  /**
   * Replaces the active faults with `spec` (text or parsed); `''` or `'none'` clears them. A spec
   * with a rule that could never fire (see {@link FaultControllerOptions.httpPaths}) is refused
   * and the faults in force stay.
   */
  set(spec: string | FaultSpec): void {
    const parsed = typeof spec === 'string' ? parseFaultSpec(spec) : spec;
    if (this.#httpPaths) checkHttpPaths(parsed.rules, this.#httpPaths);
    this.#spec = parsed;
    this.#calls = parsed.rules.map(() => 0);
    this.#ban = undefined;
    this.#applyVisibility(parsed.visibilityMs);
    if (parsed.visibilityMs !== undefined) this.#counters.fault('visibility');
    if (parsed.wsDelays !== undefined) this.#counters.fault('wsdelay');
  }

  /**
   * The delay in force for the messages of a websocket connection on `path`, ms: the first
   * `wsdelay` rule whose `path=` matches it (0 when none does).
   */
  wsDelayMsFor(path: string): number {
    return this.#spec.wsDelays?.find((d) => wsPathMatches(d, path))?.ms ?? 0;
  }

  /**
   * Whether a websocket fault of `kind` fires now for a connection on `path` (one draw per
   * connection and push tick, or per subscribe; `listenkey_expire` one per push tick and per batch
   * of order updates). Counted like request faults.
   */
  decideWs(kind: WsFaultKind, path: string): boolean {
    const rules = this.#spec.rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      if (!rule || rule.kind !== kind || !wsPathMatches(rule, path)) continue;
      const call = (this.#calls[i] ?? 0) + 1;
      this.#calls[i] = call;
      if (rule.calls && (call < rule.calls.from || call > rule.calls.to)) continue;
      if (rule.rate < 1 && this.#random() >= rule.rate) continue;
      this.#counters.fault(rule.kind);
      return true;
    }
    return false;
  }

  /**
   * Whether the spec in force takes the whole REST API down as a maintenance does: a rule on
   * every path and method (no `path=`, `method=` or `calls=`) that answers the maintenance page
   * (`html`) or 503 Service Unavailable (`5xx` with its default status, `503`), at rate 1.
   */
  get maintenance(): boolean {
    return this.#spec.rules.some(isMaintenance);
  }

  /** Removes every fault. */
  clear(): void {
    this.set('');
  }

  /** The active spec in canonical text form (`none` when empty). */
  get spec(): string {
    return formatFaultSpec(this.#spec);
  }

  /** The active spec, parsed. */
  get parsed(): FaultSpec {
    return this.#spec;
  }

  /**
   * Picks the fault for a request, counting it, or returns `undefined`. While a 418 ban runs
   * every request gets it. Otherwise each rule whose filters match numbers the request; the
   * first rule that fires wins and later rules are not consulted.
   */
  decide(method: string, path: string, nowMs: number): FaultDecision | undefined {
    if (this.#ban && nowMs < this.#ban.untilMs) {
      this.#counters.fault('418');
      return { rule: this.#ban.rule, retryAfterSecs: Math.ceil((this.#ban.untilMs - nowMs) / 1000) };
    }
    const rules = this.#spec.rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      if (!rule || isWsRule(rule) || !matches(rule, method, path)) continue;
      if (path === this.#statusPath && isMaintenance(rule)) continue;
      const call = (this.#calls[i] ?? 0) + 1;
      this.#calls[i] = call;
      if (rule.calls && (call < rule.calls.from || call > rule.calls.to)) continue;
      if (rule.rate < 1 && this.#random() >= rule.rate) continue;
      this.#counters.fault(rule.kind);
      if (rule.banSecs !== undefined) {
        this.#ban = { rule, untilMs: nowMs + rule.banSecs * 1000 };
        return { rule, retryAfterSecs: rule.banSecs };
      }
      return { rule };
    }
    return undefined;
  }
}

/**
 * A rule that answers every request with a maintenance page (an html page, or a 503): the whole
 * API is down, which Binance's status route reports. A rule that fires at a rate below 1 is
 * weather (most calls still succeed), not a maintenance a strategy should stand still for.
 */
function isMaintenance(rule: FaultRule): boolean {
  const page = rule.kind === 'html' || (rule.kind === '5xx' && (rule.status ?? 503) === 503);
  return page && rule.rate >= 1 && !rule.paths && !rule.methods && !rule.calls;
}

function matches(rule: FaultRule, method: string, path: string): boolean {
  if (rule.methods && !rule.methods.includes(method)) return false;
  if (rule.paths) {
    const last = path.slice(path.lastIndexOf('/') + 1);
    if (!rule.paths.some((p) => p === path || p === last)) return false;
  }
  return true;
}


function wsPathMatches(rule: { readonly paths?: readonly string[] | undefined }, path: string): boolean {
  if (!rule.paths) return true;
  const segments = path.split('?')[0]!.split('/');
  return rule.paths.some((p) => p === path || segments.includes(p));
}

/** Refuses an HTTP rule whose `path=` names nothing the server serves. */
function checkHttpPaths(rules: readonly FaultRule[], served: readonly string[]): void {
  const lastSegments = new Set(served.map((p) => p.slice(p.lastIndexOf('/') + 1)));
  for (const rule of rules) {
    if (isWsRule(rule)) continue;
    for (const p of rule.paths ?? []) {
      if (served.includes(p) || lastSegments.has(p)) continue;
      throw new UserError(
        `fault rule "${formatFaultSpec({ rules: [rule] })}": path "${p}" matches no HTTP path the server serves (a whole path such as /fapi/v1/order, or its last segment such as order)`,
      );
    }
  }
}
