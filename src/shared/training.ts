/** Training and evaluation configuration, progress events and results, as plain data. */
import type { SpeakerAccuracy } from './clips.js';
import type {
  AugmentConfig,
  ConfidenceReport,
  ModelTemperature,
  OptimizerConfig,
  PoolingKind,
  TrainConfig,
} from './train-schema.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

// The config types are inferred from their schemas (train-schema.ts); re-exported here so every
// importer keeps one place to take training types from.
export type {
  AugmentConfig,
  AugmentKind,
  ConfidenceReport,
  ModelTemperature,
  TemperatureFit,
  EnsembleMember,
  LearningRateSchedule,
  MaskConfig,
  ModelConfig,
  NormalizationMode,
  OptimizerConfig,
  PoolingKind,
  SplitConfig,
  TrainConfig,
} from './train-schema.js';

/** Values per feature column of each pooling. */
export const POOLED_VALUES: Record<PoolingKind, number> = { 'mean-std': 2, summary: 6 };

export const DEFAULT_AUGMENT_CONFIG: AugmentConfig = {
  kinds: ['pitch', 'stretch', 'noise'],
  copiesPerClip: 2,
  pitchSemitones: 2,
  stretchMin: 0.85,
  stretchMax: 1.15,
  noiseSnrMin: 15,
  noiseSnrMax: 30,
};

