/**
 * Classifying with a saved model folder: decode -> features with the model's own FeatureConfig
 * -> the model's normalisation -> crop/pad (clips longer than the model's input: probabilities
 * averaged over half-overlapping windows) -> softmax probabilities; for an ensemble, the mean of
 * its members' probabilities.
 */
import { basename } from 'node:path';
import { isUncertain } from '../../shared/confidence.js';
import { SerError } from '../../shared/errors.js';
import type { FeatureConfig, FeatureMatrix } from '../../shared/features.js';
import type { Prediction } from '../../shared/training.js';
import { decodeFile } from '../audio/decode.js';
import { assertSpeech } from '../audio/speech.js';
import { extractFeatures } from '../features/extract.js';
import { poolMatrix } from '../features/matrix.js';
import { denseChainOf, denseChainPredict, disposeDenseChain, type DenseChain } from './dense-chain.js';
import { resolveModelRef } from './model-ref.js';
import { initBackend } from '../model/backend.js';
import { loadModelParts, type ModelMeta, type ModelPart } from '../model/folder.js';
import type { LayersModel } from '../model/tf.js';
import type { RunStore } from '../store/run-store.js';
import { meanProbs } from '../training/metrics.js';
import { modelProbs } from '../training/model-probs.js';
import { applyTemperature } from '../training/temperature.js';
import { applyNormalization, fitNormalization, preNormalize } from '../training/normalise.js';
import { centred } from '../training/pooled-centre.js';
import { calibrationInfo, expectsCalibration, inputMode, type SpeakerCalibration } from './calibration.js';

export interface Classifier {
  /** The folder's own model (an ensemble's first member). */
  model: LayersModel;
  meta: ModelMeta;
  /** Every member, the folder's own model first; one entry for a single model. */
  members: ModelPart[];
  labels: string[];
  /** The model folder. */
  dir: string;
  /** The run that produced it, when loaded by run id. */
  runId: string | null;
}

export { defaultModelDir } from './model-ref.js';

/** Load a classifier from a model reference (model-ref.ts: a folder, `default`, or a run id in `store`). */
export async function loadClassifier(ref: string = 'default', store?: RunStore | null): Promise<Classifier> {
  await initBackend();
  const { dir, runId } = resolveModelRef(ref, { store });
  const members = await loadModelParts(dir);
  const { model, meta } = members[0]!;
  return { model, meta, members, labels: meta.labels, dir, runId };
}

/**
 * Class probabilities for feature matrices, row-major [n x k]. For a model that expects
 * calibration, `calibration[i]` (clip i's speaker statistics) is applied first; a clip without
 * one is standardised like a typical training speaker (uncalibrated). The model's temperature
 * (meta.temperature, fitted on validation speakers) scales the result unless `temperature` is
 * false (the raw probabilities, for reporting what it changed).
 */
export async function classifyMatrices(
  c: Classifier,
  mats: FeatureMatrix[],
  calibration?: readonly (SpeakerCalibration | null)[],
  opts: { temperature?: boolean } = {},
): Promise<Float32Array> {
  const all: Float32Array[] = [];
  for (const m of c.members) all.push(await memberProbs(m, mats, calibration));
  const probs = meanProbs(all);
  return opts.temperature === false ? probs : scaleByTemperature(c.meta, probs, calibration);
}

/**
 * The temperature each clip's probabilities get: a calibrated clip the one fitted on calibrated
 * validation clips (when the model has one), any other the single-clip one; 1 for models saved
 * without a temperature.
 */
export function temperatureFor(meta: ModelMeta, calibrated: boolean): number {
  const t = meta.temperature;
  if (!t) return 1;
  return calibrated && t.calibrated ? t.calibrated.temperature : t.single.temperature;
}

/** Raw probabilities [n x k] scaled by the model's temperature (temperatureFor each clip). */
export function scaleByTemperature(
  meta: ModelMeta,
  probs: Float32Array,
  calibration?: readonly (SpeakerCalibration | null)[],
): Float32Array {
  if (!meta.temperature) return probs;
  const k = meta.labels.length;
  const out = new Float32Array(probs.length);
  for (let i = 0; i * k < probs.length; i++) {
    const row = probs.subarray(i * k, (i + 1) * k);
    out.set(applyTemperature(row, k, temperatureFor(meta, Boolean(calibration?.[i]))), i * k);
  }
  return out;
}

/**
 * Each pooled member's dense chain (dense-chain.ts), built on first use; null for a model that
 * is not one (it predicts through the layers model).
 */
const chains = new WeakMap<LayersModel, DenseChain | null>();

function chainFor({ meta, model }: ModelPart): DenseChain | null {
  if (!meta.input.pooled) return null;
  let chain = chains.get(model);
  if (chain === undefined) {
    chain = denseChainOf(model);
    if (chain && chain.inputs !== meta.input.width) {
      disposeDenseChain(chain);
      chain = null;
    }
    chains.set(model, chain);
  }
  return chain;
}

