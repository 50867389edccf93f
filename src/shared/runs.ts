/** Experiment runs as stored and compared. */
import { z } from 'zod';
import type { ClipEvaluation, ClipEvaluationInput } from './clips.js';
import type {
  BackendName,
  CurveFit,
  EpochMetrics,
  Evaluation,
  SplitConfig,
  TrainConfig,
} from './training.js';

export const RunStatusSchema = z.enum(['running', 'completed', 'failed', 'cancelled', 'interrupted']);
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const RUN_STATUSES: readonly RunStatus[] = RunStatusSchema.options;

/** What may name a run: its id or a prefix of it, 4 to 36 hex digits and dashes (like git). */
export function looksLikeRunId(ref: string): boolean {
  return /^[0-9a-f-]{4,36}$/i.test(ref.trim());
}

/** How a run can end when its own process finishes it (`interrupted` is set by the store). */
export type FinishStatus = 'completed' | 'failed' | 'cancelled';

export interface DatasetFingerprint {
  root: string;
  hash: string;
  /** Clips used (after the run's skips, when it has finished). */
  countsByLabel: Record<string, number>;
  countsBySpeaker: Record<string, number>;
  /** Clips the run left out and why (no speech, unreadable...), recorded when it finishes. */
  skipped?: SkippedClip[];
}

export interface SkippedClip {
  path: string;
  /** One line, `NoSpeech: no speech: silence (...): x.wav`. */
  reason: string;
}

export interface RunArtifact {
  kind: 'model';
  /** Absolute path of the file or folder. */
  path: string;
  /** See artifactSha256 in src/main/store: sha256 of a file, or over a folder's sorted files. */
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
  /** Unweighted average recall of the final evaluation. */
  uar: number | null;
  epochs: number;
  /** How the test number was measured (describeProtocol in clips.ts says it in words). */
  split: SplitConfig | null;
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
  /** Process that created the run and the host it ran on (used to detect crashed runs). */
  pid: number | null;
  host: string | null;
  /** Last sign of life from the training process (ISO time). */
  heartbeatAt: string | null;
}

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** Which runs to list (runs.list, `ser runs list`), validated where it enters. */
export const RunFilterSchema = z.object({
  status: z.array(RunStatusSchema).optional(),
  tag: z.string().optional(),
  /** Runs whose label set equals this set (order ignored). */
  labels: z.array(z.string()).optional(),
  metric: z.enum(['accuracy', 'macroF1']).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  /** Case-insensitive substring of the name or notes. */
  search: z.string().max(200).optional(),
  sort: z.enum(['createdAt', 'name', 'accuracy', 'macroF1']).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  limit: int(1, 100000).optional(),
  offset: int(0, 10_000_000).optional(),
});
export type RunFilter = z.infer<typeof RunFilterSchema>;

export interface CreateRunInput {
  name: string;
  config: TrainConfig;
  dataset: DatasetFingerprint;
  backend: BackendName;
  tags?: string[];
  notes?: string;
}

export interface ArtifactInput {
  kind: RunArtifact['kind'];
  path: string;
  /** Computed by the store (artifactSha256) when omitted and the path exists. */
  sha256?: string;
}

export interface FinishRunInput {
  status: FinishStatus;
  evaluation?: Evaluation;
  /** Clip-level results of the evaluation: the test clips, or one entry per k-fold fold. */
  clipEvaluations?: ClipEvaluationInput[];
  fits?: CurveFit[];
  artifacts?: ArtifactInput[];
  error?: string;
  /** The dataset as actually used (counts without skipped clips, and the skips). */
  dataset?: DatasetFingerprint;
}

/** Fields a user can change after the run; `tags` replaces the whole set. */
export interface UpdateRunInput {
  name?: string;
  tags?: string[];
  notes?: string;
}

export interface DeleteRunResult {
  id: string;
  /** Artifact paths removed from disk. */
  removed: string[];
  /** Artifact paths left on disk, with the reason. */
  kept: { path: string; reason: string }[];
}

export interface ConfigDiffEntry {
  /** Dotted path into TrainConfig, e.g. `optimizer.learningRate`. */
  path: string;
  /** One value per compared run, in order; undefined where a run lacks the key. */
  values: unknown[];
}

export type CurveSeries = CurveFit['series'];

export interface AlignedCurves {
  /** Union of the epoch numbers of all compared runs, ascending. */
  epochs: number[];
  /** Series -> one array per run, aligned with `epochs`; null where a run has no value there. */
  series: Record<CurveSeries, (number | null)[][]>;
}

export interface RunComparison {
  runs: RunRecord[];
  configDiff: ConfigDiffEntry[];
  /** Differences outside TrainConfig that explain results: backend, app version, dataset root/hash/counts. */
  contextDiff: ConfigDiffEntry[];
  /**
   * Metric name -> one value per run: accuracy, macroF1, uar, epochs, seconds, bestValLoss,
   * bestValAccuracy, then `f1.<label>` for every label of any run.
   */
  metrics: Record<string, (number | null)[]>;
  curves: AlignedCurves;
}

/** The run.json written by exportRun and read by importRun. */
export interface RunExport {
  format: 'ser-studio-run';
  version: 1;
  exportedAt: string;
  run: RunRecord;
  /** The run's clip-level evaluations (absent in exports from before they were stored). */
  clipEvaluations?: Omit<ClipEvaluation, 'id'>[];
  /** Copies of the run's artifacts, relative to the export folder, with the copy's checksum. */
  files: { kind: RunArtifact['kind']; path: string; sha256: string }[];
}

export interface ExportRunResult {
  dir: string;
  files: string[];
  warnings: string[];
}

/**
 * A finished run's wall time from start to end (features, every model of an ensemble or of the
 * folds, evaluation); else the sum of its recorded epochs.
 */
export function runSeconds(r: Pick<RunRecord, 'createdAt' | 'finishedAt' | 'metrics'>): number | null {
  const t = r.finishedAt ? (Date.parse(r.finishedAt) - Date.parse(r.createdAt)) / 1000 : NaN;
  if (Number.isFinite(t) && t >= 0) return t;
  return r.metrics.length ? r.metrics.reduce((s, e) => s + e.seconds, 0) : null;
}
