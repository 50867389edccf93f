/**
 * Live classification from the microphone: the window the model hears, how often it is asked,
 * and what counts as silence. Defined once here; the renderer's live mode and bench/live.ts read it.
 */

/** Seconds of audio each live prediction classifies (the most recent ones). */
export const LIVE_WINDOW_SECONDS = 3;
/** Seconds between live predictions: a little over twice a second, so a late answer still leaves two a second. */
export const LIVE_HOP_SECONDS = 0.45;
/** A live window needs at least this much audio before the first prediction. */
export const LIVE_MIN_SECONDS = 1;
/**
 * A window whose loudest 50 ms stays below this level (dBFS) is silence, shown as silence and
 * never sent to the model. Measured on 240 RAVDESS clips (actors 1, 8, 15, 20): the loudest 50 ms
 * is at -31 dBFS in the median clip, -46 at the 5th percentile, -55 in the quietest (a soft calm
 * take); their leading silence sits near -95. A noisier room than the studio needs a higher value.
 */
export const SILENCE_DBFS = -58;
/** Length of the frames whose loudest one decides silence (seconds). */
export const SILENCE_FRAME_SECONDS = 0.05;
/** Weight of the newest prediction in the smoothed strip (exponential moving average). */
export const LIVE_SMOOTHING = 0.5;

/** RMS level in dBFS of `x[from, to)` (-Infinity for digital silence). */
export function rmsDbfs(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  const n = Math.max(1, to - from);
  return 10 * Math.log10(s / n);
}

/** The level of the loudest SILENCE_FRAME_SECONDS frame of `x` (dBFS). */
export function loudestFrameDbfs(x: Float32Array, sampleRate: number): number {
  const frame = Math.max(1, Math.round(SILENCE_FRAME_SECONDS * sampleRate));
  let best = -Infinity;
  for (let i = 0; i < x.length; i += frame)
    best = Math.max(best, rmsDbfs(x, i, Math.min(x.length, i + frame)));
  return best;
}

export function isSilent(x: Float32Array, sampleRate: number): boolean {
  return loudestFrameDbfs(x, sampleRate) < SILENCE_DBFS;
}
