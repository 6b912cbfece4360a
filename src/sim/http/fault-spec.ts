import { UserError } from '../../core/errors.js';

/** The kinds of fault the sim server can inject: HTTP-level, then websocket-level. */
export type FaultKind =
  | '5xx'
  | '429'
  | '418'
  | 'hang'
  | 'reset'
  | 'html'
  | 'lost'
  | 'visibility'
  | WsFaultKind
  | 'wsdelay';

/** Websocket fault kinds that fire as events (drawn per connection and push, or per subscribe). */
export type WsFaultKind = 'wsdrop' | 'wsstall' | 'wsrefuse' | 'listenkey_expire';

/** The websocket event kinds. */
export const WS_FAULT_KINDS: readonly WsFaultKind[] = ['wsdrop', 'wsstall', 'wsrefuse', 'listenkey_expire'];

/** Every fault kind, in the order they are documented. */
export const FAULT_KINDS: readonly FaultKind[] = [
  '5xx', '429', '418', 'hang', 'reset', 'html', 'lost', 'visibility', ...WS_FAULT_KINDS, 'wsdelay',
];

/** How a `lost` fault throws the response away after the request was applied. */
export type LostMode = 'reset' | '5xx' | 'hang';

/** One parsed rule of a `--faults` spec. */
export interface FaultRule {
  readonly kind: Exclude<FaultKind, 'visibility' | 'wsdelay'>;
  /** Chance (0..1) that a matching request gets the fault. */
  readonly rate: number;
  /** Only matching calls numbered in this inclusive 1-based range can get the fault. */
  readonly calls?: { readonly from: number; readonly to: number };
  /** Path filters: a full path (`/fapi/v1/order`) or its last segment (`order`). */
  readonly paths?: readonly string[];
  /** HTTP method filter, upper case. */
  readonly methods?: readonly string[];
  /** 429 / 418: the `Retry-After` header in seconds. */
  readonly retryAfterSecs?: number;
  /** 418 only: once it fires, every request is refused with 418 for this many seconds. */
  readonly banSecs?: number;
  /** 5xx (and `lost` with `as=5xx`): the status code sent. */
  readonly status?: number;
  /** `lost` only: how the response is lost. */
  readonly lostAs?: LostMode;
}

/** One `wsdelay:MS[:path=P]` rule: every message of the connections it matches leaves MS ms late. */
export interface WsDelayRule {
  readonly ms: number;
  /** Websocket path filters (`market`, `public`, `private`, `ws` or a whole path); all paths without it. */
  readonly paths?: readonly string[];
}

/** A whole parsed spec: the request rules plus the venue's order-visibility delay. */
export interface FaultSpec {
  readonly rules: readonly FaultRule[];
  /** Order-visibility delay in ms when the spec sets one; `undefined` leaves the venue's own. */
  readonly visibilityMs?: number;
  /**
   * Websocket message delays, in spec order: a connection takes the first whose path matches it
   * (none: no delay). A later rule with the same paths as an earlier one replaces it.
   */
  readonly wsDelays?: readonly WsDelayRule[];
}

/** Whether a rule is a websocket event rule (never applied to HTTP requests). */
export function isWsRule(rule: FaultRule): rule is FaultRule & { kind: WsFaultKind } {
  return (WS_FAULT_KINDS as readonly string[]).includes(rule.kind);
}

