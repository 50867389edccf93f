/**
 * Data-parallel training of one model: the calling thread (a fold worker, or the trainer's own
 * thread) is replica 0, the leader, and starts `replicas - 1` worker threads (replica-worker.ts),
 * each building the same model from the same seed. Every step, each replica trains on its rows of
 * the batch (16 of 32 with two), the gradients are averaged through shared memory
 * (replica-exchange.ts) and every replica applies the same Adam update, so all stay identical
 * (checked at the end by a fingerprint of the weights). Only the leader validates, stops early,
 * reports progress and keeps the model.
 *
 * What changes against one thread (so `replicas` is recorded in the run's config): batch norm
 * normalises each replica's rows by their own statistics ("ghost" batch norm over 16 rows, and the
 * moving statistics are the replicas' mean at the end of every epoch), gradients are summed in a
 * different order, and a last batch of a single example is skipped. Batch order, crops, masks,
 * mixup and dropout masks are those of one thread for the same seed.
 *
 * Why: one model trains on one thread (tfjs-backend-wasm's kernels run single-threaded in Node),
 * so a run of one model left the second core idle (docs/BENCHMARKS.md, "Training speed").
 */
import { availableParallelism, freemem } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { SerError, toErrorData, type SerErrorData } from '../../shared/errors.js';
import type { BackendName, ModelConfig, TrainConfig } from '../../shared/training.js';
import type { ModelInputShape } from '../model/build.js';
import { tf, type LayersModel } from '../model/tf.js';
import { startWorker } from '../util/worker.js';
import type { ExampleSet } from './examples.js';
import { WORKER_MEMORY_BYTES } from './fold-pool.js';
import { fitModel, type FitOptions, type FitResult } from './loop.js';
import { createExchangeBuffers, ReplicaExchange, type ExchangeBuffers } from './replica-exchange.js';
import { sharedExampleSet, type SharedExamples } from './shared-examples.js';

/**
 * Fewest batch rows a replica gets by default. Batch norm normalises by each replica's own rows,
 * and below ~16 the step is mostly tfjs's fixed per-kernel cost (the recipe MLP: 6.8 ms of CPU
 * for the gradients of 16 rows, 10.3 ms for 32; docs/BENCHMARKS.md).
 */
export const MIN_REPLICA_ROWS = 16;

/**
 * Fewest optimizer steps a model must run before a second replica is worth starting by default:
 * a replica worker loads its own TensorFlow.js engine (1-2 s) and saves ~3 ms a step on the
 * recipe MLP. Short runs (tests, quick trials) stay on one thread.
 */
export const MIN_DATA_PARALLEL_STEPS = 1000;

/**
 * The model kinds that train data-parallel by default (when the run leaves threads spare). None
 * yet: on this project's 2-core machine two replicas of the recipe MLP were slower than one thread
 * at every load we could measure (a 16-row step keeps most of a 32-row step's fixed cost, Adam
 * runs on every replica, and a replica waits for the slowest one every step), and the CNN-LSTM,
 * whose per-sample cost should let it pay, could not be measured on a quiet machine
 * (docs/BENCHMARKS.md, "Data-parallel training of one model"). `--replicas N` turns it on for any model.
 */
export const DATA_PARALLEL_BY_DEFAULT: ReadonlyArray<ModelConfig['kind']> = [];

export interface ReplicaChoice {
  /** The main model's kind (DATA_PARALLEL_BY_DEFAULT). */
  kind: ModelConfig['kind'];
  /** Models the run trains (folds x ensemble members). */
  models: number;
  /** Threads the run may use for training (--workers, else the cores). */
  threads: number;
  /** The main model's batch size. */
  batchSize: number;
  /** Roughly how many optimizer steps each model runs (an overestimate is fine). */
  steps: number;
  backend: BackendName;
  /** Free memory in bytes (each replica worker holds its own TensorFlow.js engine). */
  free?: number;
}

/**
 * Replicas per model by default: for the kinds in DATA_PARALLEL_BY_DEFAULT, the threads the run's
 * models leave spare (one model on two cores: 2; an ensemble or k-fold on two cores: 1), at most
 * one per MIN_REPLICA_ROWS rows of a batch and as many as free memory holds; 1 for short runs
 * (MIN_DATA_PARALLEL_STEPS) and on the native backend (its kernels already use every core).
 */
export function dataParallelReplicas(
  c: ReplicaChoice,
  kinds: ReadonlyArray<ModelConfig['kind']> = DATA_PARALLEL_BY_DEFAULT,
): number {
  if (!kinds.includes(c.kind)) return 1;
  if (c.backend === 'tensorflow' || c.steps < MIN_DATA_PARALLEL_STEPS) return 1;
  const spare = Math.floor(c.threads / Math.max(1, c.models));
  const byMemory = 1 + Math.floor((c.free ?? freemem()) / WORKER_MEMORY_BYTES);
  return Math.max(1, Math.min(spare, Math.floor(c.batchSize / MIN_REPLICA_ROWS), byMemory));
}

