/**
 * librosa's mel filterbank (filters.mel with htk=False, norm='slaney'), stored sparse: each
 * triangle is non-zero over one contiguous run of FFT bins, so a frame costs about 2 x nBins
 * multiply-adds instead of nMels x nBins.
 */
import { bandedKernel } from './fft-simd.js';

/** A filterbank whose row r is `weights[offset[r] .. offset[r] + (end[r]-start[r])]` over bins start..end-1. */
export interface SparseBank {
  rows: number;
  start: Int32Array;
  end: Int32Array;
  offset: Int32Array;
  weights: Float64Array;
  /** The product in WebAssembly SIMD where it runs (features/fft-simd.ts): bit-identical. */
  simd?: ((x: Float64Array, out: Float64Array, outOffset: number) => void) | null;
}

const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOGSTEP = Math.log(6.4) / 27;

/** Slaney's mel scale (linear below 1 kHz, logarithmic above), as librosa.hz_to_mel(htk=False). */
export function hzToMel(hz: number): number {
  return hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOGSTEP : hz / F_SP;
}

export function melToHz(mel: number): number {
  return mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOGSTEP * (mel - MIN_LOG_MEL)) : F_SP * mel;
}

/** Build a sparse bank from a dense row generator, keeping each row's non-zero span. */
export function sparseFromDense(
  rows: number,
  bins: number,
  row: (r: number, out: Float64Array) => void,
): SparseBank {
  const start = new Int32Array(rows);
  const end = new Int32Array(rows);
  const offset = new Int32Array(rows);
  const dense = new Float64Array(bins);
  const kept: number[] = [];
  for (let r = 0; r < rows; r++) {
    dense.fill(0);
    row(r, dense);
    let a = 0;
    while (a < bins && dense[a] === 0) a++;
    let b = bins;
    while (b > a && dense[b - 1] === 0) b--;
    start[r] = a;
    end[r] = b;
    offset[r] = kept.length;
    for (let k = a; k < b; k++) kept.push(dense[k]!);
  }
  const weights = Float64Array.from(kept);
  return { rows, start, end, offset, weights, simd: bandedKernel(rows, start, end, offset, weights, bins) };
}

/**
 * filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=False, norm='slaney'). Weights are rounded to
 * float32 as librosa stores them (dtype=np.float32), so products match its to the last bit
 * that matters.
 */
export function melFilterbank(
  sampleRate: number,
  nFft: number,
  nMels: number,
  fmin: number,
  fmax: number,
): SparseBank {
  const bins = (nFft >> 1) + 1;
  const melMin = hzToMel(fmin);
  const melMax = hzToMel(fmax);
  // n_mels + 2 band edges equally spaced in mel.
  const edges = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) edges[i] = melToHz(melMin + ((melMax - melMin) * i) / (nMels + 1));
  const fftFreq = (k: number) => (k * sampleRate) / nFft;
  return sparseFromDense(nMels, bins, (r, out) => {
    const lo = edges[r]!;
    const mid = edges[r + 1]!;
    const hi = edges[r + 2]!;
    const enorm = 2 / (hi - lo);
    for (let k = 0; k < bins; k++) {
      const f = fftFreq(k);
      const lower = (f - lo) / (mid - lo);
      const upper = (hi - f) / (hi - mid);
      const w = Math.max(0, Math.min(lower, upper));
      out[k] = w > 0 ? Math.fround(Math.fround(w) * enorm) : 0;
    }
  });
}

/** out[r] = sum_k bank[r][k] * x[k] for every row. */
export function applySparse(bank: SparseBank, x: Float64Array, out: Float64Array, outOffset: number): void {
  if (bank.simd) {
    bank.simd(x, out, outOffset);
    return;
  }
  const { rows, start, end, offset, weights } = bank;
  for (let r = 0; r < rows; r++) {
    const a = start[r]!;
    const b = end[r]!;
    const o = offset[r]! - a;
    let acc = 0;
    for (let k = a; k < b; k++) acc += weights[o + k]! * x[k]!;
    out[outOffset + r] = acc;
  }
}