/** The `--faults` syntax, printed by `misso sim-server --help` and kept in sync with the parser. */
export function describeFaultSyntax(): string {
  return [
    'Fault spec (--faults SPEC, POST /__misso/faults): comma-separated rules, empty or "none" for no faults.',
    '  RULE    = KIND[:RATE][:OPTION=VALUE]...',
    '  RATE    = probability 0..1 per matching request (seeded, deterministic); default 1',
    '  KIND    = 5xx     answer 503 (or status=500|502|504) with an HTML body, request not applied',
    '            500|502|503|504  shorthand for 5xx:status=N',
    '            429     answer 429 + Retry-After with Binance code -1003, request not applied',
    '            418     answer 418 (IP ban) + Retry-After with code -1003, request not applied',
    '            hang    never answer; the socket stays open until the client gives up',
    '            reset   destroy the connection without answering, request not applied',
    '            html    answer 200 with an HTML page instead of JSON, request not applied',
    '            lost    apply the request, then lose the answer (as=reset default, as=5xx, as=hang)',
    '            visibility:MS  new orders stay invisible to order queries for MS milliseconds',
    '  Websocket kinds (RATE per connection and push tick; wsrefuse per SUBSCRIBE or private dial;',
    '  listenkey_expire per push tick and per batch of order updates):',
    '            wsdrop  close the connection abnormally (the client sees code 1006)',
    '            wsstall the connection stops sending data; pings are still answered',
    '            wsrefuse  refuse the subscription (error -1003) or the private dial (HTTP 403)',
    '            listenkey_expire  expire the user-data listenKey (listenKeyExpired, then close)',
    '            wsdelay:MS  every websocket message is sent MS milliseconds late (path= only; the first',
    '                    wsdelay whose path matches a connection sets its delay)',
    '  OPTIONS calls=N | calls=A-B   only the Nth / Ath..Bth matching request (1-based, per rule)',
    '          path=P[|P...]         only these paths: full (/fapi/v1/order) or last segment (order);',
    '                                for websocket kinds: market, public, private, ws or a whole path (listenkey_expire: private)',
    '          method=M[|M...]       only these HTTP methods (GET, POST, DELETE)',
    '          retry=SECS            Retry-After seconds for 429/418 (default 1)',
    '          ban=SECS              418 only: once fired, every request gets 418 for SECS (an IP ban)',
    '          status=N              status for 5xx and lost:as=5xx (default 503)',
    '          as=reset|5xx|hang     how a lost answer is lost',
    '  The first rule that fires answers the request. Admin paths (/__misso/...) never fault.',
    '  An html or 503 rule at rate 1 for every request (no path=, method= or calls=) is a maintenance: GET',
    '  /sapi/v1/system/status (ccxt fetchStatus) then answers status 1 instead of failing.',
    '  Example: 5xx:0.1,429:0.05:retry=2,418:calls=10-20,hang:0.02,reset:0.02,html:0.01,lost:0.2:path=order,visibility:2000',
  ].join('\n');
}

const STATUS_ALIASES = new Set(['500', '502', '503', '504']);

/**
 * Parses a `--faults` spec (syntax in {@link describeFaultSyntax}). Throws `UserError` naming the
 * offending rule, so the CLI can print it and the admin endpoint can answer 400.
 */
export function parseFaultSpec(spec: string): FaultSpec {
  const text = spec.trim();
  if (text === '' || text === 'none') return { rules: [] };
  const rules: FaultRule[] = [];
  let visibilityMs: number | undefined;
  const wsDelays: WsDelayRule[] = [];
  for (const raw of text.split(',')) {
    const ruleText = raw.trim();
    if (ruleText === '') continue;
    const [head = '', ...rest] = ruleText.split(':');
    const kindText = head.trim().toLowerCase();
    if (kindText === 'visibility') {
      if (rest.length > 1) {
        throw new UserError(`fault rule "${ruleText}": visibility takes no options (it delays every new order), only its milliseconds, e.g. visibility:2000`);
      }
      visibilityMs = parseMillis(ruleText, kindText, rest[0]);
      continue;
    }
    if (kindText === 'wsdelay') {
      const delay = parseWsDelay(ruleText, rest);
      const same = wsDelays.findIndex((d) => samePaths(d.paths, delay.paths));
      if (same >= 0) wsDelays[same] = delay;
      else wsDelays.push(delay);
      continue;
    }
    rules.push(parseRule(ruleText, kindText, rest));
  }
  return {
    rules,
    ...(visibilityMs === undefined ? {} : { visibilityMs }),
    ...(wsDelays.length === 0 ? {} : { wsDelays }),
  };
}

function parseMillis(ruleText: string, kind: string, value: string | undefined): number {
  if (value === undefined || !/^\d+$/.test(value.trim())) {
    throw new UserError(`fault rule "${ruleText}": ${kind} takes one whole number of milliseconds first, e.g. ${kind}:2000`);
  }
  const ms = Number(value.trim());
  // A timer holds at most 2^31 - 1 ms (Node cuts a longer one to 1 ms, and warns each time).
  if (ms > MAX_HOLD_MS) throw new UserError(`fault rule "${ruleText}": ${kind} is at most ${MAX_HOLD_MS} ms (a day), got ${value.trim()}`);
  return ms;
}