/** Models a run trains: one per fold and ensemble member. */
export function modelsOf(cfg: TrainConfig): number {
  const folds = cfg.split.kind === 'kfold-actors' ? cfg.split.folds : 1;
  return folds * (1 + (cfg.ensemble?.length ?? 0));
}

/**
 * The replicas a run uses: TrainConfig.replicas when set, else dataParallelReplicas for this
 * run's models and roughly every clip (and its augmented copies) trained every epoch; 1 with the
 * speaker adversary.
 */
export function runReplicas(cfg: TrainConfig, clips: number, backend: BackendName): number {
  const opt = cfg.optimizer;
  // The speaker adversary trains on one thread (loop.ts), whatever was asked.
  if ((opt.speakerAdversarial ?? 0) > 0) return 1;
  if (cfg.replicas !== undefined) return cfg.replicas;
  const examples = clips * (1 + cfg.augment.copiesPerClip);
  return dataParallelReplicas({
    kind: cfg.model.kind,
    models: modelsOf(cfg),
    threads: cfg.workers ?? availableParallelism(),
    batchSize: opt.batchSize,
    steps: opt.epochs * Math.ceil(examples / opt.batchSize),
    backend,
  });
}

// ---- the leader -----------------------------------------------------------------------------

/** What a replica worker needs to build the leader's model and run the same loop. */
export interface ReplicaInit {
  exchange: ExchangeBuffers;
  rank: number;
  backend: BackendName;
  examples: SharedExamples;
  model: { config: ModelConfig; input: ModelInputShape; classes: number; seed: number };
  fit: Omit<FitOptions, 'signal' | 'onBatch' | 'onEpoch' | 'laterBatches' | 'replica'>;
}

export type ReplicaMessage = { type: 'done' } | { type: 'error'; error: SerErrorData };

const REPLICA_URL = new URL('./replica-worker.ts', import.meta.url);

/**
 * Fit `model` (built from `spec`) on `examples` with `replicas` replicas: this thread leads and
 * returns fitModel's result; the other replicas run in worker threads for the length of the fit.
 * A failing replica fails the fit with its error; a cancel through opts.signal stops them all.
 */
export async function fitDataParallel(
  model: LayersModel,
  examples: SharedExamples,
  val: ExampleSet | null,
  opts: FitOptions,
  spec: ReplicaInit['model'],
  replicas: number,
): Promise<FitResult> {
  const trainable = model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a, b) => a! * b!, 1)!, 0);
  const moving = model.nonTrainableWeights.reduce((n, w) => n + w.shape.reduce((a, b) => a! * b!, 1)!, 0);
  const buffers = createExchangeBuffers(replicas, Math.max(trainable, moving, 1));
  const exchange = new ReplicaExchange(buffers, 0);
  const { signal, onBatch: _b, onEpoch: _e, laterBatches: _l, replica: _r, ...fit } = opts;
  const workers: Worker[] = [];
  let failure: SerError | null = null;
  const failed = (err: SerError) => {
    failure ??= err;
    exchange.abort();
  };
  const exits: Array<Promise<void>> = [];
  const onAbort = () => exchange.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (let rank = 1; rank < replicas; rank++) {
      const init: ReplicaInit = {
        exchange: buffers,
        rank,
        backend: tf.getBackend() as BackendName,
        examples,
        model: spec,
        fit,
      };
      const w = startWorker(REPLICA_URL, init as unknown as Record<string, unknown>);
      workers.push(w);
      let done = false;
      w.on('message', (m: ReplicaMessage) => {
        if (m.type === 'done') done = true;
        else failed(new SerError(m.error.code, `replica ${rank}: ${m.error.message}`, m.error.path));
      });
      w.on('error', (err) =>
        failed(new SerError('InternalError', `replica ${rank} failed: ${toErrorData(err).message}`)),
      );
      exits.push(
        new Promise((resolve) =>
          w.once('exit', (code) => {
            if (!done)
              failed(
                new SerError('InternalError', `replica ${rank} exited with code ${code} before finishing`),
              );
            resolve();
          }),
        ),
      );
    }
    return await fitModel(model, sharedExampleSet(examples), val, { ...opts, replica: exchange });
  } catch (err) {
    exchange.abort();
    if (signal?.aborted) throw new SerError('Cancelled', 'training cancelled');
    // A replica's own error says more than the leader's "stopped" (it may arrive just after).
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 2000).unref())]);
    throw failure ?? err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    for (const w of workers) void w.terminate();
  }
}
