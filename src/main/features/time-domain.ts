/**
 * Framing arithmetic and the zero-crossing rate, framed as librosa.feature.zero_crossing_rate
 * frames `y`: *edge* padding (not the STFT's zeros), |x| <= 1e-10 counts as 0, 0 counts as
 * positive, the first sample of a frame never counts.
 */

/** Number of centred frames librosa produces for n samples. */
export function frameCount(n: number, frameLength: number, hop: number): number {
  const padded = n + 2 * Math.floor(frameLength / 2);
  return padded < frameLength ? 0 : 1 + Math.floor((padded - frameLength) / hop);
}

const ZC_THRESHOLD = 1e-10;

/**
 * Zero-crossing rate per frame into out[t * stride + col]. Edge padding repeats the end
 * samples, which never cross, so counting crossings inside the signal is enough; a prefix
 * count makes each frame O(1). `scratch`, when long enough, holds the prefix count.
 */
export function zeroCrossingRate(
  y: Float32Array,
  frameLength: number,
  hop: number,
  frames: number,
  out: Float32Array,
  stride: number,
  col: number,
  scratch: Int32Array = new Int32Array(0),
): void {
  const n = y.length;
  // prefix[i] = crossings at sample indices 1..i-1 (a crossing at j is between j-1 and j).
  // Branch-free: speech crosses zero often enough to defeat the branch predictor.
  const prefix = scratch.length >= n + 1 ? scratch : new Int32Array(n + 1);
  let prev = y[0]! < -ZC_THRESHOLD ? 1 : 0;
  let count = 0;
  prefix[0] = 0;
  if (n > 0) prefix[1] = 0;
  for (let j = 1; j < n; j++) {
    const neg = +(y[j]! < -ZC_THRESHOLD);
    count += neg ^ prev;
    prev = neg;
    prefix[j + 1] = count;
  }
  const halfLen = Math.floor(frameLength / 2);
  for (let t = 0; t < frames; t++) {
    const s = t * hop - halfLen;
    // Crossings at j in [s+1, s+frameLength-1], clipped to the signal's [1, n-1].
    const lo = Math.max(1, s + 1);
    const hi = Math.min(n - 1, s + frameLength - 1);
    const c = hi >= lo ? prefix[hi + 1]! - prefix[lo]! : 0;
    out[t * stride + col] = c / frameLength;
  }
}
