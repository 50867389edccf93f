/**
 * The training worker thread: waits for one `start`, trains, posts events and the result, exits.
 * A `cancel` aborts the run between batches (recorded as cancelled).
 */
import { parentPort } from 'node:worker_threads';
import type { JobCommand, JobMessage } from './protocol.js';
import { runTrainRequest } from './run-request.js';

const port = parentPort;
if (!port) throw new Error('training worker: must run in a worker thread');

const abort = new AbortController();
// Fault injection for the crash-handling tests: exit the thread abruptly after this epoch.
const exitAtEpoch = Number(process.env.SER_TEST_WORKER_EXIT_AT_EPOCH ?? NaN);
const post = (m: JobMessage) => {
  port.postMessage(m);
  if (m.type === 'event' && m.event.type === 'epoch' && m.event.metrics.epoch === exitAtEpoch)
    process.exit(3);
};
let started = false;

port.on('message', (cmd: JobCommand) => {
  if (cmd.type === 'cancel') {
    abort.abort();
    return;
  }
  if (cmd.type === 'start' && !started) {
    started = true;
    void runTrainRequest(cmd.request, {
      signal: abort.signal,
      onEvent: (event) => post({ type: 'event', event }),
    }).then((result) => {
      post({ type: 'result', result });
      port.close();
    });
  }
});
