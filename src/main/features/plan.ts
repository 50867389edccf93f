/**
 * Everything that depends only on the FeatureConfig (window, FFT tables, filterbanks, DCT
 * matrix, band layout, scratch buffers), built once per config and memoised, so extracting a
 * clip allocates only its output.
 */
import { bandedKernel } from './fft-simd.js';
import { type FeatureConfig, melFmax } from '../../shared/features.js';
import { type CsrBank, chromaFilterbank } from './chroma.js';
import { type ContrastBands, contrastBands } from './contrast.js';
import { configKey, parseFeatureConfig } from './config.js';
import { RealFft } from './fft.js';
import { type SparseBank, melFilterbank } from './mel.js';
import { PitchTracker } from './pitch.js';

export interface Plan {
  readonly key: string;
  readonly cfg: FeatureConfig;
  readonly bins: number;
  readonly window: Float64Array;
  readonly fft: RealFft;
  readonly mel: SparseBank | null;
  /** DCT-II (orthonormal) rows folded to the first ceil(nMels/2) columns: [nMfcc][ceil(nMels/2)]. */
  readonly dctFold: Float64Array | null;
  readonly foldSum: Float64Array;
  readonly foldDiff: Float64Array;
  /**
   * The MFCC rows in WebAssembly SIMD where it runs: the even rows from foldSum, the odd rows from
   * foldDiff, each a banded product (fft-simd.ts) adding the same terms in the same order as
   * dctFrames' loop, so bit-identical; null: the loop runs.
   */
  readonly dctSimd: DctSimd | null;
  readonly chroma: CsrBank | null;
  readonly contrast: ContrastBands | null;
  readonly pitch: PitchTracker | null;
  /** Bin centre frequencies in Hz (fft_frequencies). */
  readonly freqs: Float64Array;
  /** Per-frame scratch. */
  readonly power: Float64Array;
  readonly magnitude: Float64Array;
  readonly chromaRow: Float64Array;
  readonly lowBuf: Float64Array;
  readonly highBuf: Float64Array;
  /** Per-clip scratch, grown on demand. */
  scratch: Float64Array;
  zcScratch: Int32Array;
}

/** scipy.signal.get_window('hann', n, fftbins=True): the periodic Hann window. */
export function hannPeriodic(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/** scipy.fftpack.dct(type=2, norm='ortho') as a matrix, first `rows` rows. */
export function dctMatrix(rows: number, n: number): Float64Array {
  const m = new Float64Array(rows * n);
  for (let k = 0; k < rows; k++) {
    const scale = k === 0 ? Math.sqrt(1 / n) : Math.sqrt(2 / n);
    for (let i = 0; i < n; i++) m[k * n + i] = scale * Math.cos((Math.PI * k * (2 * i + 1)) / (2 * n));
  }
  return m;
}

/** The first ceil(n/2) columns of each DCT row: the rest mirror them (sign (-1)^k). */
function foldDct(m: Float64Array, rows: number, n: number): Float64Array {
  const fw = (n + 1) >> 1;
  const f = new Float64Array(rows * fw);
  for (let k = 0; k < rows; k++) for (let i = 0; i < fw; i++) f[k * fw + i] = m[k * n + i]!;
  return f;
}

const MAX_PLANS = 8;
const plans = new Map<string, Plan>();

export function getPlan(cfg: FeatureConfig): Plan {
  const key = configKey(cfg);
  const hit = plans.get(key);
  if (hit) {
    // Refresh recency so the few configs in use stay resident.
    plans.delete(key);
    plans.set(key, hit);
    return hit;
  }
  // Checked once per config, so a bad one fails with a ValidationError naming the field.
  const plan = buildPlan(parseFeatureConfig(cfg), key);
  plans.set(key, plan);
  if (plans.size > MAX_PLANS) plans.delete(plans.keys().next().value!);
  return plan;
}

export interface DctSimd {
  even: (x: Float64Array, out: Float64Array, outOffset: number) => void;
  odd: (x: Float64Array, out: Float64Array, outOffset: number) => void;
  /** Rows 0, 2, 4, ... and 1, 3, 5, ... of the last frame. */
  evenOut: Float64Array;
  oddOut: Float64Array;
}

function dctSimd(nMfcc: number, nMels: number): DctSimd | null {
  const fold = foldDct(dctMatrix(nMfcc, nMels), nMfcc, nMels);
  const fw = (nMels + 1) >> 1;
  const bank = (parity: number) => {
    const rows: number[] = [];
    for (let k = parity; k < nMfcc; k += 2) rows.push(k);
    if (rows.length === 0) return null;
    const weights = new Float64Array(rows.length * fw);
    rows.forEach((k, i) => weights.set(fold.subarray(k * fw, (k + 1) * fw), i * fw));
    const start = new Int32Array(rows.length);
    const end = new Int32Array(rows.length).fill(fw);
    const offset = Int32Array.from(rows, (_, i) => i * fw);
    return bandedKernel(rows.length, start, end, offset, weights, fw);
  };
  const even = bank(0);
  const odd = bank(1);
  if (!even || !odd) return null;
  return {
    even,
    odd,
    evenOut: new Float64Array((nMfcc + 1) >> 1),
    oddOut: new Float64Array(nMfcc >> 1),
  };
}

function buildPlan(cfg: FeatureConfig, key: string): Plan {
  const bins = (cfg.nFft >> 1) + 1;
  const wants = new Set(cfg.features);
  const needMel = wants.has('mfcc') || wants.has('logmel');
  const contrast = wants.has('contrast')
    ? contrastBands(cfg.sampleRate, cfg.nFft, cfg.contrastBands, cfg.contrastFmin)
    : null;
  const freqs = new Float64Array(bins);
  for (let k = 0; k < bins; k++) freqs[k] = (k * cfg.sampleRate) / cfg.nFft;
  return {
    key,
    cfg: { ...cfg, features: [...cfg.features] },
    bins,
    window: hannPeriodic(cfg.nFft),
    fft: new RealFft(cfg.nFft),
    mel: needMel ? melFilterbank(cfg.sampleRate, cfg.nFft, cfg.nMels, cfg.fmin, melFmax(cfg)) : null,
    dctFold: wants.has('mfcc') ? foldDct(dctMatrix(cfg.nMfcc, cfg.nMels), cfg.nMfcc, cfg.nMels) : null,
    foldSum: new Float64Array((cfg.nMels + 1) >> 1),
    foldDiff: new Float64Array((cfg.nMels + 1) >> 1),
    dctSimd: wants.has('mfcc') ? dctSimd(cfg.nMfcc, cfg.nMels) : null,
    chroma: wants.has('chroma') ? chromaFilterbank(cfg.sampleRate, cfg.nFft, cfg.nChroma) : null,
    contrast,
    pitch: wants.has('pitch') ? new PitchTracker(cfg.sampleRate) : null,
    freqs,
    power: new Float64Array(bins),
    magnitude: new Float64Array(bins),
    chromaRow: new Float64Array(cfg.nChroma),
    lowBuf: new Float64Array(contrast?.maxQ ?? 1),
    highBuf: new Float64Array(contrast?.maxQ ?? 1),
    scratch: new Float64Array(0),
    zcScratch: new Int32Array(0),
  };
}
