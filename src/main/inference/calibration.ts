/**
 * Speaker calibration: a model trained with per-speaker normalisation (TrainConfig.normalization
 * 'speaker') standardises a speaker's features by statistics of that speaker's own unlabeled
 * clips. Labels are never used, so calibration clips may be the clips being classified.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SerError, toErrorData } from '../../shared/errors.js';
import type { FeatureConfig, FeatureMatrix } from '../../shared/features.js';
import { decodeFile } from '../audio/decode.js';
import { extractFeatures } from '../features/extract.js';
import { CALIBRATION_MINIMUM, type CalibrationInfo, type NormalizationMode } from '../../shared/training.js';
import type { ModelMeta } from '../model/folder.js';
import {
  applyNormalization,
  fitNormalization,
  type Normalization,
  type Rows,
} from '../training/normalise.js';
import { pooledCentres, type PooledCentres } from '../training/pooled-centre.js';

/** One speaker's statistics and how much audio they came from. */
export interface SpeakerCalibration {
  stats: Normalization;
  /** The speaker's average pooled vectors, for models trained with TrainConfig.pooledCentring. */
  centres: PooledCentres;
  clips: number;
  seconds: number;
}

export { CALIBRATION_MINIMUM };

/** The model's step before its global standardisation (older folders kept it in metrics). */
export function inputMode(meta: ModelMeta): NormalizationMode {
  return (
    meta.inputNormalization?.mode ??
    (meta.metrics?.['inputNormalization'] === 'speaker' ? 'speaker' : 'global')
  );
}

/** Whether the model expects its inputs calibrated per speaker. */
export function expectsCalibration(meta: ModelMeta): boolean {
  return inputMode(meta) === 'speaker';
}

/** Statistics of one speaker's clips (frames of every clip; `seconds` of audio in all). */
export function calibrationFrom(mats: readonly Rows[], seconds: number): SpeakerCalibration {
  if (mats.length === 0) throw new SerError('ValidationError', 'calibration: no clips');
  const stats = fitNormalization(mats);
  // Centres of the clips as the model sees them: standardised by these statistics, then pooled.
  const centres = pooledCentres(
    mats.map((m) => ({
      frames: m.data.length / m.width,
      width: m.width,
      data: applyNormalization(m.data, stats),
      columns: [],
    })),
  );
  return { stats, centres, clips: mats.length, seconds };
}

/** Refuse a calibration below CALIBRATION_MINIMUM, saying what is missing. */
export function checkCalibration(cal: SpeakerCalibration, what = 'calibration'): void {
  const { clips, seconds } = CALIBRATION_MINIMUM;
  if (cal.clips < clips || cal.seconds < seconds) {
    throw new SerError(
      'ValidationError',
      `${what}: ${cal.clips} clip${cal.clips === 1 ? '' : 's'}, ${cal.seconds.toFixed(1)} s of audio; ` +
        `calibration needs at least ${clips} clips and ${seconds} s of the same speaker (with less, the speaker's statistics are too noisy to help)`,
    );
  }
}

/** How a clip was calibrated, for a prediction. */
export function calibrationInfo(cal: SpeakerCalibration | null): CalibrationInfo {
  return cal
    ? { source: 'clips', clips: cal.clips, seconds: Number(cal.seconds.toFixed(2)) }
    : { source: 'none', clips: 0, seconds: 0 };
}

/** Calibration clips: files as given, a folder's files (not its subfolders), hidden files left out. */
export async function calibrationFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const st = await stat(p).catch(() => null);
    if (!st) throw new SerError('NotFound', `calibration: no such file or folder: ${p}`, p);
    if (!st.isDirectory()) {
      out.push(p);
      continue;
    }
    const names = (await readdir(p, { withFileTypes: true }))
      .filter((e) => !e.name.startsWith('.') && (e.isFile() || e.isSymbolicLink()))
      .map((e) => join(p, e.name))
      .sort();
    if (names.length === 0) throw new SerError('NotFound', `calibration: no files in ${p}`, p);
    out.push(...names);
  }
  return out;
}

/**
 * A speaker's calibration from audio files (see calibrationFiles): each is decoded at the model's
 * rate and its features extracted; files that cannot be used are listed with why, not fatal.
 */
export async function calibrateFromFiles(
  paths: readonly string[],
  features: FeatureConfig,
): Promise<{
  calibration: SpeakerCalibration | null;
  used: string[];
  skipped: { path: string; reason: string }[];
}> {
  const files = await calibrationFiles(paths);
  const mats: FeatureMatrix[] = [];
  const used: string[] = [];
  const skipped: { path: string; reason: string }[] = [];
  let seconds = 0;
  for (const f of files) {
    try {
      const { samples } = await decodeFile(f, { targetRate: features.sampleRate });
      if (samples.length === 0) throw new SerError('EmptyAudio', 'no audio samples');
      mats.push(extractFeatures(samples, features));
      seconds += samples.length / features.sampleRate;
      used.push(f);
    } catch (err) {
      const e = toErrorData(err);
      skipped.push({ path: f, reason: `${e.code}: ${e.message}` });
    }
  }
  return { calibration: mats.length ? calibrationFrom(mats, seconds) : null, used, skipped };
}
