/**
 * Train several (fold, ensemble member) models at once, one per worker thread, so a run uses
 * every core: an ensemble's CNN-LSTM and MLP side by side, k-fold folds in parallel.
 *
 * The features are packed once into a SharedArrayBuffer that every worker reads (no copy per
 * worker: RAVDESS with augmented copies is ~400 MB of float32). Each worker runs trainFold (the
 * same code as in-thread training, same seeds, so the same weights) and sends back the weights,
 * history and test probabilities; the model is rebuilt here from its config and those weights.
 * `workers: 1` trains in this thread, exactly as before.
 *
 * Memory: each worker holds its own TensorFlow.js engine (~150 MB with a model and batches), so
 * the default worker count is bounded by free memory as well as by cores and tasks.
 */
import { availableParallelism, freemem } from 'node:os';
import type { FeatureMatrix } from '../../shared/features.js';
import type { BackendName, TrainConfig } from '../../shared/training.js';
import { buildModel, modelInput } from '../model/build.js';
import { tf } from '../model/tf.js';
import { runTasks } from '../util/task-pool.js';
import { trainFold, type FoldCallbacks, type FoldData, type FoldOutcome } from './fold.js';
import type { SplitIndices } from './splits.js';

/** Memory a training worker may need beyond the shared features (engine, model, batches). */
export const WORKER_MEMORY_BYTES = 400 * 2 ** 20;

/** One model to train: a fold's split with one member's config. */
export interface FoldTask {
  split: SplitIndices;
  config: TrainConfig;
  seed: number;
  callbacks: Omit<FoldCallbacks, 'signal'> & {
    /** The model finished with this history (before the other tasks may have). */
    onDone?: (history: FoldOutcome['history']) => void;
  };
}

/** At most this many training workers by default (each holds its own TensorFlow.js engine). */
const MAX_DEFAULT_WORKERS = 8;

/**
 * Worker threads for `tasks` models. Asked for (`--workers N`): N, at most one per task. By
 * default every task gets its own thread when there are more tasks than cores (up to
 * MAX_DEFAULT_WORKERS): the cores are then shared by all of them and equal models finish
 * together, where one thread per core leaves cores idle in the last round (5 folds on 2 cores:
 * 2.5 model-times instead of 3); with fewer tasks than cores, one per task. Always bounded by
 * free memory.
 */
export function trainingWorkers(
  tasks: number,
  requested?: number,
  cores = availableParallelism(),
  free = freemem(),
): number {
  const byMemory = Math.max(1, Math.floor(free / WORKER_MEMORY_BYTES));
  const wanted = requested ?? (tasks > cores ? Math.min(tasks, MAX_DEFAULT_WORKERS) : cores);
  return Math.max(1, Math.min(wanted, tasks, byMemory));
}

// ---- shared features ------------------------------------------------------------------------

/** FoldData with every matrix's values in one SharedArrayBuffer (structured-clone friendly). */
export interface SharedFoldData {
  values: Float32Array; // backed by a SharedArrayBuffer
  /** [offset, frames] of each clip's matrix in `values`. */
  clips: Array<[number, number]>;
  /** Augmented copies: clip index -> [offset, frames] of each copy. */
  augmented: Array<[number, Array<[number, number]>]>;
  y: Int32Array;
  width: number;
  speakers?: Array<string | null>;
  columns: string[];
  config: FeatureMatrix['config'];
}

export function shareFoldData(data: FoldData): SharedFoldData {
  const all = [...data.matrices, ...[...data.augmented.values()].flat()];
  const total = all.reduce((n, m) => n + m.data.length, 0);
  const values = new Float32Array(new SharedArrayBuffer(total * 4));
  let at = 0;
  const place = (m: FeatureMatrix): [number, number] => {
    values.set(m.data, at);
    const spot: [number, number] = [at, m.frames];
    at += m.data.length;
    return spot;
  };
  const first = data.matrices[0]!;
  return {
    values,
    clips: data.matrices.map(place),
    augmented: [...data.augmented].map(([i, ms]) => [i, ms.map(place)]),
    y: data.y,
    width: data.width,
    ...(data.speakers ? { speakers: data.speakers } : {}),
    columns: first.columns,
    config: first.config,
  };
}

