/**
 * The training recipe, in one place: the features, model, optimiser, augmentation, masking and
 * ensemble member that `ser train`, the app's wizard, the benchmarks and the bundled model use
 * unless told otherwise, and `buildTrainConfig`, which assembles a TrainConfig from them and the
 * few choices a user makes. The split defaults live in src/shared/split-defaults.ts (the renderer
 * needs them too); the architectures of the named presets in src/main/model/presets.ts.
 */
import { SEED_EMOTIONS } from '../../shared/dataset.js';
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig } from '../../shared/features.js';
import { DEFAULT_SPLIT_KIND, defaultSplit } from '../../shared/split-defaults.js';
import {
  DEFAULT_AUGMENT_CONFIG,
  type AugmentKind,
  type EnsembleMember,
  type MaskConfig,
  type ModelConfig,
  type NormalizationMode,
  type OptimizerConfig,
  type SplitConfig,
  type TrainConfig,
} from '../../shared/training.js';
import { MLP_BASELINE, MODEL_PRESETS, type PresetName } from '../model/presets.js';

/**
 * The features training uses by default: the seed's (40 MFCC, 12 chroma, 7 spectral contrast,
 * 128 log-mel; n_fft 2048, hop 512 at 16 kHz). MFCC + chroma + contrast + RMS/ZCR/centroid with
 * deltas (124 wide) trained as well and faster in our runs (docs/BENCHMARKS.md). Each clip is
 * first scaled to an active-speech level of -23 dBFS (FeatureConfig.levelDbfs), so a quiet or
 * loud recording gives the features of the same speech at RAVDESS's level (docs/BENCHMARKS.md,
 * robustness).
 */
export const TRAINING_FEATURES: FeatureConfig = {
  ...DEFAULT_FEATURE_CONFIG,
  levelDbfs: -23,
};

/** SpecAugment-style masking of training inputs; together with random crops, the largest gain we measured. */
export const DEFAULT_MASKING: MaskConfig = { freqMasks: 2, freqWidth: 12, timeMasks: 2, timeWidth: 12 };

/**
 * The training recipe: what `ser train`, the app and the bundled model use unless another preset
 * is named, and what docs/BENCHMARKS.md measures. It is the `best` model preset, so the wizard's
 * "Best" and the command line train the same model.
 */
export const RECIPE_MODEL: ModelConfig = MODEL_PRESETS.best.model;

export const RECIPE_OPTIMIZER: OptimizerConfig = MODEL_PRESETS.best.optimizer;

/**
 * The recipe's second member: an MLP over a summary of each feature column (mean, std, 10/50/90th
 * percentiles, spread of frame-to-frame change), wider and with more dropout than the baseline, on
 * a cosine schedule. Alone it is about 2 points below the CNN-LSTM on a random split and 8 points
 * above it by actor; their errors differ, so their average beats either on a random split
 * (docs/BENCHMARKS.md, "Accuracy").
 */
export const RECIPE_MLP_MEMBER: EnsembleMember = {
  model: { ...MLP_BASELINE, denseUnits: 512, dropout: 0.5, pooling: 'summary' },
  optimizer: {
    learningRate: 1e-3,
    batchSize: 32,
    epochs: 100,
    patience: 100,
    classWeights: true,
    schedule: 'cosine',
  },
  masking: null,
};

export type ModelChoice = 'ensemble' | 'cnn-lstm' | 'mlp';

/** A member's name in tables and logs. */
export function memberName(m: ModelConfig): string {
  return m.kind === 'mlp' ? `MLP (pooled stats)` : 'CNN-LSTM';
}

/** RECIPE_MLP_MEMBER, with the run's --epochs when one is given (a short test run stays short). */
function recipeMember(epochs: number | undefined): EnsembleMember {
  const m = structuredClone(RECIPE_MLP_MEMBER);
  if (epochs !== undefined) m.optimizer.epochs = epochs;
  return m;
}

export interface ConfigChoices {
  labels?: string[];
  /** The CNN-LSTM's preset (fast / seed / best); default: the recipe above. */
  preset?: PresetName;
  /** Default 'ensemble': the CNN-LSTM and RECIPE_MLP_MEMBER, averaged. */
  model?: ModelChoice;
  /** The split; absent: defaultSplit(splitKind, speakers) (src/shared/split-defaults.ts). */
  split?: SplitConfig;
  /** Default 'actors'. */
  splitKind?: SplitConfig['kind'];
  /** The dataset's speakers, for the default split. */
  speakers?: string[];
  epochs?: number;
  seed?: number;
  /** Augmentation kinds; [] for none. */
  augment?: AugmentKind[];
  copies?: number;
  normalization?: NormalizationMode;
  features?: FeatureConfig;
  /** TrainConfig.workers (absent: one per core). */
  workers?: number;
}

/** A full TrainConfig from a preset and the CLI-level choices. */
export function buildTrainConfig(c: ConfigChoices = {}): TrainConfig {
  const preset = c.preset ? MODEL_PRESETS[c.preset] : { model: RECIPE_MODEL, optimizer: RECIPE_OPTIMIZER };
  // --model mlp is the recipe's MLP member alone: on unheard speakers it scores with the
  // ensemble at a fifth of the cost (docs/BENCHMARKS.md, "Accuracy").
  const model: ModelConfig =
    c.model === 'mlp' ? structuredClone(RECIPE_MLP_MEMBER.model) : structuredClone(preset.model);
  const optimizer: OptimizerConfig =
    c.model === 'mlp' ? { ...RECIPE_MLP_MEMBER.optimizer } : { ...preset.optimizer };
  if (c.epochs !== undefined) optimizer.epochs = c.epochs;
  const kinds = c.augment ?? DEFAULT_AUGMENT_CONFIG.kinds;
  return {
    labels: c.labels ?? [...SEED_EMOTIONS],
    features: c.features ?? TRAINING_FEATURES,
    augment: {
      ...DEFAULT_AUGMENT_CONFIG,
      kinds: [...kinds],
      // Two copies: the CNN-LSTM gained 8 points on the random split over one (docs/BENCHMARKS.md).
      copiesPerClip: kinds.length === 0 ? 0 : (c.copies ?? 2),
    },
    model,
    optimizer,
    split: c.split ?? defaultSplit(c.splitKind ?? DEFAULT_SPLIT_KIND, c.speakers ?? []),
    seed: c.seed ?? 42,
    normalization: c.normalization ?? 'global',
    masking: model.kind === 'mlp' ? null : DEFAULT_MASKING,
    ...((c.model ?? 'ensemble') === 'ensemble' ? { ensemble: [recipeMember(c.epochs)] } : {}),
    ...(c.workers !== undefined ? { workers: c.workers } : {}),
  };
}
