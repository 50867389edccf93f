/**
 * Spectral contrast (librosa.feature.spectral_contrast): per octave band, the mean of the
 * top and bottom `quantile` of magnitudes. librosa sorts each band; only the q extremes are
 * needed (q is 1..9 at the default parameters), so we keep two small sorted buffers instead.
 */
import { roundHalfEven } from './chroma.js';

export interface ContrastBands {
  /** First bin of each band. */
  start: Int32Array;
  /** One past the last bin of each band. */
  end: Int32Array;
  /** How many extremes each band averages. */
  q: Int32Array;
  maxQ: number;
}

/** Band layout exactly as librosa derives it from fft_frequencies (shared edge bins and all). */
export function contrastBands(
  sampleRate: number,
  nFft: number,
  nBands: number,
  fmin: number,
  quantile = 0.02,
): ContrastBands {
  const bins = (nFft >> 1) + 1;
  const freq = (k: number) => (k * sampleRate) / nFft;
  const edges = [0];
  for (let i = 0; i <= nBands; i++) edges.push(fmin * 2 ** i);
  const start = new Int32Array(nBands + 1);
  const end = new Int32Array(nBands + 1);
  const q = new Int32Array(nBands + 1);
  let maxQ = 1;
  for (let k = 0; k <= nBands; k++) {
    const lo = edges[k]!;
    const hi = edges[k + 1]!;
    let a = -1;
    let b = -1;
    for (let i = 0; i < bins; i++) {
      const f = freq(i);
      if (f >= lo && f <= hi) {
        if (a < 0) a = i;
        b = i;
      }
    }
    if (a < 0) throw new Error(`spectral contrast band ${k} (${lo}-${hi} Hz) holds no FFT bin`);
    // librosa widens each band by the bin below it, the top band up to Nyquist, then drops the
    // last row of every band but the top one; q is counted before that drop.
    let first = a;
    let last = b;
    if (k > 0) first = a - 1;
    if (k === nBands) last = bins - 1;
    const count = last - first + 1;
    if (k < nBands) last -= 1;
    start[k] = first;
    end[k] = last + 1;
    q[k] = Math.max(1, roundHalfEven(quantile * count));
    maxQ = Math.max(maxQ, q[k]!);
  }
  return { start, end, q, maxQ };
}

/**
 * For one frame's magnitudes, write each band's mean peak and mean valley. `lowBuf`/`highBuf`
 * are scratch of length >= maxQ (no allocation per frame).
 */
export function bandPeaksValleys(
  bands: ContrastBands,
  mag: Float64Array,
  peak: Float64Array,
  valley: Float64Array,
  outOffset: number,
  lowBuf: Float64Array,
  highBuf: Float64Array,
): void {
  const n = bands.start.length;
  for (let k = 0; k < n; k++) {
    const a = bands.start[k]!;
    const b = bands.end[k]!;
    const q = Math.min(bands.q[k]!, b - a);
    // lowBuf ascending (q smallest so far), highBuf descending (q largest so far).
    let filled = 0;
    for (let i = a; i < b; i++) {
      const v = mag[i]!;
      if (filled < q) {
        let j = filled - 1;
        while (j >= 0 && lowBuf[j]! > v) {
          lowBuf[j + 1] = lowBuf[j]!;
          j--;
        }
        lowBuf[j + 1] = v;
        j = filled - 1;
        while (j >= 0 && highBuf[j]! < v) {
          highBuf[j + 1] = highBuf[j]!;
          j--;
        }
        highBuf[j + 1] = v;
        filled++;
        continue;
      }
      if (v < lowBuf[q - 1]!) {
        let j = q - 2;
        while (j >= 0 && lowBuf[j]! > v) {
          lowBuf[j + 1] = lowBuf[j]!;
          j--;
        }
        lowBuf[j + 1] = v;
      }
      if (v > highBuf[q - 1]!) {
        let j = q - 2;
        while (j >= 0 && highBuf[j]! < v) {
          highBuf[j + 1] = highBuf[j]!;
          j--;
        }
        highBuf[j + 1] = v;
      }
    }
    let lo = 0;
    let hi = 0;
    for (let j = 0; j < q; j++) {
      lo += lowBuf[j]!;
      hi += highBuf[j]!;
    }
    valley[outOffset + k] = lo / q;
    peak[outOffset + k] = hi / q;
  }
}
