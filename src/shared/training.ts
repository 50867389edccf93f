/** Training and evaluation configuration, progress events and results, as plain data. */
import type { FeatureConfig } from './features.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type AugmentKind = 'pitch' | 'stretch' | 'noise';

export interface AugmentConfig {
  kinds: AugmentKind[];
  /** Augmented copies made of each training clip (the original is always kept). */
  copiesPerClip: number;
  /** Pitch shifts are drawn uniformly from [-pitchSemitones, +pitchSemitones]. */
  pitchSemitones: number;
  /** Stretch rates are drawn uniformly from [stretchMin, stretchMax]. */
  stretchMin: number;
  stretchMax: number;
  /** Noise SNRs (dB) are drawn uniformly from [noiseSnrMin, noiseSnrMax]. */
  noiseSnrMin: number;
  noiseSnrMax: number;
}

export type SplitConfig =
  | { kind: 'random'; testFraction: number; valFraction: number }
  | { kind: 'actors'; testActors: string[]; valFraction: number }
  | { kind: 'kfold-actors'; folds: number; valFraction: number };

export interface ModelConfig {
  kind: 'cnn-lstm' | 'mlp';
  /** Frames per example for the sequence model (clips are padded or cropped). */
  frames: number;
  convFilters: number[];
  convKernels: number[];
  poolSizes: number[];
  lstmUnits: number;
  denseUnits: number;
  dropout: number;
}

export interface OptimizerConfig {
  learningRate: number;
  batchSize: number;
  epochs: number;
  /** Early stopping patience on validation loss (epochs); best weights are restored. */
  patience: number;
  classWeights: boolean;
}

export interface TrainConfig {
  labels: string[];
  features: FeatureConfig;
  augment: AugmentConfig;
  model: ModelConfig;
  optimizer: OptimizerConfig;
  split: SplitConfig;
  seed: number;
}

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
}

export type TrainEvent =
  | { type: 'stage'; stage: 'scan' | 'features' | 'augment' | 'train' | 'evaluate' | 'save'; message: string }
  | { type: 'progress'; stage: 'features' | 'augment'; done: number; total: number }
  | { type: 'batch'; epoch: number; batch: number; batches: number; loss: number; accuracy: number }
  | { type: 'epoch'; metrics: EpochMetrics; etaSeconds: number }
  | { type: 'fold'; fold: number; folds: number; evaluation: Evaluation }
  | { type: 'log'; level: 'info' | 'warn'; message: string }
  | { type: 'done'; runId: string; evaluation: Evaluation; backend: BackendName; seconds: number }
  | { type: 'error'; code: string; message: string }
  | { type: 'cancelled'; runId: string | null };

export interface Prediction {
  path: string;
  label: string;
  probabilities: Record<string, number>;
  /** Seconds of audio classified. */
  duration: number;
}
