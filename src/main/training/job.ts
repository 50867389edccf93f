/**
 * Training off the calling thread: `startTrainingJob` runs a TrainRequest in a worker thread
 * and streams its TrainEvents. The desktop app, the web host and the CLI all start training
 * through this one function.
 *
 * If the worker dies without a result (process.exit in the worker, an out-of-memory error, an
 * uncaught exception), the job reports an `error` event, marks the run failed in the store
 * through the run recorder (when one had been created) and resolves `done` with status 'failed'. A cancel that the
 * worker does not honour within `cancelGraceMs` terminates it and records the run cancelled.
 */
import { randomUUID } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { toErrorData } from '../../shared/errors.js';
import type { TrainEvent, TrainRequest, TrainResult } from '../../shared/training.js';
import { startWorker } from '../util/worker.js';
import type { JobCommand, JobMessage } from './protocol.js';
import { recordAbnormalEnd } from './recorder.js';

export interface TrainWorkerJob {
  id: string;
  /** Ask the worker to stop after the current batch; the run is recorded as cancelled. */
  cancel(): void;
  /** Resolves when the worker has finished (never rejects). */
  done: Promise<TrainResult>;
}

export interface TrainWorkerJobOptions {
  /** How long a cancelled worker may take to stop before it is terminated (default 30 s). */
  cancelGraceMs?: number;
  /** Worker heap limits (tests use them to provoke an out-of-memory crash). */
  resourceLimits?: { maxOldGenerationSizeMb?: number };
}

const WORKER_URL = new URL('./worker.ts', import.meta.url);

export function startTrainingJob(
  req: TrainRequest,
  onEvent: (e: TrainEvent) => void,
  opts: TrainWorkerJobOptions = {},
): TrainWorkerJob {
  const id = randomUUID();
  let worker: Worker;
  let runId: string | null = null;
  let result: TrainResult | null = null;
  let crash: Error | null = null;
  let cancelRequested = false;
  let killTimer: NodeJS.Timeout | null = null;
  const t0 = performance.now();

  const done = new Promise<TrainResult>((resolvePromise) => {
    const ended = (status: 'failed' | 'cancelled'): TrainResult => ({
      runId,
      status,
      evaluation: null,
      backend: null,
      seconds: (performance.now() - t0) / 1000,
      modelDir: null,
      labels: req.config?.labels ?? [],
    });
    const fail = (message: string): TrainResult => ({
      ...ended('failed'),
      error: { code: 'TrainingError', message },
    });
    try {
      worker = startWorker(
        WORKER_URL,
        {},
        opts.resourceLimits ? { resourceLimits: opts.resourceLimits } : {},
      );
    } catch (err) {
      const message = `could not start the training worker: ${toErrorData(err).message}`;
      queueMicrotask(() => onEvent({ type: 'error', code: 'TrainingError', message, runId: null }));
      resolvePromise(fail(message));
      return;
    }
    worker.on('message', (m: JobMessage) => {
      if (m.type === 'result') {
        result = m.result;
        return;
      }
      const e = m.event;
      if (e.type === 'started') runId = e.runId;
      onEvent(e);
    });
    worker.on('error', (err) => {
      crash = err;
    });
    worker.on('exit', (code) => {
      if (killTimer) clearTimeout(killTimer);
      if (result) {
        resolvePromise(result);
        return;
      }
      // No result: the worker died or was terminated.
      if (cancelRequested && !crash) {
        const storeProblem = runId ? recordAbnormalEnd(req, runId, 'cancelled', '') : null;
        if (storeProblem)
          onEvent({ type: 'log', level: 'warn', message: `could not record the cancel: ${storeProblem}` });
        onEvent({ type: 'cancelled', runId });
        resolvePromise(ended('cancelled'));
        return;
      }
      const why = crash
        ? `${(crash as Error).message.split('\n')[0]}`
        : `the worker exited with code ${code}`;
      const message = `training worker crashed: ${why}`;
      const storeProblem = runId ? recordAbnormalEnd(req, runId, 'failed', message) : null;
      onEvent({ type: 'error', code: 'TrainingError', message, runId });
      if (storeProblem)
        onEvent({ type: 'log', level: 'warn', message: `could not mark the run failed: ${storeProblem}` });
      resolvePromise(fail(message));
    });
    const start: JobCommand = { type: 'start', request: req };
    worker.postMessage(start);
  });

  return {
    id,
    cancel() {
      if (cancelRequested || result) return;
      cancelRequested = true;
      const cmd: JobCommand = { type: 'cancel' };
      try {
        worker.postMessage(cmd);
      } catch {
        // Worker already gone: its exit handler reports.
      }
      killTimer = setTimeout(() => void worker.terminate(), opts.cancelGraceMs ?? 30_000);
      killTimer.unref();
    },
    done,
  };
}
