/**
 * The audio-facing methods: reading a dataset clip, previews of features and augmentation, and
 * classification with the default model or a run's model. Each file is decoded once and bad
 * files become error entries, so one bad file never spoils a batch.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type {
  AudioFile,
  AugmentPreview,
  ClassifyEntry,
  ClassifyResult,
  FeatureExtraction,
  FeaturePreview,
  ParsedArgsOf,
} from '../../shared/contract.js';
import { MAX_UPLOAD_BYTES } from '../../shared/contract.js';
import { SerError, toErrorData, type SerErrorData } from '../../shared/errors.js';
import { DEFAULT_FEATURE_CONFIG, type FeatureName } from '../../shared/features.js';
import { DEFAULT_AUGMENT_CONFIG } from '../../shared/training.js';
import { decodeBuffer, decodeFile, type DecodedAudio } from '../audio/decode.js';
import { encodeWav } from '../audio/wav-encode.js';
import { parseFeatureConfig } from '../features/config.js';
import { extractFeatures } from '../features/extract.js';
import { featureBlock, toLayout } from '../features/matrix.js';
import type { RunStore } from '../store/index.js';
import { augmentPreviewClip } from './augment-preview.js';
import { ClassifierCache } from './classifiers.js';
import {
  calibrationFiles,
  calibrationInfo,
  checkCalibration,
  type SpeakerCalibration,
} from '../inference/calibration.js';
import type { AllowedRoots } from './roots.js';
import type { SettingsFile } from './settings-file.js';

/** Previews analyse at most this much audio: a heatmap of an hour helps nobody and is huge. */
export const PREVIEW_MAX_SECONDS = 30;
/** Longest audio accepted for classification (seconds). */
const CLASSIFY_MAX_SECONDS = 600;

export interface AudioMethodsOptions {
  roots: AllowedRoots;
  /** The run store, opened on first use. */
  store: () => RunStore;
  settings: SettingsFile;
  defaultModelDir: string;
}

type AudioInput = ParsedArgsOf<'classify'>['files'][number];

/** The name a file's entry carries: its name, or the path as given. */
const inputName = (file: AudioInput): string => ('path' in file ? file.path : file.name);

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : 0;
}