/** The longest delay or visibility hold a rule may ask for: a day. */
const MAX_HOLD_MS = 86_400_000;

/**
 * `wsdelay:MS[:path=P[|P...]]`. It is no event drawn per push: it holds every message of the
 * connections it matches, so a rate or `calls=` would have nothing to count and is refused,
 * as is HTTP's `method=`.
 */
function parseWsDelay(ruleText: string, rest: string[]): WsDelayRule {
  const fail = (why: string): never => {
    throw new UserError(`fault rule "${ruleText}": ${why}. Run misso sim-server --help for the fault syntax.`);
  };
  const ms = parseMillis(ruleText, 'wsdelay', rest[0]);
  let paths: string[] | undefined;
  for (const part of rest.slice(1)) {
    const p = part.trim();
    const eq = p.indexOf('=');
    const key = eq > 0 ? p.slice(0, eq).trim().toLowerCase() : '';
    const value = eq > 0 ? p.slice(eq + 1).trim() : '';
    if (key === 'path' && value !== '') {
      paths = value.split('|').map((x) => x.trim()).filter((x) => x !== '');
      for (const x of paths) if (!isWsPath(x)) fail(`path "${x}" matches no websocket path of wsdelay (market, public, private, ws, or a whole path such as /private/ws)`);
    } else if (key === 'calls' || key === 'method' || (eq < 0 && p !== '')) {
      const what = key === 'method' ? 'method= (an HTTP filter)' : key === 'calls' ? 'calls=' : `rate ("${p}")`;
      fail(`wsdelay takes no ${what}: it is not drawn per call or push but holds every message of the connections it matches; narrow it with path= only`);
    } else {
      fail(`"${p}" is no option of wsdelay (known: path)`);
    }
  }
  return paths === undefined ? { ms } : { ms, paths };
}

function samePaths(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return (a ?? []).join('|') === (b ?? []).join('|');
}

interface MutableRule {
  kind: FaultRule['kind'];
  rate: number;
  calls?: { from: number; to: number };
  paths?: string[];
  methods?: string[];
  retryAfterSecs?: number;
  banSecs?: number;
  status?: number;
  lostAs?: LostMode;
}

function parseRule(ruleText: string, kindText: string, parts: string[]): FaultRule {
  const fail = (why: string): never => {
    throw new UserError(`fault rule "${ruleText}": ${why}. Run misso sim-server --help for the fault syntax.`);
  };
  let rule: MutableRule;
  if (STATUS_ALIASES.has(kindText)) rule = { kind: '5xx', rate: 1, status: Number(kindText) };
  else if (isRuleKind(kindText)) rule = { kind: kindText, rate: 1 };
  else return fail(`unknown fault kind "${kindText}" (known: ${FAULT_KINDS.join(', ')}, 500, 502, 503, 504)`);

  parts.forEach((part, index) => {
    const p = part.trim();
    if (index === 0 && !p.includes('=')) {
      const rate = Number(p);
      if (p === '' || !Number.isFinite(rate) || rate < 0 || rate > 1) fail(`rate "${p}" must be a number from 0 to 1`);
      rule.rate = rate;
      return;
    }
    const eq = p.indexOf('=');
    if (eq <= 0) fail(`"${p}" is neither a rate nor OPTION=VALUE`);
    const key = p.slice(0, eq).trim().toLowerCase();
    const value = p.slice(eq + 1).trim();
    if (value === '') fail(`option "${key}" needs a value`);
    switch (key) {
      case 'calls': {
        const m = /^(\d+)(?:-(\d+))?$/.exec(value);
        const from = Number(m?.[1]);
        const to = m?.[2] === undefined ? from : Number(m[2]);
        if (!m || from < 1 || to < from) fail(`calls "${value}" must be N or A-B with 1 <= A <= B`);
        rule.calls = { from, to };
        break;
      }
      case 'path':
        rule.paths = value.split('|').map((s) => s.trim()).filter((s) => s !== '');
        break;
      case 'method':
        rule.methods = value.split('|').map((s) => s.trim().toUpperCase()).filter((s) => s !== '');
        break;
      case 'retry': {
        const secs = Number(value);
        if (!Number.isInteger(secs) || secs < 0) fail(`retry "${value}" must be a whole number of seconds`);
        if (rule.kind !== '429' && rule.kind !== '418') fail('retry only applies to 429 and 418');
        rule.retryAfterSecs = secs;
        break;
      }
      case 'ban': {
        const secs = Number(value);
        if (!Number.isInteger(secs) || secs < 1) fail(`ban "${value}" must be a whole number of seconds, at least 1`);
        if (rule.kind !== '418') fail('ban only applies to 418');
        rule.banSecs = secs;
        break;
      }
      case 'status': {
        const status = Number(value);
        if (!Number.isInteger(status) || status < 500 || status > 599) fail(`status "${value}" must be 500..599`);
        if (rule.kind !== '5xx' && rule.kind !== 'lost') fail('status only applies to 5xx and lost');
        rule.status = status;
        break;
      }
      case 'as':
        if (rule.kind !== 'lost') fail('as only applies to lost');
        if (value !== 'reset' && value !== '5xx' && value !== 'hang') fail(`as "${value}" must be reset, 5xx or hang`);
        rule.lostAs = value as LostMode;
        break;
      default:
        fail(`unknown option "${key}" (known: calls, path, method, retry, ban, status, as)`);
    }
  });
  if ((WS_FAULT_KINDS as readonly string[]).includes(rule.kind)) checkWsRule(rule, fail);
  return rule;
}

