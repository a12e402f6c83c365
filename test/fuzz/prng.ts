/**
 * @module A small seeded PRNG (sfc32) so that every fuzzed request is reproducible from the run's seed
 * and its index: request `i` of seed `s` draws from `forRequest(s, i)`, whatever ran before it.
 */

export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** An item chosen with probability proportional to its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T;
}

/** Mixes a 32-bit value (the finaliser of MurmurHash3). */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export function createRng(seed: number): Rng {
  let a = mix(seed ^ 0x9e3779b9);
  let b = mix(a ^ 0x243f6a88);
  let c = mix(b ^ 0xb7e15162);
  let d = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  const rng: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    weighted<T>(items: readonly (readonly [T, number])[]): T {
      const total = items.reduce((sum, [, w]) => sum + w, 0);
      let x = next() * total;
      for (const [item, w] of items) {
        if ((x -= w) < 0) return item;
      }
      return rng.pick(items)[0];
    },
  };
  return rng;
}

/** The generator of request `index` of a run with `seed` (`stream`: one per phase of the run). */
export function forRequest(seed: number, index: number, stream = 0): Rng {
  return createRng(mix(mix(seed) ^ mix(index + 0x51ed27)) ^ mix(stream + 0x2545f491));
}

/** A fresh seed (a run prints it, so that a failure can be replayed). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
