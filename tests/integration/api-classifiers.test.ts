/**
 * The API's model cache with the real bundled model: retiring a model (eviction, forget, clear)
 * while classifications on it are still running must not free its tensors under them.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFile } from '../../src/main/audio/decode.js';
import { ClassifierCache } from '../../src/main/api/classifiers.js';
import { openStore } from '../../src/main/store/index.js';
import { defaultModelDir } from '../../src/main/inference/predict.js';
import { HAVE_RAVDESS, MISSING_DATA, ravdessClip } from '../helpers/shared-data.js';

const MODEL = defaultModelDir();
const HAVE_MODEL = existsSync(resolve(MODEL, 'meta.json'));
const dir = mkdtempSync(join(tmpdir(), 'ser-classifiers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!HAVE_RAVDESS || !HAVE_MODEL)(
  `classifier cache ${!HAVE_RAVDESS ? MISSING_DATA : !HAVE_MODEL ? '(skipped: no bundled model)' : ''}`,
  () => {
    it('a call keeps its model while another clears the cache mid-way; the next call reloads', async () => {
      const store = openStore(join(dir, 'ser.sqlite'));
      const cache = new ClassifierCache({ store, defaultModelDir: MODEL });
      const clip = ravdessClip(5, '03-01-05-02-01-01-05.wav');
      try {
        // As the classify method does: classify, await the next file's decoding, classify again.
        // Meanwhile another request clears the cache (a deleted run, a closed service).
        const [first, second] = await cache.use(null, async (model) => {
          const { samples } = await decodeFile(clip, { targetRate: model.sampleRate });
          const a = await model.classify(samples, 'a.wav');
          cache.clear();
          const again = await decodeFile(clip, { targetRate: model.sampleRate });
          const b = await model.classify(again.samples, 'b.wav');
          return [a, b];
        });
        expect(first.label).toBe(second.label);
        expect(second.probabilities).toEqual(first.probabilities);
        expect(Object.values(second.probabilities).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 4);
        // The retired model was freed after that call; a new call loads it again and agrees.
        const third = await cache.use(null, async (model) => {
          const { samples } = await decodeFile(clip, { targetRate: model.sampleRate });
          return model.classify(samples, 'c.wav');
        });
        expect(third.probabilities).toEqual(first.probabilities);
      } finally {
        cache.clear();
        store.close();
      }
    });
  },
);
