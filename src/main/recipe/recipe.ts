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
 * The CNN-LSTM of the `best` preset: the main model of `--model ensemble` and `--model cnn-lstm`
 * (the wizard's "CNN-LSTM ensemble"), which win the random split (docs/BENCHMARKS.md).
 */
export const RECIPE_MODEL: ModelConfig = MODEL_PRESETS.best.model;

export const RECIPE_OPTIMIZER: OptimizerConfig = MODEL_PRESETS.best.optimizer;

/**
 * The default recipe's model, and the ensemble's second member: an MLP over a summary of each
 * feature column (mean, std, 10/50/90th percentiles, spread of frame-to-frame change), wider and
 * with more dropout than the baseline, on a cosine schedule. Alone it is about 2 points below the
 * CNN-LSTM on a random split and 8 points above it by actor; their errors differ, so their average
 * beats either on a random split (docs/BENCHMARKS.md, "Accuracy").
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

/**
 * What trains: 'mlp' the pooled-statistics MLP (the default recipe, below); 'ensemble' the CNN-LSTM
 * of a preset averaged with RECIPE_MLP_MEMBER; 'cnn-lstm' the CNN-LSTM alone.
 */
export type ModelChoice = 'ensemble' | 'cnn-lstm' | 'mlp';

/**
 * THE default recipe, decided here once: what `ser train` with no flags, the wizard's default
 * preset, bench:accuracy without --model and the bundled model (default-model.ts) train. Chosen
 * on speakers the model never heard (development folds over actors 1-16, docs/BENCHMARKS.md
 * "Accuracy"), not on the random split: the pooled-statistics MLP (RECIPE_MLP_MEMBER), per-speaker
 * normalisation (a single clip is standardised like a typical training speaker and marked
 * uncalibrated; a few clips of the speaker calibrate it) with each speaker's average pooled
 * vector subtracted too (pooledCentring), and two augmented copies of every
 * training clip varying speed (tempo and pitch together) and the recording channel.
 * The CNN-LSTM + MLP ensemble (the `best` preset, `--model ensemble`) stays one choice away; it
 * wins the random split and loses on unheard voices.
 */
export const DEFAULT_RECIPE: {
  model: ModelChoice;
  normalization: NormalizationMode;
  /** TrainConfig.pooledCentring for per-speaker runs: +4 points calibrated (docs/BENCHMARKS.md, fifth round). */
  pooledCentring: boolean;
  /** TrainConfig.singleClipViews with it: keeps single clips as robust to other recordings as before. */
  singleClipViews: boolean;
  augment: AugmentKind[];
  copies: number;
} = {
  model: 'mlp',
  normalization: 'speaker',
  pooledCentring: true,
  singleClipViews: true,
  augment: ['speed', 'channel'],
  copies: 2,
};

/**
 * The CNN-LSTM recipes' normalisation: global (what the `best` ensemble was measured with, 89 %
 * on the random split; per-speaker statistics of a random split's test speakers include its test clips).
 */
export const CNN_LSTM_NORMALIZATION: NormalizationMode = 'global';

/** The name of the wizard's (and `--preset`'s) default recipe, beside the CNN-LSTM presets. */
export const DEFAULT_PRESET = 'default';
export type RecipePresetName = typeof DEFAULT_PRESET | PresetName;

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
  /**
   * 'default' (or absent): DEFAULT_RECIPE; a CNN-LSTM preset (fast / seed / best) trains that
   * CNN-LSTM, averaged with the MLP unless `model` says 'cnn-lstm'.
   */
  preset?: RecipePresetName;
  /** Absent: DEFAULT_RECIPE.model, or 'ensemble' when a CNN-LSTM preset is named. */
  model?: ModelChoice;
  /** The split; absent: defaultSplit(splitKind, speakers) (src/shared/split-defaults.ts). */
  split?: SplitConfig;
  /** Default 'actors'. */
  splitKind?: SplitConfig['kind'];
  /** The dataset's speakers, for the default split. */
  speakers?: string[];
  epochs?: number;
  seed?: number;
  /** Augmentation kinds; [] for none. Default DEFAULT_RECIPE.augment. */
  augment?: AugmentKind[];
  /** Default DEFAULT_RECIPE.copies. */
  copies?: number;
  /** Default: DEFAULT_RECIPE.normalization for the MLP, CNN_LSTM_NORMALIZATION otherwise. */
  normalization?: NormalizationMode;
  features?: FeatureConfig;
  /** TrainConfig.workers (absent: one per core). */
  workers?: number;
  /** TrainConfig.replicas (absent: chosen by the trainer). */
  replicas?: number;
}

/** A full TrainConfig from the recipe (or a preset) and the CLI-level choices. */
export function buildTrainConfig(c: ConfigChoices = {}): TrainConfig {
  const cnnPreset = c.preset && c.preset !== DEFAULT_PRESET ? c.preset : undefined;
  const choice: ModelChoice = c.model ?? (cnnPreset ? 'ensemble' : DEFAULT_RECIPE.model);
  const preset = MODEL_PRESETS[cnnPreset ?? 'best'];
  const mlp = choice === 'mlp';
  const model: ModelConfig = mlp ? structuredClone(RECIPE_MLP_MEMBER.model) : structuredClone(preset.model);
  const optimizer: OptimizerConfig = mlp ? { ...RECIPE_MLP_MEMBER.optimizer } : { ...preset.optimizer };
  if (c.epochs !== undefined) optimizer.epochs = c.epochs;
  const kinds = c.augment ?? DEFAULT_RECIPE.augment;
  const normalization = c.normalization ?? (mlp ? DEFAULT_RECIPE.normalization : CNN_LSTM_NORMALIZATION);
  return {
    labels: c.labels ?? [...SEED_EMOTIONS],
    features: c.features ?? TRAINING_FEATURES,
    augment: {
      ...DEFAULT_AUGMENT_CONFIG,
      kinds: [...kinds],
      copiesPerClip: kinds.length === 0 ? 0 : (c.copies ?? DEFAULT_RECIPE.copies),
    },
    model,
    optimizer,
    split: c.split ?? defaultSplit(c.splitKind ?? DEFAULT_SPLIT_KIND, c.speakers ?? []),
    seed: c.seed ?? 42,
    normalization,
    // Acts on pooled members of per-speaker runs only (pooled-centre.ts); recorded only there.
    ...(normalization === 'speaker' && DEFAULT_RECIPE.pooledCentring
      ? { pooledCentring: true, singleClipViews: DEFAULT_RECIPE.singleClipViews }
      : {}),
    masking: mlp ? null : DEFAULT_MASKING,
    ...(choice === 'ensemble' ? { ensemble: [recipeMember(c.epochs)] } : {}),
    ...(c.workers !== undefined ? { workers: c.workers } : {}),
    ...(c.replicas !== undefined ? { replicas: c.replicas } : {}),
  };
}
