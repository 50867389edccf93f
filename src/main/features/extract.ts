/**
 * Turn samples into a frame-major feature matrix, following librosa 0.10's definitions:
 * centred frames (zero padding), periodic Hann, |STFT|^2 -> slaney mel -> power_to_db (the
 * log-mel) -> orthonormal DCT-II (MFCC); chroma_stft (tuning 0, max-normalised per frame);
 * spectral_contrast on |STFT|; spectral_centroid; rms of the windowed frames, as
 * librosa.feature.rms(S=|STFT|) gives it (the reference's and the seed's definition; by
 * Parseval it is sqrt(mean((hann * frame)^2)), so we take it in the time domain);
 * zero_crossing_rate (frame length nFft, edge padding); deltas by librosa.feature.delta
 * (width 9, mode 'interp'); pitch is our own F0 tracker (pitch.ts), on the same frame centres.
 *
 * One pass over the frames computes every spectral feature; only what needs a clip-wide
 * maximum (power_to_db's top_db floor) waits for a second pass.
 */
import { SerError } from '../../shared/errors.js';
import { normaliseLevel } from '../audio/level.js';
import { trimSilence } from '../audio/trim.js';
import {
  type FeatureConfig,
  type FeatureMatrix,
  type FeatureName,
  featureColumns,
  featureRows,
  frameWidth,
} from '../../shared/features.js';
import { applyCsr } from './chroma.js';
import { bandPeaksValleys } from './contrast.js';
import { deltaColumns } from './delta.js';
import { applySparse } from './mel.js';
import { type Plan, getPlan } from './plan.js';
import { frameCount, zeroCrossingRate } from './time-domain.js';

/** librosa.power_to_db defaults. */
const AMIN = 1e-10;
const TOP_DB = 80;
const DB_PER_NEPER = 10 / Math.LN10;
const DELTA_WIDTH = 9;
/**
 * Per-clip scratch up to this many elements stays with the plan for the next clip (a RAVDESS
 * clip needs ~16k); a long file's larger buffers are left to the garbage collector.
 */
const KEEP_SCRATCH = 1 << 21;
/** np.finfo(np.float32).tiny: librosa.util.normalize leaves columns below it unscaled. */
const TINY = 1.1754943508222875e-38;

/** Column where each feature starts in a frame (before deltas). */
export function featureOffsets(cfg: FeatureConfig): Partial<Record<FeatureName, number>> {
  const offsets: Partial<Record<FeatureName, number>> = {};
  let col = 0;
  for (const f of cfg.features) {
    offsets[f] = col;
    col += featureRows(f, cfg);
  }
  return offsets;
}

/**
 * Features of one mono clip at cfg.sampleRate. The samples must be finite and not empty
 * (FeatureError); each distinct config is validated once (ValidationError naming the field).
 * With cfg.levelDbfs set, the clip is first scaled to that active-speech level, and with
 * cfg.trimDb its leading and trailing silence is cut: the one place every path (training,
 * augmented copies, inference, evaluation, calibration, live mode) passes.
 */
export function extractFeatures(input: Float32Array, cfg: FeatureConfig): FeatureMatrix {
  if (input.length === 0) throw new SerError('FeatureError', 'cannot extract features from zero samples');
  for (let i = 0; i < input.length; i++) {
    if (!Number.isFinite(input[i]!)) {
      throw new SerError('FeatureError', `sample ${i} is not finite (${input[i]}); audio must be finite`);
    }
  }
  const levelled = cfg.levelDbfs != null ? normaliseLevel(input, cfg.sampleRate, cfg.levelDbfs) : input;
  const samples = cfg.trimDb != null ? trimSilence(levelled, cfg.trimDb, cfg.nFft, cfg.hopLength) : levelled;
  const n = samples.length;
  const plan = getPlan(cfg);
  const frames = frameCount(n, cfg.nFft, cfg.hopLength);
  const width = frameWidth(cfg);
  const baseWidth = width / (1 + cfg.deltas);
  const out = new Float32Array(frames * width);
  const off = featureOffsets(cfg);

  spectralPass(plan, samples, frames, out, width, off);
  if (off.zcr !== undefined) {
    const prefix = plan.zcScratch.length > n ? plan.zcScratch : new Int32Array(n + 1);
    if (n + 1 <= KEEP_SCRATCH) plan.zcScratch = prefix;
    zeroCrossingRate(samples, cfg.nFft, cfg.hopLength, frames, out, width, off.zcr, prefix);
  }
  if (plan.pitch && off.pitch !== undefined) {
    plan.pitch.track(samples, cfg.hopLength, frames, out, width, off.pitch);
  }
  for (let d = 1; d <= cfg.deltas; d++) {
    deltaColumns(out, width, 0, baseWidth, frames, d, DELTA_WIDTH, out, d * baseWidth);
  }
  return { frames, width, data: out, columns: featureColumns(cfg), config: plan.cfg };
}

function ensureScratch(plan: Plan, size: number): Float64Array {
  if (plan.scratch.length >= size) return plan.scratch;
  const scratch = new Float64Array(size);
  if (size <= KEEP_SCRATCH) plan.scratch = scratch;
  return scratch;
}

