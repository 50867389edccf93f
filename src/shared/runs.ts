/** Experiment runs as stored and compared. */
import type { BackendName, CurveFit, EpochMetrics, Evaluation, TrainConfig } from './training.js';

export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted';

export interface DatasetFingerprint {
  root: string;
  hash: string;
  countsByLabel: Record<string, number>;
  countsBySpeaker: Record<string, number>;
}

export interface RunArtifact {
  kind: 'model';
  path: string;
  sha256: string;
}

export interface RunSummary {
  id: string;
  name: string;
  tags: string[];
  status: RunStatus;
  createdAt: string;
  finishedAt: string | null;
  backend: BackendName;
  labels: string[];
  accuracy: number | null;
  macroF1: number | null;
  epochs: number;
}

export interface RunRecord extends RunSummary {
  notes: string;
  appVersion: string;
  config: TrainConfig;
  dataset: DatasetFingerprint;
  metrics: EpochMetrics[];
  evaluation: Evaluation | null;
  fits: CurveFit[];
  artifacts: RunArtifact[];
  error: string | null;
}

export interface RunFilter {
  status?: RunStatus[];
  tag?: string;
  /** Runs whose label set equals this set (order ignored). */
  labels?: string[];
  metric?: 'accuracy' | 'macroF1';
  min?: number;
  max?: number;
  sort?: 'createdAt' | 'name' | 'accuracy' | 'macroF1';
  order?: 'asc' | 'desc';
  limit?: number;
}

export interface ConfigDiffEntry {
  /** Dotted path into TrainConfig, e.g. `optimizer.learningRate`. */
  path: string;
  /** One value per compared run, in order; undefined where a run lacks the key. */
  values: unknown[];
}

export interface RunComparison {
  runs: RunRecord[];
  configDiff: ConfigDiffEntry[];
  /** Metric name -> one value per run. */
  metrics: Record<string, (number | null)[]>;
}