/** The websocket paths a connection can have (`/market/ws/N`, `/public/ws/N`, `/private/ws`, `/ws/KEY`). */
const WS_SEGMENTS = ['market', 'public', 'private', 'ws'];

/**
 * A websocket rule that could never fire is refused, not accepted and left inert: a `path=`
 * must be a segment of a websocket path or a whole one (`listenkey_expire` is drawn on
 * `/private/ws` only), and `method=` is HTTP's.
 */
function checkWsRule(rule: MutableRule, fail: (why: string) => never): void {
  if (rule.methods) fail(`method only applies to HTTP kinds, not ${rule.kind}`);
  const fits = rule.kind === 'listenkey_expire'
    ? (p: string) => p === 'private' || p === 'ws' || p === '/private/ws'
    : isWsPath;
  for (const p of rule.paths ?? []) {
    if (!fits(p)) fail(`path "${p}" matches no websocket path of ${rule.kind} (${rule.kind === 'listenkey_expire' ? 'private, /private/ws' : 'market, public, private, ws, or a whole path such as /private/ws'})`);
  }
}

/** Whether `p` is a segment of a websocket path or a whole one. */
function isWsPath(p: string): boolean {
  return WS_SEGMENTS.includes(p) || (p.startsWith('/') && WS_SEGMENTS.includes(p.split('/')[1] ?? '') && p.split('/').includes('ws'));
}

function isRuleKind(text: string): text is FaultRule['kind'] {
  return text !== 'visibility' && text !== 'wsdelay' && (FAULT_KINDS as readonly string[]).includes(text);
}

/** Renders a parsed spec back to the canonical text form (for logs and the admin endpoint). */
export function formatFaultSpec(spec: FaultSpec): string {
  const parts = spec.rules.map((r) => {
    const bits: string[] = [r.kind, String(r.rate)];
    if (r.calls) bits.push(`calls=${r.calls.from === r.calls.to ? r.calls.from : `${r.calls.from}-${r.calls.to}`}`);
    if (r.paths) bits.push(`path=${r.paths.join('|')}`);
    if (r.methods) bits.push(`method=${r.methods.join('|')}`);
    if (r.retryAfterSecs !== undefined) bits.push(`retry=${r.retryAfterSecs}`);
    if (r.banSecs !== undefined) bits.push(`ban=${r.banSecs}`);
    if (r.status !== undefined) bits.push(`status=${r.status}`);
    if (r.lostAs !== undefined) bits.push(`as=${r.lostAs}`);
    return bits.join(':');
  });
  if (spec.visibilityMs !== undefined) parts.push(`visibility:${spec.visibilityMs}`);
  for (const d of spec.wsDelays ?? []) parts.push(d.paths ? `wsdelay:${d.ms}:path=${d.paths.join('|')}` : `wsdelay:${d.ms}`);
  return parts.length === 0 ? 'none' : parts.join(',');
}
