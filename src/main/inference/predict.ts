/**
 * Classifying with a saved model folder: decode -> features with the model's own FeatureConfig
 * -> the model's normalisation -> crop/pad (clips longer than the model's input: probabilities
 * averaged over half-overlapping windows) -> softmax probabilities; for an ensemble, the mean of
 * its members' probabilities.
 */
import { basename } from 'node:path';
import { SerError } from '../../shared/errors.js';
import type { FeatureMatrix } from '../../shared/features.js';
import type { Prediction } from '../../shared/training.js';
import { decodeFile } from '../audio/decode.js';
import { assertSpeech } from '../audio/speech.js';
import { extractFeatures } from '../features/extract.js';
import { resolveModelRef } from './model-ref.js';
import { initBackend } from '../model/backend.js';
import { loadModelParts, type ModelMeta, type ModelPart } from '../model/folder.js';
import type { LayersModel } from '../model/tf.js';
import type { RunStore } from '../store/run-store.js';
import { meanProbs } from '../training/metrics.js';
import { modelProbs } from '../training/model-probs.js';
import { applyTemperature } from '../training/temperature.js';
import {
  applyNormalization,
  fitNormalization,
  preNormalize,
  singleClipNormalization,
} from '../training/normalise.js';
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

/** One model's class probabilities [n x k] for feature matrices. */
async function memberProbs(
  { meta, model }: ModelPart,
  mats: FeatureMatrix[],
  calibration?: readonly (SpeakerCalibration | null)[],
): Promise<Float32Array> {
  const mode = inputMode(meta);
  const typical = meta.inputNormalization?.typical ?? null;
  const speakers = meta.inputNormalization?.speakers;
  const pre = mats.map((m, i) => ({
    ...m,
    data:
      mode === 'speaker'
        ? // Older speaker-normalised folders have no typical speaker: the clip's own statistics.
          applyNormalization(
            m.data,
            calibration?.[i]?.stats ??
              (typical ? singleClipNormalization(m, typical, speakers) : fitNormalization([m])),
          )
        : preNormalize(m.data, m.width, mode, null),
  }));
  return modelProbs(model, meta, meta.labels.length, pre);
}

export interface AudioInput {
  samples: Float32Array;
  sampleRate: number;
  /** Shown as the prediction's path. */
  name?: string;
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
  }
  if (samples.length === 0) throw new SerError('EmptyAudio', `no audio samples: ${basename(name)}`, name);
  // Never an emotion for silence, a tone or noise: refused with the reason instead.
  assertSpeech(samples, sr, basename(name), name);
  const m = extractFeatures(samples, c.meta.featureConfig);
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
  return { path, label: labels[best]!, probabilities, duration };
}

export function disposeClassifier(c: Classifier): void {
  for (const m of c.members) m.model.dispose();
}
