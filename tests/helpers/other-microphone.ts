import { seededRng } from '../../src/main/util/rng.js';

/**
 * A clip as if recorded through another microphone in another room, made at test time: a one-pole
 * low-pass near 1.2 kHz, 1.5x gain and faint hiss (about -60 dBFS). Mild enough that the engine's
 * speech check still finds speech in it; different enough that a speaker's clips stand apart.
 */
export function otherMicrophone(x: Float32Array, rate: number, seed: number): Float32Array {
  const a = Math.exp((-2 * Math.PI * 1200) / rate);
  const rng = seededRng(seed);
  const y = new Float32Array(x.length);
  let prev = 0;
  for (let i = 0; i < x.length; i++) {
    prev = (1 - a) * x[i]! + a * prev;
    y[i] = prev * 1.5 + (rng() - 0.5) * 0.004;
  }
  return y;
}
