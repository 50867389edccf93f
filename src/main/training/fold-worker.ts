/**
 * Worker thread of the fold pool (fold-pool.ts): trains one (fold, member) model per task on the
 * shared features and posts its events, then its weights, history and test probabilities.
 */
import { initBackend } from '../model/backend.js';
import { serveTasks, taskInit } from '../util/task-pool.js';
import { trainFold } from './fold.js';
import {
  unshareFoldData,
  type FoldWorkerEvent,
  type FoldWorkerInit,
  type FoldWorkerTask,
  type PortableOutcome,
} from './fold-pool.js';

const init = taskInit<FoldWorkerInit>();
const data = unshareFoldData(init.data);
const ready = initBackend(init.backend);

serveTasks<FoldWorkerTask, PortableOutcome, FoldWorkerEvent>(async (task, { signal, emit }) => {
  await ready;
  const out = await trainFold(
    data,
    task.split,
    task.config,
    task.seed,
    {
      signal,
      laterBatches: task.laterBatches,
      onBatch: (batch) => emit({ type: 'batch', batch }),
      onEpoch: (metrics, eta) => emit({ type: 'epoch', metrics, eta }),
    },
    task.replicas,
  );
  const weights = out.model.getWeights().map((w) => ({
    shape: w.shape,
    values: Float32Array.from(w.dataSync() as Float32Array),
  }));
  out.model.dispose();
  const { model: _model, ...rest } = out;
  return { result: { ...rest, weights }, transfer: weights.map((w) => w.values.buffer as ArrayBuffer) };
});
