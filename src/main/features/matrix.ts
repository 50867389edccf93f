/**
 * Views of a FeatureMatrix: the librosa-style `[coefficient][frame]` layout for JSON, and
 * per-column pooled statistics for the clip-level baseline.
 */
import {
  type FeatureLayout,
  type FeatureMatrix,
  type FeatureName,
  type PooledStats,
  REFERENCE_KEYS,
  featureRows,
} from '../../shared/features.js';
import { POOLED_VALUES, type PoolingKind } from '../../shared/training.js';
import { featureOffsets } from './extract.js';

/** One feature's rows as `[coefficient][frame]`; `delta` 1 or 2 reads the appended delta block. */
export function featureBlock(m: FeatureMatrix, name: FeatureName, delta: 0 | 1 | 2 = 0): number[][] {
  const cfg = m.config;
  const start = featureOffsets(cfg)[name];
  if (start === undefined) throw new Error(`feature ${name} is not in this matrix`);
  if (delta > cfg.deltas) throw new Error(`this matrix has no order-${delta} deltas`);
  const col0 = start + delta * (m.width / (1 + cfg.deltas));
  const rows = featureRows(name, cfg);
  const block: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const row = new Array<number>(m.frames);
    for (let t = 0; t < m.frames; t++) row[t] = m.data[t * m.width + col0 + r]!;
    block.push(row);
  }
  return block;
}

/**
 * The layout of ../shared/reference/librosa-features.json: `features[key][coefficient][frame]`
 * with librosa's key names (log_mel, spectral_contrast, ...); deltas as `<key>_delta` and
 * `<key>_delta2`, as librosa users usually name them.
 */
export function toLayout(m: FeatureMatrix, file?: string): FeatureLayout {
  const features: Record<string, number[][]> = {};
  for (const name of m.config.features) {
    const key = REFERENCE_KEYS[name];
    features[key] = featureBlock(m, name, 0);
    if (m.config.deltas >= 1) features[`${key}_delta`] = featureBlock(m, name, 1);
    if (m.config.deltas >= 2) features[`${key}_delta2`] = featureBlock(m, name, 2);
  }
  // Key order as in the reference file, so the two read side by side.
  return file === undefined
    ? { config: m.config, n_frames: m.frames, features }
    : { config: m.config, file, n_frames: m.frames, features };
}

/** What pooling reads of a matrix (calibration pools rows that carry no config). */
export type Poolable = Pick<FeatureMatrix, 'frames' | 'width' | 'data' | 'columns'>;

/** Mean and population standard deviation of every column over the frames. */
export function poolStats(m: Poolable): PooledStats {
  const { frames, width, data } = m;
  const mean = new Float64Array(width);
  const m2 = new Float64Array(width);
  for (let t = 0; t < frames; t++) {
    const o = t * width;
    for (let c = 0; c < width; c++) mean[c]! += data[o + c]!;
  }
  for (let c = 0; c < width; c++) mean[c]! /= Math.max(frames, 1);
  // Two passes (mean first) keep the variance exact for large offsets such as MFCC 0 (~ -500).
  for (let t = 0; t < frames; t++) {
    const o = t * width;
    for (let c = 0; c < width; c++) {
      const d = data[o + c]! - mean[c]!;
      m2[c]! += d * d;
    }
  }
  const std = new Float32Array(width);
  for (let c = 0; c < width; c++) std[c] = Math.sqrt(m2[c]! / Math.max(frames, 1));
  return { columns: [...m.columns], frames, mean: Float32Array.from(mean), std };
}

/**
 * A clip's pooled vector for the MLP: [mean..., std...] for 'mean-std'; for 'summary' those, then
 * the 10th, 50th and 90th percentiles (nearest rank) and the standard deviation of the
 * frame-to-frame difference of every column, block by block.
 */
export function poolMatrix(m: Poolable, pooling: PoolingKind = 'mean-std'): Float32Array {
  const base = pooledVector(poolStats(m));
  if (pooling === 'mean-std') return base;
  const { frames: n, width: w, data } = m;
  const out = new Float32Array(w * POOLED_VALUES.summary);
  out.set(base, 0);
  const col = new Float32Array(n);
  const ranks = [0.1, 0.5, 0.9].map((q) => Math.min(n - 1, Math.max(0, Math.round(q * (n - 1)))));
  for (let c = 0; c < w; c++) {
    for (let t = 0; t < n; t++) col[t] = data[t * w + c]!;
    // Difference statistics before sorting reorders the column.
    let dm = 0;
    for (let t = 1; t < n; t++) dm += col[t]! - col[t - 1]!;
    dm /= Math.max(1, n - 1);
    let dv = 0;
    for (let t = 1; t < n; t++) dv += (col[t]! - col[t - 1]! - dm) ** 2;
    out[5 * w + c] = Math.sqrt(dv / Math.max(1, n - 1));
    // Three order statistics, not a sorted column: each selection leaves everything below its
    // rank to its left, so the next one searches only what lies above (the same values as
    // sorting, without the sort's cost and allocation; measured ~30 % of the pooling).
    let lo = 0;
    for (const k of ranks) {
      if (k >= lo) selectRank(col, lo, n - 1, k);
      lo = k + 1;
    }
    out[2 * w + c] = col[ranks[0]!]!;
    out[3 * w + c] = col[ranks[1]!]!;
    out[4 * w + c] = col[ranks[2]!]!;
  }
  return out;
}

/**
 * Rearrange a[lo..hi] so a[k] holds the value sorting would put there, with nothing larger to
 * its left and nothing smaller to its right (quickselect, median-of-three pivot).
 */
function selectRank(a: Float32Array, lo: number, hi: number, k: number): void {
  while (hi - lo >= 16) {
    const x = a[lo]!;
    const y = a[(lo + hi) >> 1]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return; // a[j+1 .. i-1] all equal the pivot
  }
  // A short range: insertion sort.
  for (let i = lo + 1; i <= hi; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= lo && a[j]! > v) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = v;
  }
}

/** [mean..., std...] as one vector, the baseline's input row. */
export function pooledVector(stats: PooledStats): Float32Array {
  const v = new Float32Array(stats.mean.length * 2);
  v.set(stats.mean, 0);
  v.set(stats.std, stats.mean.length);
  return v;
}
