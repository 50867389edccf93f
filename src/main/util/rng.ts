/**
 * Seeded randomness for everything that must repeat exactly for a run's seed (augmentation,
 * splits, batch order, initial weights, dropout masks). mulberry32: 32-bit state, fast, good
 * enough statistically for sampling and shuffling (not for cryptography).
 *
 * The seed derivations below differ on purpose: each is what its consumer has always used, and
 * changing one would change the numbers of recorded runs.
 */

/** A generator of uniform numbers in [0, 1). */
export type Rng = () => number;

export function makeRng(seed: number): Rng {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `makeRng`, except that seed 0 (which would start mulberry32 from state 0) becomes 0x9e3779b9:
 * the splits and the training loop's batch order are drawn from this one.
 */
export function seededRng(seed: number): Rng {
  return makeRng(seed >>> 0 || 0x9e3779b9);
}

/** An independent seed for a training sub-task (split, fold, augmented clip) from a base seed. */
export function subSeed(seed: number, salt: number): number {
  let h = (seed ^ Math.imul(salt + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The seed of a model's `index`-th initializer or dropout layer, from the model's seed. */
export function layerSeed(seed: number, index: number): number {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * A seed derived from a base seed and any labels (a clip path, an epoch, a fold), so each
 * consumer gets its own stream regardless of the order work is done in (e.g. across workers).
 * FNV-1a over the parts, then a murmur3 finaliser.
 */
export function deriveSeed(seed: number, ...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  const byte = (b: number) => {
    h = Math.imul(h ^ (b & 0xff), 0x01000193) >>> 0;
  };
  const s32 = seed >>> 0;
  for (let i = 0; i < 4; i++) byte(s32 >>> (8 * i));
  const mix = (s: string) => {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      byte(c);
      byte(c >>> 8);
    }
    byte(0x1f); // separator, so ('ab', 'c') != ('a', 'bc')
  };
  for (const p of parts) mix(String(p));
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

/** Standard normal deviate (Box-Muller; one of the pair is discarded to stay stateless). */
export function normal(rng: Rng): number {
  let u = rng();
  while (u <= 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** Fisher-Yates shuffle in place; returns the array. */
export function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