function spectralPass(
  plan: Plan,
  y: Float32Array,
  frames: number,
  out: Float32Array,
  stride: number,
  off: Partial<Record<FeatureName, number>>,
): void {
  const { cfg, fft, window, power, magnitude, freqs, bins } = plan;
  const nFft = cfg.nFft;
  const hop = cfg.hopLength;
  const half = nFft >> 1;
  const nMels = cfg.nMels;
  const mel = plan.mel;
  const chroma = plan.chroma;
  const contrast = plan.contrast;
  const nBands = contrast ? contrast.start.length : 0;
  const needMag = contrast !== null || off.centroid !== undefined;
  const needFft = mel !== null || chroma !== null || needMag;
  if (!needFft && off.rms === undefined) return;

  // Clip-wide scratch: mel power [frames][nMels], then peaks and valleys [frames][nBands].
  const melSize = mel ? frames * nMels : 0;
  const scratch = ensureScratch(plan, melSize + 2 * frames * nBands);
  const melPow = scratch.subarray(0, melSize);
  const peak = scratch.subarray(melSize, melSize + frames * nBands);
  const valley = scratch.subarray(melSize + frames * nBands, melSize + 2 * frames * nBands);
  const chromaRow = plan.chromaRow;
  const nChroma = cfg.nChroma;

  for (let t = 0; t < frames; t++) {
    const energy = fft.loadFrame(y, t * hop - half, window);
    if (off.rms !== undefined) out[t * stride + off.rms] = Math.sqrt(energy / nFft);
    if (!needFft) continue;
    fft.spectrum(power, needMag ? magnitude : undefined);

    if (mel) applySparse(mel, power, melPow, t * nMels);
    if (chroma) {
      applyCsr(chroma, power, chromaRow, 0);
      let max = 0;
      for (let c = 0; c < nChroma; c++) if (chromaRow[c]! > max) max = chromaRow[c]!;
      const scale = max < TINY ? 1 : 1 / max;
      const o = t * stride + off.chroma!;
      for (let c = 0; c < nChroma; c++) out[o + c] = chromaRow[c]! * scale;
    }
    if (contrast) bandPeaksValleys(contrast, magnitude, peak, valley, t * nBands, plan.lowBuf, plan.highBuf);
    if (off.centroid !== undefined) {
      let num = 0;
      let den = 0;
      for (let k = 0; k < bins; k++) {
        const m = magnitude[k]!;
        num += freqs[k]! * m;
        den += m;
      }
      out[t * stride + off.centroid] = den < TINY ? num : num / den;
    }
  }

  if (mel) {
    powerToDb(melPow);
    if (off.logmel !== undefined) {
      const col = off.logmel;
      for (let t = 0; t < frames; t++) {
        const o = t * stride + col;
        const m = t * nMels;
        for (let i = 0; i < nMels; i++) out[o + i] = melPow[m + i]!;
      }
    }
    if (plan.dctFold && off.mfcc !== undefined) dctFrames(plan, melPow, frames, out, stride, off.mfcc);
  }
  if (contrast) {
    // librosa applies power_to_db (with its clip-wide top_db floor) to peaks and valleys apart.
    powerToDb(peak);
    powerToDb(valley);
    const col = off.contrast!;
    for (let t = 0; t < frames; t++) {
      const o = t * stride + col;
      const m = t * nBands;
      for (let k = 0; k < nBands; k++) out[o + k] = peak[m + k]! - valley[m + k]!;
    }
  }
}

/** librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=80) in place, over the whole array. */
export function powerToDb(s: Float64Array): void {
  let max = -Infinity;
  for (let i = 0; i < s.length; i++) {
    // ln scaled to dB: about twice as fast as Math.log10 in V8, equal to within an ulp or two.
    const v = DB_PER_NEPER * Math.log(s[i]! > AMIN ? s[i]! : AMIN);
    s[i] = v;
    if (v > max) max = v;
  }
  const floor = max - TOP_DB;
  for (let i = 0; i < s.length; i++) if (s[i]! < floor) s[i] = floor;
}

/**
 * MFCC rows of every frame: out = DCT * logmel. The DCT-II basis is symmetric about the middle
 * for even k and antisymmetric for odd k, so folding the input first halves the work.
 */
function dctFrames(
  plan: Plan,
  logMel: Float64Array,
  frames: number,
  out: Float32Array,
  stride: number,
  col: number,
): void {
  const { dctFold, foldSum, foldDiff } = plan;
  const nMels = plan.cfg.nMels;
  const nMfcc = plan.cfg.nMfcc;
  const h = nMels >> 1;
  const odd = nMels & 1;
  const fw = h + odd;
  for (let t = 0; t < frames; t++) {
    const m = t * nMels;
    for (let i = 0; i < h; i++) {
      const a = logMel[m + i]!;
      const b = logMel[m + nMels - 1 - i]!;
      foldSum[i] = a + b;
      foldDiff[i] = a - b;
    }
    // An odd length's middle sample belongs to the even rows only (odd rows are 0 there).
    if (odd) {
      foldSum[h] = logMel[m + h]!;
      foldDiff[h] = 0;
    }
    const o = t * stride + col;
    if (plan.dctSimd) {
      const { even, odd, evenOut, oddOut } = plan.dctSimd;
      even(foldSum, evenOut, 0);
      odd(foldDiff, oddOut, 0);
      for (let k = 0; k < nMfcc; k++) out[o + k] = (k & 1) === 0 ? evenOut[k >> 1]! : oddOut[k >> 1]!;
      continue;
    }
    for (let k = 0; k < nMfcc; k++) {
      const src = (k & 1) === 0 ? foldSum : foldDiff;
      const r = k * fw;
      let acc = 0;
      for (let i = 0; i < fw; i++) acc += dctFold![r + i]! * src[i]!;
      out[o + k] = acc;
    }
  }
}