export function unshareFoldData(s: SharedFoldData): FoldData {
  const view = ([offset, frames]: [number, number]): FeatureMatrix => ({
    frames,
    width: s.width,
    data: s.values.subarray(offset, offset + frames * s.width),
    columns: s.columns,
    config: s.config,
  });
  return {
    matrices: s.clips.map(view),
    augmented: new Map(s.augmented.map(([i, spots]) => [i, spots.map(view)])),
    y: s.y,
    width: s.width,
    ...(s.speakers ? { speakers: s.speakers } : {}),
  };
}

// ---- messages -------------------------------------------------------------------------------

export interface FoldWorkerInit {
  data: SharedFoldData;
  backend: BackendName;
}

export interface FoldWorkerTask {
  split: SplitIndices;
  config: TrainConfig;
  seed: number;
  laterBatches: number;
  /** Data-parallel replicas of this model (data-parallel.ts); the worker leads them. */
  replicas: number;
}

export type FoldWorkerEvent =
  | { type: 'batch'; batch: Parameters<NonNullable<FoldCallbacks['onBatch']>>[0] }
  | { type: 'epoch'; metrics: Parameters<NonNullable<FoldCallbacks['onEpoch']>>[0]; eta: number };

/** A trained model's outcome without the model: its weights travel as arrays. */
export type PortableOutcome = Omit<FoldOutcome, 'model'> & {
  weights: Array<{ shape: number[]; values: Float32Array }>;
};

/** The model of a PortableOutcome, rebuilt in this thread. */
function rebuild(task: FoldTask, width: number, outcome: PortableOutcome): FoldOutcome {
  const input = modelInput(task.config.model, width);
  const model = buildModel(task.config.model, input, task.config.labels.length, task.seed);
  const tensors = outcome.weights.map((w) => tf.tensor(w.values, w.shape, 'float32'));
  model.setWeights(tensors);
  tf.dispose(tensors);
  const { weights: _weights, ...rest } = outcome;
  return { ...rest, model };
}

// ---- the pool -------------------------------------------------------------------------------

const WORKER_URL = new URL('./fold-worker.ts', import.meta.url);

export interface FoldPoolOptions {
  workers: number;
  backend: BackendName;
  signal?: AbortSignal;
  /** Data-parallel replicas of each model (default 1): each model's thread leads replicas - 1 helpers. */
  replicas?: number;
}

/**
 * Train every task; resolves in task order. With one worker (or one task) the tasks run here,
 * one after the other. The first failure rejects (other workers are stopped); a cancel through
 * `signal` stops every worker and rejects with SerError('Cancelled').
 */
export async function trainFolds(
  data: FoldData,
  tasks: FoldTask[],
  opts: FoldPoolOptions,
): Promise<FoldOutcome[]> {
  const n = Math.max(1, Math.min(opts.workers, tasks.length));
  const out: FoldOutcome[] = [];
  try {
    if (n === 1) {
      for (const t of tasks) {
        const { onDone, ...cb } = t.callbacks;
        const o = await trainFold(
          data,
          t.split,
          t.config,
          t.seed,
          { ...cb, signal: opts.signal },
          opts.replicas ?? 1,
        );
        out.push(o);
        onDone?.(o.history);
      }
      return out;
    }
    const init: FoldWorkerInit = { data: shareFoldData(data), backend: opts.backend };
    const portable = await runTasks<FoldWorkerTask, PortableOutcome, FoldWorkerEvent>(
      WORKER_URL,
      tasks.map((t) => ({
        split: t.split,
        config: t.config,
        seed: t.seed,
        laterBatches: t.callbacks.laterBatches ?? 0,
        replicas: opts.replicas ?? 1,
      })),
      {
        workers: n,
        init: init as unknown as Record<string, unknown>,
        signal: opts.signal,
        cancelMessage: 'training cancelled',
        onEvent: (id, e) => {
          const cb = tasks[id]!.callbacks;
          if (e.type === 'batch') cb.onBatch?.(e.batch);
          else cb.onEpoch?.(e.metrics, e.eta);
        },
        onResult: (id, r) => tasks[id]!.callbacks.onDone?.(r.history),
      },
    );
    portable.forEach((p, i) => out.push(rebuild(tasks[i]!, data.width, p)));
    return out;
  } catch (err) {
    for (const o of out) o.model.dispose();
    throw err;
  }
}