/** One model's class probabilities [n x k] for feature matrices. */
async function memberProbs(
  part: ModelPart,
  mats: FeatureMatrix[],
  calibration?: readonly (SpeakerCalibration | null)[],
): Promise<Float32Array> {
  const { meta, model } = part;
  const mode = inputMode(meta);
  const typical = meta.inputNormalization?.typical ?? null;
  const pre = mats.map((m, i) => ({
    ...m,
    data:
      mode === 'speaker'
        ? // Older speaker-normalised folders have no typical speaker: the clip's own statistics.
          applyNormalization(m.data, calibration?.[i]?.stats ?? typical ?? fitNormalization([m]))
        : preNormalize(m.data, m.width, mode, null),
  }));
  // Speaker centring (pooled-centre.ts): a calibrated clip its speaker's centres, a clip alone
  // the typical speaker's; none for models trained without it.
  const typicalCentres = mode === 'speaker' ? (meta.inputNormalization?.pooledCentres ?? null) : null;
  const centres = pre.map((_, i) => (typicalCentres ? (calibration?.[i]?.centres ?? typicalCentres) : null));
  const chain = chainFor(part);
  if (!chain) return modelProbs(model, meta, meta.labels.length, pre, centres);
  // What modelProbs does for a pooled model, without the layers model's per-call cost.
  const rows = new Float32Array(pre.length * chain.inputs);
  const pooling = meta.modelConfig.pooling ?? 'mean-std';
  pre.forEach((m, i) => {
    const v = applyNormalization(centred(poolMatrix(m, pooling), centres[i]?.[pooling]), meta.normalization);
    if (v.length !== chain.inputs) {
      throw new SerError(
        'ModelError',
        `pooled features are ${v.length} wide but the model expects ${chain.inputs}`,
      );
    }
    rows.set(v, i * chain.inputs);
  });
  return denseChainPredict(chain, rows);
}

export interface AudioInput {
  samples: Float32Array;
  sampleRate: number;
  /** Shown as the prediction's path. */
  name?: string;
  /** Work already done on these samples in the same request (ClipMemo). */
  memo?: ClipMemo;
}

/**
 * What classify computes per clip before predicting, kept by samples array for one request to
 * one model: the app classifies a calibrated speaker's file twice (calibrated and not) after its
 * features calibrated the model, which would otherwise check and extract the same clip three times.
 */
export class ClipMemo {
  private readonly matrices = new WeakMap<Float32Array, FeatureMatrix>();
  private readonly speech = new WeakSet<Float32Array>();

  constructor(private readonly cfg: FeatureConfig) {}

  features(samples: Float32Array): FeatureMatrix {
    let m = this.matrices.get(samples);
    if (!m) {
      m = extractFeatures(samples, this.cfg);
      this.matrices.set(samples, m);
    }
    return m;
  }

  /** assertSpeech, once per samples array (it throws the same NoSpeech on every call). */
  assertSpeech(samples: Float32Array, rate: number, name: string, path: string): void {
    if (this.speech.has(samples)) return;
    assertSpeech(samples, rate, name, path);
    this.speech.add(samples);
  }
}

/**
 * Classify a file (path) or decoded audio at the model's sample rate; `calibration`: its
 * speaker's statistics (calibrationFrom), used by models that expect calibration.
 */
export async function classify(
  c: Classifier,
  input: string | AudioInput,
  calibration: SpeakerCalibration | null = null,
): Promise<Prediction> {
  const sr = c.meta.featureConfig.sampleRate;
  let samples: Float32Array;
  let name: string;
  let warnings: string[] = [];
  let memo: ClipMemo | undefined;
  if (typeof input === 'string') {
    const audio = await decodeFile(input, { targetRate: sr });
    samples = audio.samples;
    warnings = audio.warnings;
    name = input;
  } else {
    if (input.sampleRate !== sr) {
      throw new SerError(
        'ValidationError',
        `audio is at ${input.sampleRate} Hz but the model needs ${sr} Hz`,
      );
    }
    samples = input.samples;
    name = input.name ?? 'audio';
    memo = input.memo;
  }
  if (samples.length === 0) throw new SerError('EmptyAudio', `no audio samples: ${basename(name)}`, name);
  // Never an emotion for silence, a tone or noise: refused with the reason instead.
  if (memo) memo.assertSpeech(samples, sr, basename(name), name);
  else assertSpeech(samples, sr, basename(name), name);
  const m = memo ? memo.features(samples) : extractFeatures(samples, c.meta.featureConfig);
  const probs = await classifyMatrices(c, [m], [calibration]);
  const p = toPrediction(c.meta.labels, probs, name, samples.length / sr);
  const withCal = expectsCalibration(c.meta) ? { ...p, calibration: calibrationInfo(calibration) } : p;
  return warnings.length ? { ...withCal, warnings } : withCal;
}

export function toPrediction(
  labels: string[],
  probs: ArrayLike<number>,
  path: string,
  duration: number,
  row = 0,
): Prediction {
  const k = labels.length;
  const probabilities: Record<string, number> = {};
  let best = 0;
  for (let j = 0; j < k; j++) {
    probabilities[labels[j]!] = probs[row * k + j]!;
    if (probs[row * k + j]! > probs[row * k + best]!) best = j;
  }
  return { path, label: labels[best]!, probabilities, duration, uncertain: isUncertain(probabilities) };
}

export function disposeClassifier(c: Classifier): void {
  for (const m of c.members) {
    const chain = chains.get(m.model);
    if (chain) disposeDenseChain(chain);
    chains.delete(m.model);
    m.model.dispose();
  }
}
