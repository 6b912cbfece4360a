import { describe, expect, it } from 'vitest';
import { declaredParams } from '../../src/core/function-params.js';
import { BUILTIN_MODULES } from '../../src/engine/module-registry.js';

describe('declaredParams', () => {
  it('counts defaulted and destructured parameters, which fn.length leaves out', () => {
    /* eslint-disable @typescript-eslint/no-unused-vars */
    function f(a: number, b = 'x,y', c: Record<string, number> = { d: 1, e: 2 }, g = [1, 2]): void {}
    const arrow = async (x: unknown, { y, z }: { y: number; z: number } = { y: 1, z: 2 }): Promise<void> => {};
    const bare = (v: unknown): unknown => v;
    expect(f.length).toBe(1);
    expect(declaredParams(f)).toEqual(['a', 'b', 'c', 'g']);
    expect(declaredParams(arrow)).toEqual(['x', '{ y, z }']);
    expect(declaredParams(bare)).toEqual(['v']);
    expect(declaredParams(() => 1)).toEqual([]);
    expect(declaredParams({ m(p: number, q = 2) { return p + q; } }.m)).toEqual(['p', 'q']);
  });

  it('answers nothing where the count is not certain', () => {
    expect(declaredParams((...rest: unknown[]) => rest)).toBeUndefined();
    expect(declaredParams(function (a: number) { return arguments.length + a; })).toBeUndefined();
    expect(declaredParams(Math.max)).toBeUndefined();
    expect(declaredParams(((a: number, b: number) => a + b).bind(null, 1))).toBeUndefined();
    /* eslint-enable @typescript-eslint/no-unused-vars */
  });

  // `misso check` refuses more input_args than a built-in helper declares: every one of them
  // must be read right, never fewer than JavaScript's own count of its required parameters.
  it('reads every built-in helper', () => {
    for (const [modul, exports] of Object.entries(BUILTIN_MODULES)) {
      for (const [name, fn] of Object.entries(exports)) {
        if (typeof fn !== 'function') continue;
        const params = declaredParams(fn as (...a: never[]) => unknown);
        expect(params, `${modul}.${name}`).toBeDefined();
        expect(params!.length, `${modul}.${name}`).toBeGreaterThanOrEqual(fn.length);
      }
    }
    expect(declaredParams(BUILTIN_MODULES['Misso.services.async_helper']!['get_total_balance'] as () => unknown)).toEqual(['exchange', 'currency']);
  });
});
