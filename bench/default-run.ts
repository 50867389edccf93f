/**
 * `npm run bench:train -- --full-run`: the default recipe's whole held-out run on RAVDESS
 * (features, augmentation, training, evaluation on actors 17-20), timed.
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDefaultModel } from '../src/main/recipe/default-model.js';

export async function benchDefaultRun(): Promise<Record<string, unknown>> {
  const data = resolve(fileURLToPath(new URL('../../shared/data/ravdess-16k', import.meta.url)));
  const r = await makeDefaultModel({
    dataDir: data,
    cacheDir: process.env.SER_CACHE_DIR ?? join(tmpdir(), 'ser-feature-cache'),
  });
  return {
    seconds: Number(r.heldOut.seconds.toFixed(1)),
    accuracy: r.heldOut.evaluation.accuracy,
    macroF1: r.heldOut.evaluation.macroF1,
    testActors: r.heldOut.testActors,
    epochs: r.heldOut.epochs,
    backend: r.backend,
  };
}
