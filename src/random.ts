/**
 * A small seeded pseudo-random generator (mulberry32) so that data orders, synthetic data and
 * benchmarks are reproducible bit for bit.
 * @module
 */

/** A generator of uniform numbers in [0, 1). */
export type Rng = () => number;

/** Creates a generator from a 32-bit seed; the same seed gives the same sequence. */
export function createRng(seed: number): Rng {
  let state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  return function next(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal sample (Box-Muller) drawn from `rng`. */
export function normal(rng: Rng): number {
  let u = rng();
  while (u <= Number.EPSILON) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** Fills `out` with a random permutation of 0..n-1 (Fisher-Yates). */
export function shuffledIndices(
  n: number,
  rng: Rng,
  out: Int32Array = new Int32Array(n),
): Int32Array {
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
