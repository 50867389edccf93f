/**
 * Loudness normalisation: scale a clip so the RMS of its active frames sits at a fixed level, so
 * the features of a clip recorded 25 dB quieter (a far microphone, a low input gain) are those of
 * the same clip at full level. The feature engine applies it first thing when the FeatureConfig
 * asks for it (`levelDbfs`), so training, inference, evaluation, live mode and the app share it.
 *
 * Active frames are gated relative to the clip itself (like ITU-R BS.1770's relative gate): 20 ms
 * blocks whose RMS is within ACTIVE_RANGE_DB of the clip's 95th-percentile block. Pauses and the
 * silence around an utterance do not count, and the gate scales with the clip, so the measured
 * level moves exactly with any gain: a clip and a copy 25 dB quieter get the same samples back
 * (to float rounding).
 */

/** Blocks within this many dB of the loudest blocks (95th percentile) are active speech. */
export const ACTIVE_RANGE_DB = 30;
/** The most a quiet clip is amplified: +60 dB (a -70 dBFS clip is noise, not a quiet voice). */
export const MAX_GAIN_DB = 60;
const BLOCK_SECONDS = 0.02;

/**
 * RMS of the active 20 ms blocks of `x` (0 for digital silence). Scale-invariant gate: scaling x
 * by g scales the result by |g|.
 */
export function activeRms(x: Float32Array, sampleRate: number): number {
  const block = Math.max(1, Math.round(BLOCK_SECONDS * sampleRate));
  const blocks = Math.max(1, Math.floor(x.length / block));
  const power = new Float64Array(blocks);
  for (let b = 0; b < blocks; b++) {
    const end = b === blocks - 1 ? x.length : (b + 1) * block;
    let s = 0;
    for (let i = b * block; i < end; i++) s += x[i]! * x[i]!;
    power[b] = s / Math.max(1, end - b * block);
  }
  const sorted = Float64Array.from(power).sort();
  const top = sorted[Math.min(blocks - 1, Math.floor(0.95 * (blocks - 1)))]!;
  if (top === 0) return 0;
  const gate = top * 10 ** (-ACTIVE_RANGE_DB / 10);
  let sum = 0;
  let n = 0;
  for (let b = 0; b < blocks; b++) {
    if (power[b]! >= gate) {
      sum += power[b]!;
      n++;
    }
  }
  return Math.sqrt(sum / n);
}

/**
 * `x` scaled so its active RMS is `targetDbfs` (a new array; samples may exceed full scale, the
 * features do not clip). Digital silence comes back unchanged; the gain is at most MAX_GAIN_DB.
 */
export function normaliseLevel(x: Float32Array, sampleRate: number, targetDbfs: number): Float32Array {
  const level = activeRms(x, sampleRate);
  if (level === 0) return x.slice();
  const gain = Math.min(10 ** (targetDbfs / 20) / level, 10 ** (MAX_GAIN_DB / 20));
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * gain;
  return out;
}
