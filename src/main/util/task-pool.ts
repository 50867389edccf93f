/**
 * A pool of worker threads that run tasks of one kind: the parent side (`runTasks`) and the
 * worker side (`serveTasks`). Tasks are handed out one at a time, so a slow task never holds
 * others back; results come back in task order; task events (progress) are passed on as they
 * arrive. The first failure rejects and stops every worker; an abort through `signal` asks the
 * workers to stop (their handlers see the signal) and terminates them, rejecting with
 * SerError('Cancelled').
 */
import { parentPort, workerData, type Worker } from 'node:worker_threads';
import { SerError, toErrorData, type SerErrorData } from '../../shared/errors.js';
import { startWorker } from './worker.js';

type ToWorker<T> = { type: 'task'; id: number; task: T } | { type: 'cancel' };
type FromWorker<R, E> =
  | { type: 'event'; id: number; event: E }
  | { type: 'result'; id: number; result: R }
  | { type: 'error'; id: number; error: SerErrorData };

export interface RunTasksOptions<R, E> {
  workers: number;
  /** Passed to every worker as its workerData (structured-cloned; SharedArrayBuffers are shared). */
  init: Record<string, unknown>;
  signal?: AbortSignal;
  /** What the cancellation error says, e.g. 'training cancelled'. */
  cancelMessage: string;
  onEvent?: (id: number, event: E) => void;
  onResult?: (id: number, result: R) => void;
}

export function runTasks<T, R, E = never>(entry: URL, tasks: T[], opts: RunTasksOptions<R, E>): Promise<R[]> {
  const results = new Array<R>(tasks.length);
  if (tasks.length === 0) return Promise.resolve(results);
  const n = Math.max(1, Math.min(opts.workers, tasks.length));
  const workers: Worker[] = [];
  let next = 0;
  let finished = 0;
  let settled = false;

  return new Promise<R[]>((resolve, reject) => {
    const end = (err: Error | null) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      for (const w of workers) void w.terminate();
      if (err) reject(err);
      else resolve(results);
    };
    const onAbort = () => {
      for (const w of workers) w.postMessage({ type: 'cancel' } satisfies ToWorker<T>);
      end(new SerError('Cancelled', opts.cancelMessage));
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const retired = new Set<Worker>();
    const give = (w: Worker) => {
      if (next >= tasks.length) {
        retired.add(w);
        void w.terminate();
        return;
      }
      const id = next++;
      w.postMessage({ type: 'task', id, task: tasks[id]! } satisfies ToWorker<T>);
    };
    for (let i = 0; i < n; i++) {
      const w = startWorker(entry, opts.init);
      workers.push(w);
      w.on('message', (m: FromWorker<R, E>) => {
        if (settled) return;
        try {
          if (m.type === 'event') opts.onEvent?.(m.id, m.event);
          else if (m.type === 'error') end(new SerError(m.error.code, m.error.message, m.error.path));
          else {
            results[m.id] = m.result;
            opts.onResult?.(m.id, m.result);
            if (++finished === tasks.length) end(null);
            else give(w);
          }
        } catch (err) {
          // A throwing callback ends the pool with its error rather than crashing the process.
          end(err instanceof Error ? err : new Error(String(err)));
        }
      });
      w.on('error', (err) =>
        end(new SerError('InternalError', `worker failed: ${toErrorData(err).message}`)),
      );
      w.on('exit', (code) => {
        if (!settled && !retired.has(w))
          end(new SerError('InternalError', `worker exited with code ${code} before finishing`));
      });
      give(w);
    }
  });
}

export interface TaskContext<E> {
  /** Aborted when the parent cancels. */
  signal: AbortSignal;
  emit: (event: E) => void;
}

/**
 * The worker side: run `handle` for each task, one at a time, and post its result (with the
 * buffers to transfer rather than copy) or its error. Returns the worker's workerData.
 */
export function serveTasks<T, R, E = never>(
  handle: (task: T, ctx: TaskContext<E>) => Promise<{ result: R; transfer?: ArrayBuffer[] }>,
): void {
  const port = parentPort;
  if (!port) throw new Error('serveTasks: must run in a worker thread');
  const abort = new AbortController();
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (cmd: ToWorker<T>) => {
    if (cmd.type === 'cancel') {
      abort.abort();
      return;
    }
    const { id } = cmd;
    const post = (m: FromWorker<R, E>, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
    queue = queue.then(async () => {
      try {
        const out = await handle(cmd.task, {
          signal: abort.signal,
          emit: (event) => post({ type: 'event', id, event }),
        });
        post({ type: 'result', id, result: out.result }, out.transfer ?? []);
      } catch (err) {
        post({ type: 'error', id, error: toErrorData(err) });
      }
    });
  });
}

/** This worker's init data (what runTasks got as `init`). */
export function taskInit<I>(): I {
  return workerData as I;
}