export function createAudioMethods(opts: AudioMethodsOptions) {
  const { roots } = opts;
  const classifiers = new ClassifierCache({ store: opts.store, defaultModelDir: opts.defaultModelDir });

  async function decodeArg(
    a: { path?: string | undefined; file?: AudioFile | undefined },
    targetRate: number,
  ): Promise<DecodedAudio> {
    if (a.path !== undefined) return decodeFile(await roots.check(a.path), { targetRate, maxSeconds: 1800 });
    if (a.file) return decodeBuffer(a.file.bytes, a.file.name, { targetRate, maxSeconds: 1800 });
    throw new SerError('ValidationError', 'give a path or a file');
  }

  /**
   * A file to classify (bytes, or a path inside an allowed folder), decoded at the model's rate.
   * A silent file to classify is refused by the engine's speech check (NoSpeech, the same answer
   * for every route); a silent calibration clip is refused here (`allowSilent: false`).
   */
  async function decodeInput(
    file: AudioInput,
    targetRate: number,
    allowSilent = true,
  ): Promise<DecodedAudio> {
    const limits = { targetRate, maxSeconds: CLASSIFY_MAX_SECONDS, allowSilent };
    return 'path' in file
      ? decodeFile(await roots.check(file.path), limits)
      : decodeBuffer(file.bytes, file.name, limits);
  }

  /** Calibration clips: a path naming a folder stands for its files (calibrationFiles). */
  async function calibrationInputs(inputs: AudioInput[]): Promise<AudioInput[]> {
    const out: AudioInput[] = [];
    for (const file of inputs) {
      if (!('path' in file)) out.push(file);
      else {
        const real = await roots.check(file.path);
        const files = await calibrationFiles([real]);
        // A file keeps the path as given; a folder's files are named by their real paths.
        out.push(...(files.length === 1 && files[0] === real ? [file] : files.map((path) => ({ path }))));
      }
    }
    return out;
  }

  function clip(samples: Float32Array, sampleRate: number): { samples: Float32Array; truncated: boolean } {
    const max = PREVIEW_MAX_SECONDS * sampleRate;
    return samples.length > max
      ? { samples: samples.subarray(0, max), truncated: true }
      : { samples, truncated: false };
  }

  return {
    async read({ path }: ParsedArgsOf<'audio.read'>): Promise<AudioFile> {
      const real = await roots.check(path);
      const info = await stat(real);
      if (!info.isFile()) throw new SerError('ValidationError', `not a file: ${path}`, path);
      if (info.size > MAX_UPLOAD_BYTES) {
        throw new SerError(
          'FileTooLarge',
          `file is over ${MAX_UPLOAD_BYTES / 1024 / 1024} MB: ${path}`,
          path,
        );
      }
      return { name: basename(path), bytes: new Uint8Array(await readFile(real)) };
    },

    async featuresPreview(a: ParsedArgsOf<'features.preview'>): Promise<FeaturePreview> {
      const config = parseFeatureConfig(a.config ?? {}, 'features.preview: config');
      const audio = await decodeArg(a, config.sampleRate);
      const { samples, truncated } = clip(audio.samples, audio.sampleRate);
      const m = extractFeatures(samples, config);
      const features: Record<string, number[][]> = {};
      for (const name of config.features as FeatureName[]) {
        for (let d = 0; d <= config.deltas; d++) {
          const block = featureBlock(m, name, d as 0 | 1 | 2).map((row) => row.map(round));
          features[d === 0 ? name : `d${d}:${name}`] = block;
        }
      }
      return { config, frames: m.frames, duration: samples.length / audio.sampleRate, truncated, features };
    },

    async featuresExtract(a: ParsedArgsOf<'features.extract'>): Promise<FeatureExtraction> {
      const config = parseFeatureConfig(a.config ?? {}, 'features.extract: config');
      const audio = await decodeArg(a, config.sampleRate);
      const m = extractFeatures(audio.samples, config);
      return {
        ...toLayout(m),
        duration: audio.duration,
        samples: audio.samples.length,
        width: m.width,
        warnings: audio.warnings,
      };
    },

    async augmentPreview(a: ParsedArgsOf<'augment.preview'>): Promise<AugmentPreview> {
      const rate = a.sampleRate ?? DEFAULT_FEATURE_CONFIG.sampleRate;
      const audio = await decodeArg(a, rate);
      const { samples } = clip(audio.samples, audio.sampleRate);
      const cfg = { ...DEFAULT_AUGMENT_CONFIG, ...stripUndefined(a.augment ?? {}), kinds: a.kinds };
      const variants = augmentPreviewClip(samples, audio.sampleRate, cfg, a.seed).map((v) => ({
        kind: v.kind,
        description: v.description,
        wav: encodeWav(v.samples, audio.sampleRate),
      }));
      return { original: encodeWav(samples, audio.sampleRate), variants };
    },

    async classify(a: ParsedArgsOf<'classify'>): Promise<ClassifyResult> {
      const chosen = a.modelRunId === undefined ? opts.settings.get().modelRunId : a.modelRunId;
      // models.list calls the bundled model 'default'; accept that id as well as null.
      const runId = chosen === 'default' ? null : chosen;
      return classifiers.use(runId ?? null, async (model) => {
        // In the order given: decode failures first, then the rest once calibrated.
        const results: ClassifyEntry[] = new Array<ClassifyEntry>(a.files.length);
        const decoded: { i: number; name: string; samples: Float32Array; warnings: string[] }[] = [];
        for (const [i, file] of a.files.entries()) {
          const name = inputName(file);
          try {
            const audio = await decodeInput(file, model.sampleRate);
            decoded.push({ i, name, samples: audio.samples, warnings: audio.warnings });
          } catch (err) {
            results[i] = { ok: false, name, error: toErrorData(err) };
          }
        }
        // One speaker's files (and any further clips of theirs) calibrate the model with their
        // own unlabeled audio; a calibration clip that does not decode is left out and named.
        let calibration: SpeakerCalibration | null = null;
        let calibrationNote: string | undefined;
        const leftOut: { name: string; error: SerErrorData }[] = [];
        const asked = a.sameSpeaker === true || (a.calibrate?.length ?? 0) > 0;
        if (asked && !model.expectsCalibration) {
          calibrationNote =
            'this model was trained without per-speaker normalisation and takes no calibration (train with --normalization speaker)';
          if (a.requireCalibration) throw new SerError('ValidationError', `calibration: ${calibrationNote}`);
        } else if (asked) {
          const clips = a.sameSpeaker ? decoded.map((d) => d.samples) : [];
          const inputs = await calibrationInputs(a.calibrate ?? []);
          for (const file of inputs) {
            try {
              clips.push((await decodeInput(file, model.sampleRate, false)).samples);
            } catch (err) {
              leftOut.push({ name: inputName(file), error: toErrorData(err) });
            }
          }
          if (clips.length === 0) {
            calibrationNote = 'calibration: no usable clips';
            if (a.requireCalibration)
              throw new SerError(
                'ValidationError',
                `calibration: none of the ${inputs.length} files could be used`,
              );
          } else {
            const cal = model.calibrate(clips);
            try {
              checkCalibration(cal, 'calibration');
              calibration = cal;
            } catch (err) {
              if (a.requireCalibration) throw err;
              calibrationNote = toErrorData(err).message;
            }
          }
          if (leftOut.length) {
            const note = `calibration clips left out: ${leftOut.map((l) => `${l.name} (${l.error.message})`).join('; ')}`;
            calibrationNote = calibrationNote ? `${calibrationNote}; ${note}` : note;
          }
        }
        for (const d of decoded) {
          try {
            const classified = await model.classify(d.samples, d.name, calibration);
            // A damaged file classified anyway says so (e.g. only its complete part was used).
            const prediction = d.warnings.length ? { ...classified, warnings: d.warnings } : classified;
            const uncalibrated = calibration ? await model.classify(d.samples, d.name, null) : undefined;
            results[d.i] = { ok: true, name: d.name, prediction, ...(uncalibrated ? { uncalibrated } : {}) };
          } catch (err) {
            results[d.i] = { ok: false, name: d.name, error: toErrorData(err) };
          }
        }
        return {
          model: {
            runId: model.runId,
            path: model.dir,
            labels: model.labels,
            expectsCalibration: model.expectsCalibration,
          },
          results,
          calibration: model.expectsCalibration ? calibrationInfo(calibration) : null,
          ...(calibrationNote ? { calibrationNote } : {}),
          ...(leftOut.length ? { calibrationLeftOut: leftOut } : {}),
        };
      });
    },

    defaultModelInfo: () => classifiers.defaultInfo(),
    forgetModel: (runId: string) => classifiers.forget(runId),
    dispose: () => classifiers.clear(),
  };
}

export type AudioMethods = ReturnType<typeof createAudioMethods>;

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
