/**
 * The one place training writes to the run store. The trainer reports a run's life (created,
 * each epoch of its main model, finished, or ended abnormally) to a RunRecorder and never touches
 * the store itself; `storeRecorder` writes those reports to a SQLite file, `NO_RECORDER` drops
 * them (tests, benchmarks, the bundled model). When the worker thread dies before it could
 * report an end, the job calls `recordAbnormalEnd`, which writes through the same recorder.
 */
import type { ClipEvaluationInput } from '../../shared/clips.js';
import { toErrorData } from '../../shared/errors.js';
import type { BackendName, CurveFit, EpochMetrics, Evaluation, TrainConfig } from '../../shared/training.js';
import type { DatasetFingerprint } from '../../shared/runs.js';
import { defaultDbPath } from '../store/paths.js';
import { openStore, type RunStore } from '../store/run-store.js';

export interface RunStart {
  name: string;
  config: TrainConfig;
  dataset: DatasetFingerprint;
  backend: BackendName;
  tags: string[];
}

export interface RunFinish {
  /** The dataset as used: counts without the skipped clips, and the skips. */
  dataset?: DatasetFingerprint;
  evaluation: Evaluation | null;
  clipEvaluations: ClipEvaluationInput[];
  fits: CurveFit[];
  /** The saved model folder, or null. */
  modelDir: string | null;
}

export interface RunRecorder {
  /** Where saved models go by default (`<modelsDir>/<runId>/`), or null when nothing is recorded. */
  readonly modelsDir: string | null;
  /** Create the run (status running, kept alive by a heartbeat); its id, or null when not recorded. */
  start(run: RunStart): string | null;
  epoch(metrics: EpochMetrics): void;
  completed(finish: RunFinish): void;
  /** A cancel or failure; never throws (a store problem comes back as its message). */
  ended(status: 'failed' | 'cancelled', error?: string): string | null;
  /** Stop the heartbeat and close the store. */
  close(): void;
}

/** Records nothing. */
export const NO_RECORDER: RunRecorder = {
  modelsDir: null,
  start: () => null,
  epoch: () => {},
  completed: () => {},
  ended: () => null,
  close: () => {},
};

/**
 * A recorder writing to an open store (the caller keeps ownership of `store`); `existingRunId`
 * attaches it to a run already created (to record its end).
 */
export function recorderFor(store: RunStore, existingRunId: string | null = null): RunRecorder {
  let runId: string | null = existingRunId;
  let stopHeartbeat = () => {};
  return {
    modelsDir: store.modelsDir,
    start(run) {
      runId = store.createRun(run);
      stopHeartbeat = store.keepAlive(runId);
      return runId;
    },
    epoch(m) {
      if (runId) store.appendEpoch(runId, m);
    },
    completed(f) {
      if (!runId) return;
      store.finishRun(runId, {
        status: 'completed',
        ...(f.evaluation ? { evaluation: f.evaluation } : {}),
        clipEvaluations: f.clipEvaluations,
        fits: f.fits,
        artifacts: f.modelDir ? [{ kind: 'model', path: f.modelDir }] : [],
        ...(f.dataset ? { dataset: f.dataset } : {}),
      });
    },
    ended(status, error = '') {
      if (!runId) return null;
      try {
        // A run another writer already ended (the worker's own cancel) keeps its status.
        if (store.getRun(runId).status === 'running')
          store.finishRun(runId, status === 'failed' ? { status, error } : { status });
        return null;
      } catch (err) {
        return toErrorData(err).message;
      }
    },
    close() {
      stopHeartbeat();
    },
  };
}

export interface RecorderTarget {
  /** SQLite file; null records nothing; undefined: the default database. */
  dbPath?: string | null;
  modelsDir?: string;
}

/** A recorder that opens the store at `target` (and closes it on close()), or NO_RECORDER. */
export function storeRecorder(target: RecorderTarget): RunRecorder {
  const dbPath = target.dbPath === undefined ? defaultDbPath() : target.dbPath;
  if (!dbPath) return NO_RECORDER;
  const store = openStore(dbPath, target.modelsDir ? { modelsDir: target.modelsDir } : {});
  const rec = recorderFor(store);
  return {
    ...rec,
    close() {
      rec.close();
      store.close();
    },
  };
}

/**
 * Record the end of a run its worker could not finish itself (crash, or a cancel it did not
 * honour in time). Errors are only reported: the message, or null when recorded.
 */
export function recordAbnormalEnd(
  target: RecorderTarget,
  runId: string,
  status: 'failed' | 'cancelled',
  error: string,
): string | null {
  let store: RunStore | null = null;
  try {
    const dbPath = target.dbPath === undefined ? defaultDbPath() : target.dbPath;
    if (!dbPath) return null;
    store = openStore(dbPath, target.modelsDir ? { modelsDir: target.modelsDir } : {});
    return recorderFor(store, runId).ended(status, error);
  } catch (err) {
    return toErrorData(err).message;
  } finally {
    store?.close();
  }
}
