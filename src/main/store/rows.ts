/** Database rows <-> the plain run types of src/shared/runs.ts. */
import type {
  BackendName,
  CurveFit,
  EpochMetrics,
  Evaluation,
  SplitConfig,
  TrainConfig,
} from '../../shared/training.js';
import type { DatasetFingerprint, RunArtifact, RunRecord, RunStatus, RunSummary } from '../../shared/runs.js';

/** Separates tags in group_concat; tags may not contain control characters. */
export const TAG_SEP = '\u001f';

export interface SummaryRow {
  id: string;
  name: string;
  status: RunStatus;
  created_at: string;
  finished_at: string | null;
  backend: BackendName;
  labels_json: string;
  accuracy: number | null;
  macro_f1: number | null;
  uar: number | null;
  epoch_count: number;
  split_json: string | null;
  tags: string | null;
}

export interface RunRow extends SummaryRow {
  notes: string;
  app_version: string;
  config_json: string;
  dataset_json: string;
  evaluation_json: string | null;
  fits_json: string | null;
  error: string | null;
  pid: number | null;
  host: string | null;
  heartbeat: number | null;
}

export interface EpochRow {
  epoch: number;
  train_loss: number | null;
  train_accuracy: number | null;
  val_loss: number | null;
  val_accuracy: number | null;
  seconds: number;
}

export const SUMMARY_COLUMNS = `r.id, r.name, r.status, r.created_at, r.finished_at, r.backend, r.labels_json,
  r.accuracy, r.macro_f1, r.uar, r.epoch_count, r.split_json,
  (SELECT group_concat(t.tag, char(31) ORDER BY t.tag) FROM run_tags t WHERE t.run_id = r.id) AS tags`;

export function toSummary(r: SummaryRow): RunSummary {
  return {
    id: r.id,
    name: r.name,
    tags: r.tags ? r.tags.split(TAG_SEP) : [],
    status: r.status,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    backend: r.backend,
    labels: JSON.parse(r.labels_json) as string[],
    accuracy: r.accuracy,
    macroF1: r.macro_f1,
    uar: r.uar,
    epochs: r.epoch_count,
    split: r.split_json ? (JSON.parse(r.split_json) as SplitConfig) : null,
  };
}

/** Columns of a list row, read as arrays (raw mode): building 10,000 keyed rows costs more than the query. */
export const LIST_COLUMNS = `r.id, r.name, r.status, r.created_at, r.finished_at, r.backend, r.labels_json,
  r.accuracy, r.macro_f1, r.uar, r.epoch_count, r.split_json`;

type ListRow = [
  string,
  string,
  RunStatus,
  string,
  string | null,
  BackendName,
  string,
  number | null,
  number | null,
  number | null,
  number,
  string | null,
];

/**
 * Raw list rows to summaries. `tags` maps run id to its sorted tags; most runs share a label
 * set, so each distinct labels_json is parsed once (`cache`), every summary getting its own array.
 */
export function toSummaries(rows: unknown[][], tags: Map<string, string[]>): RunSummary[] {
  const cache = new Map<string, string[]>();
  const splits = new Map<string, SplitConfig>();
  return (rows as ListRow[]).map(
    ([id, name, status, createdAt, finishedAt, backend, labelsJson, acc, f1, uar, n, splitJson]) => {
      let labels = cache.get(labelsJson);
      if (!labels) {
        labels = JSON.parse(labelsJson) as string[];
        cache.set(labelsJson, labels);
      }
      return {
        id,
        name,
        tags: tags.get(id) ?? [],
        status,
        createdAt,
        finishedAt,
        backend,
        labels: labels.slice(),
        accuracy: acc,
        macroF1: f1,
        uar,
        epochs: n,
        split: splitJson === null ? null : parseSplit(splits, splitJson),
      };
    },
  );
}

/** Runs mostly share a handful of splits: parse each once, give every run its own copy. */
function parseSplit(cache: Map<string, SplitConfig>, json: string): SplitConfig {
  let s = cache.get(json);
  if (!s) {
    s = JSON.parse(json) as SplitConfig;
    cache.set(json, s);
  }
  return structuredClone(s);
}

export function toEpoch(e: EpochRow): EpochMetrics {
  return {
    epoch: e.epoch,
    trainLoss: e.train_loss ?? Number.NaN,
    trainAccuracy: e.train_accuracy ?? Number.NaN,
    valLoss: e.val_loss,
    valAccuracy: e.val_accuracy,
    seconds: e.seconds,
  };
}

export function toRecord(r: RunRow, epochs: EpochRow[], artifacts: RunArtifact[]): RunRecord {
  return {
    ...toSummary(r),
    notes: r.notes,
    appVersion: r.app_version,
    config: JSON.parse(r.config_json) as TrainConfig,
    dataset: JSON.parse(r.dataset_json) as DatasetFingerprint,
    metrics: epochs.map(toEpoch),
    evaluation: r.evaluation_json ? (JSON.parse(r.evaluation_json) as Evaluation) : null,
    fits: r.fits_json ? (JSON.parse(r.fits_json) as CurveFit[]) : [],
    artifacts,
    error: r.error,
    pid: r.pid,
    host: r.host,
    heartbeatAt: r.heartbeat === null ? null : new Date(r.heartbeat).toISOString(),
  };
}

/** SQLite stores NaN as NULL anyway; say so explicitly. */
export function finiteOrNull(x: number | null): number | null {
  return x === null || Number.isNaN(x) ? null : x;
}