export const DEFAULT_OPTIMIZER_CONFIG: OptimizerConfig = {
  learningRate: 1e-3,
  batchSize: 32,
  epochs: 60,
  patience: 10,
  classWeights: true,
};

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  seconds: number;
}

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** y = c[0] + c[1] x + c[2] x^2 over epochs (the seed's degree-2 fit of each curve). */
export interface CurveFit {
  series: 'trainLoss' | 'trainAccuracy' | 'valLoss' | 'valAccuracy';
  coefficients: number[];
  /** First and last epoch of the points fitted (a k-fold run's fit is of the folds' mean curve). */
  epochs?: [number, number];
}

export interface Evaluation {
  labels: string[];
  n: number;
  accuracy: number;
  macroF1: number;
  /** Unweighted average recall. */
  uar: number;
  perClass: ClassMetrics[];
  /** confusion[true][predicted], in `labels` order. */
  confusion: number[][];
  /**
   * Cross-validation by speaker: one entry per fold, while the fields above pool every fold's
   * test predictions (the confusion is the sum of the fold confusions).
   */
  folds?: FoldResult[];
  /** Mean and standard deviation of the fold accuracies (k-fold only). */
  foldAccuracy?: { mean: number; std: number };
  /** Mean and standard deviation of the fold UARs (k-fold only). */
  foldUar?: { mean: number; std: number };
  /** Accuracy on each test speaker. */
  speakers?: SpeakerAccuracy[];
  /**
   * Confidence of these predictions: NLL and ECE of the model's raw probabilities (`before`) and
   * with the temperature it applies (`after`; the same when it has none). Accuracy is unchanged.
   */
  confidence?: { before: ConfidenceReport; after: ConfidenceReport };
}

/**
 * The least audio a speaker calibration may come from. Measured with `npm run bench:robustness`
 * (docs/BENCHMARKS.md): on unheard actors 17-20, 1, 2 and 4 clips of a speaker gave 35, 41 and
 * 50 % against 50 % uncalibrated; 8 clips (about 28 s) 51 %, 16 clips 54 %, all 48 clips 56 %.
 */
export const CALIBRATION_MINIMUM = { clips: 8, seconds: 20 } as const;

/** What calibrated a prediction or an evaluation (see NormalizationMode 'speaker'). */
export interface CalibrationInfo {
  /** 'speaker': each speaker's own clips; 'clips': the given calibration clips; 'none'. */
  source: 'speaker' | 'clips' | 'none';
  /** Clips and seconds of audio the statistics came from (per speaker: the smallest). */
  clips: number;
  seconds: number;
  /** Speakers calibrated ('speaker' source). */
  speakers?: number;
}

export interface FoldResult {
  fold: number;
  testSpeakers: string[];
  evaluation: Evaluation;
  /** Epochs trained before early stopping, and the epoch whose weights were kept. */
  epochs: number;
  bestEpoch: number;
}

export type TrainEvent =
  | { type: 'started'; runId: string | null; backend: BackendName; labels: string[]; clips: number }
  | { type: 'stage'; stage: 'scan' | 'features' | 'augment' | 'train' | 'evaluate' | 'save'; message: string }
  | { type: 'progress'; stage: 'features' | 'augment'; done: number; total: number }
  | {
      type: 'batch';
      epoch: number;
      batch: number;
      batches: number;
      loss: number;
      accuracy: number;
      /** Seconds left in the whole run (all folds), estimated from the batches so far. */
      etaSeconds?: number;
      /** 0-based fold, for k-fold runs. */
      fold?: number;
      /** 0-based ensemble member, for ensembles. */
      member?: number;
    }
  | { type: 'epoch'; metrics: EpochMetrics; etaSeconds: number; fold?: number; member?: number }
  | { type: 'fold'; fold: number; folds: number; evaluation: Evaluation; testSpeakers?: string[] }
  | { type: 'log'; level: 'info' | 'warn'; message: string }
  | {
      type: 'done';
      runId: string;
      evaluation: Evaluation;
      backend: BackendName;
      seconds: number;
      /** The saved model folder, or null (k-fold runs save none). */
      modelDir?: string | null;
    }
  | { type: 'error'; code: string; message: string; runId?: string | null }
  | { type: 'cancelled'; runId: string | null };

/**
 * What the desktop app, the web host and the CLI send to start a training job. The dataset is
 * scanned inside the job; paths are absolute or relative to the job's working directory.
 */
export interface TrainRequest {
  dataDir: string;
  config: TrainConfig;
  name?: string;
  tags?: string[];
  /** SQLite file of the run store; null records nothing (tests, benchmarks). Default: the store's default. */
  dbPath?: string | null;
  /** Saved models go to `<modelsDir>/<runId>/`. Default: the store's default models folder. */
  modelsDir?: string;
  /** Feature cache folder; null disables caching. */
  cacheDir?: string | null;
  /** Real paths of the folders a symlinked clip may point into (the app's allowed folders). */
  allowedRoots?: string[];
  /** Preferred TensorFlow.js backend (the best that loads when absent). */
  backend?: BackendName;
  /** Skip saving the model folder (benchmarks). */
  saveModel?: boolean;
}

/** What a finished job resolves to. */
export interface TrainResult {
  runId: string | null;
  status: 'completed' | 'cancelled' | 'failed';
  evaluation: Evaluation | null;
  backend: BackendName | null;
  seconds: number;
  modelDir: string | null;
  labels: string[];
  error?: { code: string; message: string };
  /** Clips left out (no speech, unreadable...) and why. */
  skipped?: { path: string; reason: string }[];
  /** Decode warnings of clips that were used (e.g. truncated files). */
  warnings?: string[];
  /** The temperature the saved model applies (fitted on validation speakers), when it has one. */
  temperature?: ModelTemperature;
}

export interface Prediction {
  path: string;
  label: string;
  probabilities: Record<string, number>;
  /** Seconds of audio classified. */
  duration: number;
  /** Decode problems of a file classified anyway (e.g. truncated: only its complete part was used). */
  warnings?: string[];
  /**
   * The top probability is below UNCERTAIN_BELOW (src/shared/confidence.ts): show the answer as
   * uncertain, not as a confident label.
   */
  uncertain: boolean;
  /**
   * For models trained with per-speaker normalisation: whether the clip was calibrated with its
   * speaker's clips, and with how much audio. Absent for models that need no calibration.
   */
  calibration?: CalibrationInfo;
}
