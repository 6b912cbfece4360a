import { describe, expect, it } from 'vitest';
import { adminSpec } from '../../src/sim/http/admin-bodies.js';
import { UserError } from '../../src/core/errors.js';
import { FaultController } from '../../src/sim/http/fault-controller.js';
import { describeFaultSyntax, formatFaultSpec, parseFaultSpec } from '../../src/sim/http/fault-spec.js';
import { ServerCounters } from '../../src/sim/http/server-counters.js';

describe('parseFaultSpec', () => {
  it('parses the documented example', () => {
    const spec = parseFaultSpec('5xx:0.1,429:0.05:retry=2,418:calls=10-20,hang:0.02,reset:0.02,html:0.01,lost:0.2:path=order,visibility:2000');
    expect(spec.visibilityMs).toBe(2000);
    expect(spec.rules).toEqual([
      { kind: '5xx', rate: 0.1 },
      { kind: '429', rate: 0.05, retryAfterSecs: 2 },
      { kind: '418', rate: 1, calls: { from: 10, to: 20 } },
      { kind: 'hang', rate: 0.02 },
      { kind: 'reset', rate: 0.02 },
      { kind: 'html', rate: 0.01 },
      { kind: 'lost', rate: 0.2, paths: ['order'] },
    ]);
  });

  it('reads status shorthands, method and path lists, lost modes and single call numbers', () => {
    expect(parseFaultSpec('502').rules).toEqual([{ kind: '5xx', rate: 1, status: 502 }]);
    expect(parseFaultSpec('lost:path=order|/fapi/v1/openOrders:method=post|delete:as=5xx:status=500:calls=3').rules).toEqual([
      { kind: 'lost', rate: 1, paths: ['order', '/fapi/v1/openOrders'], methods: ['POST', 'DELETE'], lostAs: '5xx', status: 500, calls: { from: 3, to: 3 } },
    ]);
    expect(parseFaultSpec('').rules).toEqual([]);
    expect(parseFaultSpec(' none ').rules).toEqual([]);
  });

  it.each([
    ['boom', 'unknown fault kind "boom"'],
    ['5xx:1.5', 'rate "1.5" must be a number from 0 to 1'],
    ['429:calls=5-2', 'calls "5-2"'],
    ['hang:retry=2', 'retry only applies to 429 and 418'],
    ['reset:as=5xx', 'as only applies to lost'],
    ['lost:as=never', 'as "never" must be reset, 5xx or hang'],
    ['5xx:status=404', 'status "404" must be 500..599'],
    ['visibility:soon', 'visibility takes one whole number of milliseconds'],
    ['5xx:colour=red', 'unknown option "colour"'],
    ['429:ban=5', 'ban only applies to 418'],
    ['418:ban=0', 'ban "0" must be a whole number of seconds'],
    // Websocket rules that could never fire.
    ['wsstall:path=privat', 'path "privat" matches no websocket path of wsstall (market, public, private, ws, or a whole path such as /private/ws)'],
    ['wsdrop:path=/fapi/v1/order', 'path "/fapi/v1/order" matches no websocket path of wsdrop'],
    ['listenkey_expire:path=market', 'path "market" matches no websocket path of listenkey_expire (private, /private/ws)'],
    ['wsstall:method=GET', 'method only applies to HTTP kinds, not wsstall'],
    // wsdelay holds every message of a connection: only path= narrows it, and the refusal says why.
    ['wsdelay:300:calls=2', 'wsdelay takes no calls=: it is not drawn per call or push but holds every message of the connections it matches; narrow it with path= only'],
    ['wsdelay:300:0.5', 'wsdelay takes no rate ("0.5")'],
    ['wsdelay:300:method=GET', 'wsdelay takes no method= (an HTTP filter)'],
    ['wsdelay:300:retry=2', '"retry=2" is no option of wsdelay (known: path)'],
    ['wsdelay:300:path=privat', 'path "privat" matches no websocket path of wsdelay (market, public, private, ws, or a whole path such as /private/ws)'],
    ['wsdelay:path=market', 'wsdelay takes one whole number of milliseconds first, e.g. wsdelay:2000'],
    // Past 2^31 - 1 ms a timer fires after 1 ms: a flood of re-armed timers and warnings.
    ['wsdelay:99999999999', 'wsdelay is at most 86400000 ms (a day), got 99999999999'],
    ['wsdelay:3000000000:path=market', 'wsdelay is at most 86400000 ms (a day), got 3000000000'],
    ['visibility:86400001', 'visibility is at most 86400000 ms (a day), got 86400001'],
    ['visibility:2000:path=order', 'visibility takes no options (it delays every new order), only its milliseconds'],
  ])('refuses %s with a message naming the problem', (spec, message) => {
    expect(() => parseFaultSpec(spec)).toThrow(UserError);
    expect(() => parseFaultSpec(spec)).toThrow(message);
  });

  it('reads wsdelay with and without path=; a later wsdelay on the same paths replaces the earlier one', () => {
    expect(parseFaultSpec('wsdelay:300').wsDelays).toEqual([{ ms: 300 }]);
    expect(parseFaultSpec('wsdelay:300:path=market|/private/ws,wsdelay:50').wsDelays).toEqual([
      { ms: 300, paths: ['market', '/private/ws'] },
      { ms: 50 },
    ]);
    expect(parseFaultSpec('wsdelay:300,wsdelay:20:path=public,wsdelay:100').wsDelays).toEqual([{ ms: 100 }, { ms: 20, paths: ['public'] }]);
    expect(parseFaultSpec('5xx').wsDelays).toBeUndefined();
  });

  it('formats back to a spec that parses to the same rules', () => {
    const text = '5xx:0.25:path=klines:status=502,418:calls=2-4:retry=9:ban=3,lost:as=hang:method=POST,visibility:150,wsdelay:40:path=private|public,wsdelay:7';
    const parsed = parseFaultSpec(text);
    expect(parseFaultSpec(formatFaultSpec(parsed))).toEqual(parsed);
    expect(formatFaultSpec(parseFaultSpec(''))).toBe('none');
  });

  it('the help text documents every kind and option the parser knows', () => {
    const help = describeFaultSyntax();
    for (const word of ['5xx', '429', '418', 'hang', 'reset', 'html', 'lost', 'visibility', 'calls=', 'path=', 'method=', 'retry=', 'ban=', 'status=', 'as=']) {
      expect(help).toContain(word);
    }
  });
});

