/**
 * Extract features from many files in a pool of worker threads (one per core by default).
 * Results come back in input order, each a FeatureMatrix or the error for that file, so one bad
 * file never sinks a batch; the matrices share one `config` and one `columns` array (treat them
 * as read-only). Cancelling through the AbortSignal terminates the workers at once (mid-clip
 * included) and rejects with SerError('Cancelled').
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { SerError, type SerErrorData } from '../../shared/errors.js';
import { type FeatureConfig, type FeatureMatrix, featureColumns } from '../../shared/features.js';
import { startWorker } from '../util/worker.js';
import { parseFeatureConfig } from './config.js';
import type { FileTimings, ResultMessage, TaskMessage, WorkerInit } from './protocol.js';

export type ExtractResult = FeatureMatrix | SerErrorData;

/** What became of one file, reported with each progress step. */
export interface FileOutcome {
  index: number;
  path: string;
  /** Served from the cache (nothing decoded or extracted). */
  cached: boolean;
  error?: SerErrorData;
  /** Decode warnings for a file that was used anyway. */
  warnings?: string[];
  timings: FileTimings;
}

export interface ExtractManyOptions {
  /** Worker threads; default os.availableParallelism(), never more than there are files. */
  workers?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, file: FileOutcome) => void;
  /** Directory of the feature cache; null or absent disables it. */
  cacheDir?: string | null;
}

export function isExtractError(r: ExtractResult): r is SerErrorData {
  return 'code' in r;
}

const WORKER_URL = new URL('./worker.ts', import.meta.url);
/** Workers that die before finishing a single file mean the pool cannot start at all. */
const MAX_START_FAILURES = 3;

export function extractMany(
  paths: string[],
  config: FeatureConfig,
  opts: ExtractManyOptions = {},
): Promise<ExtractResult[]> {
  const total = paths.length;
  const { signal, onProgress } = opts;
  if (signal?.aborted) return Promise.reject(cancelled());
  let cfg: FeatureConfig;
  try {
    cfg = parseFeatureConfig(config);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  if (total === 0) return Promise.resolve([]);
  const nWorkers = Math.max(1, Math.min(opts.workers ?? availableParallelism(), total));
  const init: WorkerInit = { cfg, cacheDir: opts.cacheDir ?? null };
  const columns = featureColumns(cfg);
  const results = new Array<ExtractResult | undefined>(total);

  return new Promise<ExtractResult[]>((resolve, reject) => {
    const live = new Set<Worker>();
    let next = 0;
    let done = 0;
    let startFailures = 0;
    let settled = false;

    const finish = (err: Error | null) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      for (const w of live) void w.terminate();
      live.clear();
      if (err) reject(err);
      else resolve(results as ExtractResult[]);
    };
    const onAbort = () => finish(cancelled());
    signal?.addEventListener('abort', onAbort, { once: true });

    const record = (index: number, result: ExtractResult, outcome: Omit<FileOutcome, 'index' | 'path'>) => {
      results[index] = result;
      done++;
      try {
        onProgress?.(done, total, { index, path: paths[index]!, ...outcome });
      } catch (err) {
        // A throwing callback ends the batch with its error rather than crashing the process.
        finish(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (done === total) finish(null);
    };

    const spawn = () => {
      const worker = startWorker(WORKER_URL, init as unknown as Record<string, unknown>);
      live.add(worker);
      let current = -1;
      let completed = 0;
      const feed = () => {
        if (settled) return;
        if (next >= total) {
          live.delete(worker);
          void worker.terminate();
          return;
        }
        current = next++;
        const task: TaskMessage = { id: current, path: paths[current]! };
        worker.postMessage(task);
      };
      worker.on('message', (msg: ResultMessage) => {
        if (settled || msg.id !== current) return;
        completed++;
        current = -1;
        if (msg.ok) {
          const m: FeatureMatrix = {
            frames: msg.frames,
            width: msg.width,
            data: msg.data,
            columns,
            config: cfg,
          };
          record(msg.id, m, {
            cached: msg.cached,
            timings: msg.timings,
            ...(msg.warnings?.length ? { warnings: msg.warnings } : {}),
          });
        } else {
          record(msg.id, msg.error, { cached: false, error: msg.error, timings: msg.timings });
        }
        feed();
      });
      const lost = (why: string) => {
        if (settled || !live.has(worker)) return;
        live.delete(worker);
        if (completed === 0 && ++startFailures >= MAX_START_FAILURES) {
          finish(new SerError('InternalError', `feature workers fail to start: ${why}`));
          return;
        }
        // The file in hand fails alone; a fresh worker takes over the queue.
        if (current >= 0) {
          const error: SerErrorData = {
            code: 'InternalError',
            message: `feature worker died on this file (${why}): ${paths[current]}`,
            path: paths[current]!,
          };
          const idx = current;
          current = -1;
          record(idx, error, { cached: false, error, timings: { hashMs: 0, decodeMs: 0, extractMs: 0 } });
        }
        if (!settled && next < total) spawn();
      };
      worker.on('error', (err) => lost(err.message));
      worker.on('exit', (code) => lost(`exit code ${code}`));
      feed();
    };

    for (let i = 0; i < nWorkers; i++) spawn();
  });
}

function cancelled(): SerError {
  return new SerError('Cancelled', 'feature extraction cancelled');
}
