/**
 * Start a worker thread from a module URL, whether we run from TypeScript sources (tsx, tests)
 * or from a bundle (the built Electron app, where each worker is its own .js entry).
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

const BOOTSTRAP = new URL('./worker-bootstrap.mjs', import.meta.url);

export function startWorker(
  entry: URL,
  workerData: Record<string, unknown>,
  options: WorkerOptions = {},
): Worker {
  if (entry.pathname.endsWith('.ts')) {
    return new Worker(BOOTSTRAP, { ...options, workerData: { ...workerData, __entry: entry.href } });
  }
  return new Worker(entry, { ...options, workerData });
}
