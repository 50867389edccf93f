/** Worker thread that makes a clip's augmented copies (prepare.ts, augmentItems). */
import { serveTasks, taskInit } from '../util/task-pool.js';
import { augmentOne, type AugmentInit, type AugmentResult, type AugmentTask } from './prepare.js';

const init = taskInit<AugmentInit>();

serveTasks<AugmentTask, AugmentResult>(async (task) => {
  const mats = await augmentOne(task, init);
  const copies = mats.map((m) => ({ frames: m.frames, width: m.width, data: m.data }));
  return { result: { copies }, transfer: [...new Set(copies.map((c) => c.data.buffer as ArrayBuffer))] };
});
