/**
 * Worker thread of a data-parallel fit (data-parallel.ts): one replica. It builds the leader's
 * model from the same config and seed, rebuilds the same examples from shared memory, and runs
 * the same training loop as a follower (its rows of every batch, gradients averaged with the
 * others'), until the leader stops. It keeps nothing: the leader's model is the result.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toErrorData } from '../../shared/errors.js';
import { initBackend } from '../model/backend.js';
import { buildModel } from '../model/build.js';
import type { ReplicaInit, ReplicaMessage } from './data-parallel.js';
import { fitModel } from './loop.js';
import { ReplicaExchange } from './replica-exchange.js';
import { sharedExampleSet } from './shared-examples.js';

const init = workerData as ReplicaInit;
const exchange = new ReplicaExchange(init.exchange, init.rank);
const post = (m: ReplicaMessage) => parentPort!.postMessage(m);

try {
  const backend = await initBackend(init.backend);
  // Another backend computes other bits: the replicas would drift apart.
  if (backend !== init.backend)
    throw new Error(`the ${init.backend} backend did not load here (got ${backend})`);
  const { config, input, classes, seed } = init.model;
  const model = buildModel(config, input, classes, seed);
  try {
    await fitModel(model, sharedExampleSet(init.examples), null, { ...init.fit, replica: exchange });
  } finally {
    model.dispose();
  }
  post({ type: 'done' });
} catch (err) {
  // Report first, then wake the leader: its error should be this one, not "stopped".
  post({ type: 'error', error: toErrorData(err) });
  exchange.abort();
}
