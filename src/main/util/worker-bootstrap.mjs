// Entry of every worker thread when running from TypeScript sources (CLI, tests, benches):
// registers tsx inside the worker, then loads the real worker module named in workerData.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.__entry);
