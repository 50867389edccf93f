/**
 * Worker thread of the extraction pool: for each path, read (and hash, when caching), decode to
 * cfg.sampleRate, check it holds speech (audio/speech.ts), extract, and post the matrix back. Failures are returned as data for that
 * file; the worker carries on.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { toErrorData } from '../../shared/errors.js';
import { decodeBuffer, decodeFile } from '../audio/decode.js';
import { assertSpeech } from '../audio/speech.js';
import { cacheKey, contentHash, readCached, writeCached } from './cache.js';
import { extractFeatures } from './extract.js';
import type { FileTimings, ResultMessage, TaskMessage, WorkerInit } from './protocol.js';

/** Files up to this size are read once, hashed and decoded from memory. */
const IN_MEMORY_LIMIT = 256 * 1024 * 1024;

const { cfg, cacheDir } = workerData as WorkerInit;
const port = parentPort!;

async function handle(task: TaskMessage): Promise<ResultMessage> {
  const timings: FileTimings = { hashMs: 0, decodeMs: 0, extractMs: 0 };
  try {
    let key: string | null = null;
    let bytes: Uint8Array | null = null;
    if (cacheDir !== null) {
      const t0 = performance.now();
      // Unreadable or oversized files skip the cache; decodeFile then reports what is wrong.
      const size = fileSize(task.path);
      if (size !== null && size <= IN_MEMORY_LIMIT) {
        bytes = readFileSync(task.path);
        key = cacheKey(contentHash(bytes), cfg);
        const hit = readCached(cacheDir, key, cfg);
        timings.hashMs = performance.now() - t0;
        if (hit)
          return {
            id: task.id,
            ok: true,
            frames: hit.frames,
            width: hit.width,
            data: hit.data,
            cached: true,
            timings,
          };
      }
    }
    const t1 = performance.now();
    const audio = bytes
      ? await decodeBuffer(bytes, task.path, { targetRate: cfg.sampleRate })
      : await decodeFile(task.path, { targetRate: cfg.sampleRate });
    // No features of silence, tones or noise: every caller (training, evaluation) would learn
    // or score them as emotions. Only clips that pass are cached, under a key that names the
    // check's version, so a cache hit has passed this check.
    assertSpeech(audio.samples, audio.sampleRate, basename(task.path), task.path);
    const t2 = performance.now();
    const m = extractFeatures(audio.samples, cfg);
    const t3 = performance.now();
    timings.decodeMs = t2 - t1;
    timings.extractMs = t3 - t2;
    if (key !== null && cacheDir !== null) writeCached(cacheDir, key, m);
    return {
      id: task.id,
      ok: true,
      frames: m.frames,
      width: m.width,
      data: m.data,
      cached: false,
      timings,
      ...(audio.warnings.length ? { warnings: audio.warnings } : {}),
    };
  } catch (err) {
    const error = toErrorData(err);
    if (error.path === undefined) {
      // Engine errors do not know the file; name it so the message stands alone.
      error.path = task.path;
      error.message = `${error.message}: ${basename(task.path)}`;
    }
    return { id: task.id, ok: false, error, timings };
  }
}

function fileSize(path: string): number | null {
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : null;
  } catch {
    return null;
  }
}

port.on('message', (task: TaskMessage) => {
  // Copied, deliberately not transferred: transferring detaches the buffer, and the first
  // detached ArrayBuffer in an isolate invalidates V8's detaching protector, after which every
  // typed-array access carries a check. Measured here: extraction went from 3.6 to 4.7 ms a clip
  // for the rest of the worker's life, while copying an 86 KB matrix costs ~20 us.
  void handle(task).then((res) => port.postMessage(res));
});
