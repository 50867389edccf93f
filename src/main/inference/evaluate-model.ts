/**
 * A saved model on a dataset: features of every clip whose label the model knows (optionally
 * only some speakers), class probabilities, metrics, accuracy per speaker. With `calibrate:
 * 'speaker'`, a model trained with per-speaker normalisation gets each speaker's statistics from
 * that speaker's clips in the set (labels unused); without it every clip is classified alone.
 */
import { speakerAccuracy, type ClipResult } from '../../shared/clips.js';
import type { DatasetItem, DatasetScan } from '../../shared/dataset.js';
import { SerError } from '../../shared/errors.js';
import type { FeatureMatrix } from '../../shared/features.js';
import type { CalibrationInfo, Evaluation } from '../../shared/training.js';
import { extractMany, isExtractError } from '../features/worker-pool.js';
import { argmaxRows, evaluate } from '../training/metrics.js';
import { matchSpeakers, sortSpeakers } from '../training/splits.js';
import { calibrationFrom, expectsCalibration, type SpeakerCalibration } from './calibration.js';
import { confidenceOf } from '../training/temperature.js';
import { classifyMatrices, scaleByTemperature, temperatureFor, type Classifier } from './predict.js';

export interface ModelEvaluation {
  evaluation: Evaluation;
  /** Each clip evaluated, in the order of the scan. */
  clips: ClipResult[];
  /** Clips left out: labels the model does not know, or files that failed. */
  skipped: { path: string; reason: string }[];
  /** For models that expect calibration: what calibrated the clips. */
  calibration?: CalibrationInfo;
}

export async function evaluateModel(
  c: Classifier,
  scan: DatasetScan,
  opts: {
    speakers?: string[];
    signal?: AbortSignal;
    cacheDir?: string | null;
    /** 'speaker': each speaker's clips calibrate that speaker (models that expect it). Default 'none'. */
    calibrate?: 'speaker' | 'none';
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<ModelEvaluation> {
  const known = new Set(c.labels);
  const skipped: ModelEvaluation['skipped'] = [];
  let items: DatasetItem[] = scan.items.filter((it) => {
    if (known.has(it.label)) return true;
    skipped.push({ path: it.path, reason: `label '${it.label}' is not one of the model's` });
    return false;
  });
  if (opts.speakers?.length) {
    const present = sortSpeakers(scan.items.map((it) => it.speaker).filter((s): s is string => s !== null));
    const wanted = new Set(matchSpeakers(opts.speakers, present));
    items = items.filter((it) => it.speaker !== null && wanted.has(it.speaker));
  }
  if (items.length === 0) {
    throw new SerError(
      'DatasetError',
      `no clips with the model's labels (${c.labels.join(', ')}) in ${scan.root}`,
      scan.root,
    );
  }
  const results = await extractMany(
    items.map((it) => it.path),
    c.meta.featureConfig,
    { signal: opts.signal, cacheDir: opts.cacheDir ?? null, onProgress: (d, t) => opts.onProgress?.(d, t) },
  );
  const used: DatasetItem[] = [];
  const mats: FeatureMatrix[] = [];
  results.forEach((r, i) => {
    if (isExtractError(r)) skipped.push({ path: items[i]!.path, reason: `${r.code}: ${r.message}` });
    else {
      used.push(items[i]!);
      mats.push(r);
    }
  });
  if (mats.length === 0) throw new SerError('DatasetError', `no usable audio in ${scan.root}`, scan.root);
  const seconds = (m: FeatureMatrix) =>
    (m.frames * c.meta.featureConfig.hopLength) / c.meta.featureConfig.sampleRate;
  let calibration: (SpeakerCalibration | null)[] | undefined;
  let info: CalibrationInfo | undefined;
  if (expectsCalibration(c.meta)) {
    info = { source: 'none', clips: 0, seconds: 0 };
    if (opts.calibrate === 'speaker') {
      const bySpeaker = new Map<string, FeatureMatrix[]>();
      used.forEach((it, i) => {
        if (it.speaker === null) return;
        bySpeaker.set(it.speaker, [...(bySpeaker.get(it.speaker) ?? []), mats[i]!]);
      });
      const cals = new Map(
        [...bySpeaker].map(([s, ms]) => [
          s,
          calibrationFrom(
            ms,
            ms.reduce((a, m) => a + seconds(m), 0),
          ),
        ]),
      );
      calibration = used.map((it) => (it.speaker === null ? null : (cals.get(it.speaker) ?? null)));
      const all = [...cals.values()];
      info = {
        source: 'speaker',
        speakers: all.length,
        clips: Math.min(...all.map((x) => x.clips)),
        seconds: Number(Math.min(...all.map((x) => x.seconds)).toFixed(2)),
      };
    }
  }
  const raw = await classifyMatrices(c, mats, calibration, { temperature: false });
  const probs = scaleByTemperature(c.meta, raw, calibration);
  const y = Int32Array.from(used, (it) => c.labels.indexOf(it.label));
  const k = c.labels.length;
  const predicted = argmaxRows(probs, k);
  const clips = used.map((it, i) => ({
    path: it.path,
    speaker: it.speaker,
    label: it.label,
    predicted: c.labels[predicted[i]!]!,
    probabilities: Array.from(probs.subarray(i * k, (i + 1) * k)),
  }));
  const applied = c.meta.temperature ? temperatureFor(c.meta, calibration?.some(Boolean) ?? false) : null;
  const evaluation = {
    ...evaluate(y, predicted, c.labels),
    speakers: speakerAccuracy(clips),
    // What the model's temperature did to the confidence of these clips (ECE and NLL).
    confidence: { before: confidenceOf(raw, k, y, null), after: confidenceOf(probs, k, y, applied) },
  };
  return { evaluation, clips, skipped, ...(info ? { calibration: info } : {}) };
}
