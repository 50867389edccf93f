/**
 * A model exported for other tools (`models.export`, `ser export-model`): a folder with a
 * standard TensorFlow.js LayersModel of stock layers per ensemble member (model.json +
 * weights.bin, further members under members/N/), `ser-model.json` (this file's
 * ModelExportManifest: what the model takes and how to make it) and a README.md.
 */
import { REFERENCE_KEYS, featureRows, type FeatureConfig, type FeatureName } from './features.js';
import type { NormalizationMode } from './training.js';

export const MODEL_EXPORT_FORMAT = 'ser-studio.tfjs-layers-export';
export const MODEL_EXPORT_VERSION = 1;
/** The manifest's file name in the export folder. */
export const MODEL_EXPORT_MANIFEST = 'ser-model.json';
/** Suffix of the archive the app downloads. */
export const MODEL_EXPORT_SUFFIX = '.tfjs-model.tar.gz';

/** Per-column statistics of a pooled (MLP) input, in the order they are concatenated. */
export type PooledStatistic = 'mean' | 'std' | 'p10' | 'p50' | 'p90' | 'diff_std';

export interface ColumnStats {
  mean: number[];
  std: number[];
}

export interface FeatureBlock {
  feature: FeatureName;
  key: string;
  /** 0 the feature itself, 1 its delta, 2 its delta-delta. */
  delta: number;
  rows: number;
  firstColumn: number;
}

export interface ExportedMember {
  /** This member's model.json, relative to the export folder. */
  modelJson: string;
  architecture: 'cnn-lstm' | 'mlp';
  /** One example's shape: [frames, width] (sequence) or [width] (pooled statistics). */
  inputShape: number[];
  /** Stock layer classes, in order. */
  layers: string[];
  /**
   * Step 1 on a clip's [frames, width] features: 'speaker' standardises every column by the
   * speaker's statistics (calibration clips; without them `typical`, or the clip's own when
   * typical is null), 'utterance' subtracts the clip's own column means, 'global' nothing.
   */
  preNormalization: { mode: NormalizationMode; typical: ColumnStats | null };
  /** Step 2 (pooled models only): per column over the frames, blocks concatenated in this order. */
  pooling: PooledStatistic[] | null;
  /**
   * Step 2b (pooled 'speaker' models trained with speaker centring, else null): subtract from the
   * pooled vector the speaker's centre, the mean pooled vector of the calibration clips (each
   * standardised by the speaker's statistics, then pooled); without calibration clips, this one
   * (the typical training speaker's).
   */
  pooledCentre: number[] | null;
  /** Step 3: (x - mean) / std per input column (per frame column, or per pooled value). */
  normalization: ColumnStats;
  /**
   * Step 4 (sequence models): a clip longer than `frames` is cut into windows `hop` frames apart,
   * the last one flush with the clip's end, and their probabilities averaged; a shorter clip is
   * centred in zeros (zero is the mean after step 3), the extra zero frame after it.
   */
  windows: { frames: number; hop: number } | null;
}

/** ser-model.json. */
export interface ModelExportManifest {
  format: typeof MODEL_EXPORT_FORMAT;
  formatVersion: number;
  /** Output order of every member's probabilities. */
  labels: string[];
  featureConfig: FeatureConfig;
  /** Feature columns in matrix order (`mfcc[0]`, ..., `d1:mfcc[0]` for deltas). */
  columns: string[];
  /**
   * The columns as blocks of rows, in order, each named by its key in librosa-style JSON
   * (`ser features --json`: mfcc, log_mel, chroma, spectral_contrast, ..., `<key>_delta`,
   * `<key>_delta2`): block b's row r is column `firstColumn + r`.
   */
  blocks: FeatureBlock[];
  /** Whether the model wants a speaker's unlabeled clips for step 1 (see preNormalization). */
  expectsCalibration: boolean;
  /** Fewest clips and seconds SER Studio accepts for a calibration. */
  calibrationMinimum: { clips: number; seconds: number } | null;
  members: ExportedMember[];
  /** How the members' probabilities combine: their mean. */
  combine: 'mean';
  /**
   * Temperature scaling of the combined probabilities p: softmax(log(max(p, 1e-30)) / T), with
   * T = `single` for a clip classified alone and `calibrated` (when not null) for a clip
   * calibrated with its speaker's clips. null: the probabilities as they are.
   */
  temperature: { single: number; calibrated: number | null } | null;
  source: {
    runId: string | null;
    createdAt: string;
    exportedAt: string;
    backend: string;
    seed: number;
    datasetFingerprint: string | null;
    serStudioVersion: string;
  };
  /** Largest |difference| between the exported and the original probabilities on random inputs. */
  check: { inputs: number; maxAbsDifference: number };
}

/** What an export wrote (the result of models.export, the output of `ser export-model --json`). */
export interface ModelExportSummary {
  /** The folder written, or null when the export came back as `file`. */
  dir: string | null;
  /** The export as one .tar.gz (models.export without `out`); null when written to `dir`. */
  file: { fileName: string; bytes: Uint8Array } | null;
  /** Files of the export, relative to its folder. */
  files: string[];
  labels: string[];
  members: Array<Pick<ExportedMember, 'modelJson' | 'architecture' | 'inputShape' | 'layers'>>;
  expectsCalibration: boolean;
  maxAbsDifference: number;
}

/** The feature blocks of a config, in column order (ModelExportManifest.blocks). */
export function featureBlocks(cfg: FeatureConfig): FeatureBlock[] {
  const out: FeatureBlock[] = [];
  let col = 0;
  for (let delta = 0; delta <= cfg.deltas; delta++) {
    for (const feature of cfg.features) {
      const base = REFERENCE_KEYS[feature];
      const key = delta === 0 ? base : delta === 1 ? `${base}_delta` : `${base}_delta2`;
      const rows = featureRows(feature, cfg);
      out.push({ feature, key, delta, rows, firstColumn: col });
      col += rows;
    }
  }
  return out;
}