describe('FaultController', () => {
  const decisions = (seed: number, spec: string, n: number): (string | undefined)[] => {
    const controller = new FaultController({ seed, counters: new ServerCounters(), applyVisibility: () => undefined });
    controller.set(spec);
    return Array.from({ length: n }, () => controller.decide('GET', '/fapi/v1/ticker/24hr', 0)?.rule.kind);
  };

  it('repeats the same draws for the same seed and differs for another', () => {
    const a = decisions(42, '5xx:0.3,reset:0.3', 200);
    expect(decisions(42, '5xx:0.3,reset:0.3', 200)).toEqual(a);
    expect(decisions(43, '5xx:0.3,reset:0.3', 200)).not.toEqual(a);
    const fivexx = a.filter((k) => k === '5xx').length;
    expect(fivexx).toBeGreaterThan(35);
    expect(fivexx).toBeLessThan(85);
  });

  it('numbers calls per rule among matching requests only, and passes the visibility delay on', () => {
    const seen: (number | undefined)[] = [];
    const counters = new ServerCounters();
    const controller = new FaultController({ seed: 1, counters, applyVisibility: (ms) => seen.push(ms) });
    controller.set('429:calls=2:method=POST,visibility:500');
    const kinds = [
      controller.decide('GET', '/fapi/v1/order', 0),
      controller.decide('POST', '/fapi/v1/order', 0),
      controller.decide('GET', '/fapi/v1/order', 0),
      controller.decide('POST', '/fapi/v1/order', 0),
      controller.decide('POST', '/fapi/v1/order', 0),
    ].map((d) => d?.rule.kind);
    expect(kinds).toEqual([undefined, undefined, undefined, '429', undefined]);
    controller.clear();
    expect(seen).toEqual([500, undefined]);
    expect(counters.snapshot().faults).toEqual({ '429': 1, visibility: 1 });
  });

  it('gives each websocket path the delay of the first wsdelay whose path= matches it (0 when none does)', () => {
    const counters = new ServerCounters();
    const controller = new FaultController({ seed: 1, counters, applyVisibility: () => undefined });
    controller.set('wsdelay:400:path=private,wsdelay:100:path=/market/ws/1');
    expect(['/private/ws', '/market/ws/1', '/market/ws/0', '/public/ws/0', '/ws'].map((p) => controller.wsDelayMsFor(p))).toEqual([400, 100, 0, 0, 0]);
    controller.set('wsdelay:250');
    expect(['/private/ws', '/market/ws/0', '/ws'].map((p) => controller.wsDelayMsFor(p))).toEqual([250, 250, 250]);
    controller.clear();
    expect(controller.wsDelayMsFor('/private/ws')).toBe(0);
    expect(counters.faultCount('wsdelay')).toBe(2);
  });

  it('a 418 with ban=SECS refuses every request until the ban ends, with the seconds left', () => {
    const counters = new ServerCounters();
    const controller = new FaultController({ seed: 1, counters, applyVisibility: () => undefined });
    controller.set('418:calls=2:ban=10:path=klines');
    expect(controller.decide('GET', '/fapi/v1/klines', 1_000)).toBeUndefined();
    expect(controller.decide('GET', '/fapi/v1/klines', 2_000)).toMatchObject({ rule: { kind: '418' }, retryAfterSecs: 10 });
    expect(controller.decide('GET', '/fapi/v1/time', 8_500)).toMatchObject({ rule: { kind: '418' }, retryAfterSecs: 4 });
    expect(controller.decide('GET', '/fapi/v1/time', 12_000)).toBeUndefined();
    expect(counters.faultCount('418')).toBe(2);
  });

  it('the admin body is {"spec": "..."} and nothing else', () => {
    expect(adminSpec('{"spec": "wsstall:path=private"}')).toBe('wsstall:path=private');
    expect(() => adminSpec('{"spec": "wsstall", "extra": 1}')).toThrow('admin body has unknown key "extra": it is {"spec": "..."} only');
    expect(() => adminSpec('["wsstall"]')).toThrow('admin body must be JSON: {"spec": "..."}');
    expect(() => adminSpec('wsstall')).toThrow('admin body must be JSON');
    // Websocket rules on the paths they can fire on still parse.
    expect(parseFaultSpec('wsstall:path=market|private,listenkey_expire:path=private,wsrefuse:path=public').rules).toHaveLength(3);
    expect(parseFaultSpec('listenkey_expire:path=/private/ws,wsstall:path=/private/ws,wsdrop:path=ws|/market/ws/1').rules).toHaveLength(3);
  });
});
