/**
 * Honest confidence: temperature scaling (Guo et al., 2017, "On Calibration of Modern Neural
 * Networks") and the numbers that say whether it worked. One temperature T is fitted after
 * training on the validation speakers' predictions (never the test speakers'), minimising their
 * negative log-likelihood; inference then answers softmax(log p / T), which for a softmax output
 * p = softmax(z) is softmax(z / T): the same ranking (accuracy unchanged), softer or sharper
 * probabilities. An ensemble's averaged probabilities are scaled the same way.
 *
 * ECE (expected calibration error): clips binned by their top probability into 15 equal-width
 * bins; the mean over bins, weighted by clip count, of |accuracy - mean top probability|.
 */
import type { FeatureMatrix } from '../../shared/features.js';
import type { ConfidenceReport, TemperatureFit } from '../../shared/training.js';
import type { ModelMeta } from '../model/folder.js';
import type { LayersModel } from '../model/tf.js';
import { meanProbs } from './metrics.js';
import type { PooledCentres } from './pooled-centre.js';
import { modelProbs, type ModelPartSpec } from './model-probs.js';

/** Probabilities below this are taken as this before the log (float32 softmax underflow). */
const FLOOR = 1e-30;
const ECE_BINS = 15;
/** The temperature is searched in [1/20, 20]. */
const LOG_T_RANGE = [Math.log(1 / 20), Math.log(20)] as const;

/** softmax(log p / T) of each row of `probs` [n x k], into a new array. T = 1 returns a copy. */
export function applyTemperature(probs: ArrayLike<number>, k: number, temperature: number): Float32Array {
  const out = Float32Array.from(probs);
  if (temperature === 1) return out;
  const logits = new Float64Array(k);
  for (let r = 0; r * k < out.length; r++) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) {
      logits[j] = Math.log(Math.max(out[r * k + j]!, FLOOR)) / temperature;
      max = Math.max(max, logits[j]!);
    }
    let sum = 0;
    for (let j = 0; j < k; j++) sum += logits[j] = Math.exp(logits[j]! - max);
    for (let j = 0; j < k; j++) out[r * k + j] = logits[j]! / sum;
  }
  return out;
}

/** Mean negative log-likelihood of the true classes `y` under `probs` [n x k]. */
export function negLogLikelihood(probs: ArrayLike<number>, k: number, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s -= Math.log(Math.max(probs[i * k + y[i]!]!, FLOOR));
  return s / Math.max(1, y.length);
}

/** Expected calibration error over 15 equal-width bins of the top probability. */
export function expectedCalibrationError(probs: ArrayLike<number>, k: number, y: ArrayLike<number>): number {
  const n = y.length;
  const count = new Float64Array(ECE_BINS);
  const conf = new Float64Array(ECE_BINS);
  const correct = new Float64Array(ECE_BINS);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (probs[i * k + j]! > probs[i * k + best]!) best = j;
    const p = probs[i * k + best]!;
    const b = Math.min(ECE_BINS - 1, Math.floor(p * ECE_BINS));
    count[b]!++;
    conf[b]! += p;
    if (best === y[i]) correct[b]!++;
  }
  let ece = 0;
  for (let b = 0; b < ECE_BINS; b++)
    if (count[b]! > 0) ece += Math.abs(correct[b]! - conf[b]!) / Math.max(1, n);
  return ece;
}

/**
 * The temperature minimising the NLL of `y` under softmax(log probs / T): golden-section search
 * over log T in [1/20, 20] (the NLL is convex in 1/T, so one minimum). With the report of NLL and
 * ECE before (T = 1) and after.
 */
export function fitTemperature(probs: ArrayLike<number>, k: number, y: ArrayLike<number>): TemperatureFit {
  const nll = (logT: number) => negLogLikelihood(applyTemperature(probs, k, Math.exp(logT)), k, y);
  const g = (Math.sqrt(5) - 1) / 2;
  let [a, b] = LOG_T_RANGE;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = nll(c);
  let fd = nll(d);
  for (let it = 0; it < 60 && b - a > 1e-4; it++) {
    if (fc < fd) {
      [b, d, fd] = [d, c, fc];
      c = b - g * (b - a);
      fc = nll(c);
    } else {
      [a, c, fc] = [c, d, fd];
      d = a + g * (b - a);
      fd = nll(d);
    }
  }
  const temperature = Number(Math.exp((a + b) / 2).toFixed(4));
  return {
    temperature,
    clips: y.length,
    before: confidenceOf(probs, k, y, null),
    after: confidenceOf(applyTemperature(probs, k, temperature), k, y, temperature),
  };
}

/** NLL and ECE of probabilities (already scaled by `temperature`, or raw when null). */
export function confidenceOf(
  probs: ArrayLike<number>,
  k: number,
  y: ArrayLike<number>,
  temperature: number | null,
): ConfidenceReport {
  return {
    temperature,
    nll: Number(negLogLikelihood(probs, k, y).toFixed(4)),
    ece: Number(expectedCalibrationError(probs, k, y).toFixed(4)),
  };
}

/**
 * The temperatures of a trained model (every member, probabilities averaged as inference does)
 * from its validation clips: `single` on the clips as inference sees a clip alone, `calibrated`
 * (per-speaker models) on the clips standardised by their own speaker's statistics. Null without
 * validation clips.
 */
export async function fitModelTemperature(
  parts: readonly { model: LayersModel; spec: ModelPartSpec }[],
  k: number,
  y: Int32Array,
  single: readonly FeatureMatrix[],
  calibrated: readonly FeatureMatrix[] | null,
  centres: { single: PooledCentres | null; calibrated: readonly (PooledCentres | null)[] } | null = null,
): Promise<ModelMeta['temperature'] | null> {
  if (y.length === 0) return null;
  const probsOf = async (mats: readonly FeatureMatrix[], c?: readonly (PooledCentres | null)[]) =>
    meanProbs(await Promise.all(parts.map((p) => modelProbs(p.model, p.spec, k, mats, c))));
  const fitSingle = fitTemperature(
    await probsOf(single, centres ? single.map(() => centres.single) : undefined),
    k,
    y,
  );
  if (!calibrated) return { single: fitSingle };
  return {
    single: fitSingle,
    calibrated: fitTemperature(await probsOf(calibrated, centres?.calibrated), k, y),
  };
}
