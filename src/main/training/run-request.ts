/**
 * A TrainRequest carried out in the current thread: scan the folder, train, with the run
 * recorded by a store recorder (recorder.ts) when the request names a database. The worker
 * thread runs this; tests and benchmarks may call it directly.
 */
import { dirname, join, resolve } from 'node:path';
import type { DatasetScan } from '../../shared/dataset.js';
import { SerError, toErrorData } from '../../shared/errors.js';
import type { TrainEvent, TrainRequest, TrainResult } from '../../shared/training.js';
import { scanDataset } from '../dataset/scan.js';
import { defaultDbPath, defaultModelsDir } from '../store/paths.js';
import { validateTrainConfig } from './config.js';
import { NO_RECORDER, storeRecorder, type RunRecorder } from './recorder.js';
import { trainOnScan } from './trainer.js';

/** The feature cache beside the database, as the app's service uses. */
export function defaultCacheDir(dbPath: string): string {
  return join(dirname(resolve(dbPath)), 'feature-cache');
}

/** Scan for the chosen labels; when that fails, say which chosen labels the folder lacks. */
async function scanWithLabels(root: string, labels: string[], roots?: string[]): Promise<DatasetScan> {
  try {
    return await scanDataset(root, { labels, ...(roots ? { roots } : {}) });
  } catch (err) {
    if (!(err instanceof SerError) || err.code !== 'DatasetError') throw err;
    const all = await scanDataset(root, { minClasses: 1, ...(roots ? { roots } : {}) }).catch(() => null);
    if (!all) throw err;
    const have = new Set(Object.keys(all.countsByLabel).map((l) => l.toLowerCase()));
    const missing = labels.filter((l) => !have.has(l.toLowerCase()));
    if (missing.length === 0) throw err;
    throw new SerError(
      'DatasetError',
      `no clips labelled ${missing.join(', ')} in ${root} (labels found: ${[...have].sort().join(', ') || 'none'})`,
      root,
    );
  }
}

export async function runTrainRequest(
  req: TrainRequest,
  opts: { signal?: AbortSignal; onEvent?: (e: TrainEvent) => void } = {},
): Promise<TrainResult> {
  const emit = (e: TrainEvent) => opts.onEvent?.(e);
  let recorder: RunRecorder = NO_RECORDER;
  try {
    const config = validateTrainConfig(req.config);
    const dbPath = req.dbPath === undefined ? defaultDbPath() : req.dbPath;
    const cacheDir = req.cacheDir === undefined ? (dbPath ? defaultCacheDir(dbPath) : null) : req.cacheDir;
    emit({ type: 'stage', stage: 'scan', message: `scanning ${req.dataDir}` });
    // Through the app, a clip linked from outside its allowed folders is skipped, as in dataset.scan.
    const scan = await scanWithLabels(resolve(req.dataDir), config.labels, req.allowedRoots);
    for (const w of scan.warnings) emit({ type: 'log', level: 'warn', message: w });
    recorder = storeRecorder({ dbPath, ...(req.modelsDir ? { modelsDir: req.modelsDir } : {}) });
    const modelsDir = req.modelsDir ?? (dbPath ? defaultModelsDir(dbPath) : null);
    return await trainOnScan(scan, config, {
      signal: opts.signal,
      onEvent: emit,
      cacheDir,
      recorder,
      modelsDir,
      name: req.name,
      tags: req.tags,
      backend: req.backend,
      saveModel: req.saveModel,
    });
  } catch (err) {
    // Failures before a run exists (bad config, unreadable folder, locked database).
    const e = toErrorData(err);
    if (e.code === 'Cancelled') {
      emit({ type: 'cancelled', runId: null });
      return {
        runId: null,
        status: 'cancelled',
        evaluation: null,
        backend: null,
        seconds: 0,
        modelDir: null,
        labels: [],
      };
    }
    emit({ type: 'error', code: e.code, message: e.message, runId: null });
    return {
      runId: null,
      status: 'failed',
      evaluation: null,
      backend: null,
      seconds: 0,
      modelDir: null,
      labels: [],
      error: { code: e.code, message: e.message },
    };
  } finally {
    recorder.close();
  }
}
