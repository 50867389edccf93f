/** Messages between a training job and its worker thread (plain, structured-cloneable data). */
import type { TrainEvent, TrainRequest, TrainResult } from '../../shared/training.js';

/** Parent -> worker. */
export type JobCommand = { type: 'start'; request: TrainRequest } | { type: 'cancel' };

/** Worker -> parent. `result` is the last message; the worker exits after it. */
export type JobMessage = { type: 'event'; event: TrainEvent } | { type: 'result'; result: TrainResult };
