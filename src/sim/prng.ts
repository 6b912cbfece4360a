/**
 * Deterministic randomness. The price path needs random access (the value for any market, level
 * and bar without generating the ones before it), so it uses a counter-based hash; the realism
 * knobs draw in call order and use a small sequential generator.
 */

/** Mixes a 32-bit state (murmur3's finaliser). */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform number in (0, 1) fixed by the integer key parts. */
export function hashUniform(seed: number, a: number, b: number, c: number, d: number): number {
  let h = mix32(seed ^ 0x9e3779b9);
  h = mix32(h ^ (a | 0));
  h = mix32(h ^ (b | 0));
  // Bar indices of 10 s steps exceed 2^31 only after the year 2650; the high part keeps them exact.
  h = mix32(h ^ (c | 0));
  h = mix32(h ^ (Math.floor(c / 4_294_967_296) | 0));
  h = mix32(h ^ (d | 0));
  return (h + 0.5) / 4_294_967_296;
}

/** A standard normal number fixed by the key parts (Box–Muller over two hashed uniforms). */
export function hashNormal(seed: number, a: number, b: number, c: number, d: number): number {
  const u1 = hashUniform(seed, a, b, c, 2 * d);
  const u2 = hashUniform(seed, a, b, c, 2 * d + 1);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** A small seeded sequential generator (mulberry32) for draws made in call order. */
export class SeededRandom {
  #state: number;

  constructor(seed: number) {
    this.#state = mix32(seed ^ 0x6d2b79f5) || 1;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) | 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
}
