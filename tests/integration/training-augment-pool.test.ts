/**
 * Augmented copies made in worker threads equal the ones made in this thread (same seeds), and
 * the cache serves them on the next run.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contentHash } from '../../src/main/features/cache.js';
import { augmentItems } from '../../src/main/training/prepare.js';
import { TRAINING_FEATURES } from '../../src/main/training/config.js';
import type { DatasetItem } from '../../src/shared/dataset.js';
import { DEFAULT_AUGMENT_CONFIG } from '../../src/shared/training.js';
import { HAVE_RAVDESS, MISSING_DATA, ravdessClip } from '../helpers/shared-data.js';

describe.skipIf(!HAVE_RAVDESS)(`augmentation in workers ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  const cache = mkdtempSync(join(tmpdir(), 'ser-augment-pool-'));
  afterAll(() => rmSync(cache, { recursive: true, force: true }));

  const names = ['03-01-05-01-01-01-01.wav', '03-01-02-01-01-01-01.wav', '03-01-03-02-02-01-01.wav'];
  const items = names.map((n) => ({ path: ravdessClip(1, n), label: 'x', speaker: '1' }) as DatasetItem);
  const hashes = items.map((it) => contentHash(readFileSync(it.path)));
  const augment = { ...DEFAULT_AUGMENT_CONFIG, copiesPerClip: 2 };
  const run = (workers: number, cacheDir: string | null, onProgress?: (d: number, t: number) => void) =>
    augmentItems(items, hashes, [0, 1, 2], augment, TRAINING_FEATURES, 42, { workers, cacheDir, onProgress });

  it('two workers make the same copies as one thread, in clip order, with progress', async () => {
    const here = await run(1, null);
    const progress: number[] = [];
    const pooled = await run(2, cache, (d) => progress.push(d));
    expect([...pooled.keys()].sort()).toEqual([0, 1, 2]);
    for (const i of [0, 1, 2]) {
      const a = here.get(i)!;
      const b = pooled.get(i)!;
      expect(b.length).toBe(2);
      b.forEach((m, c) => {
        expect(m.frames).toBe(a[c]!.frames);
        expect(m.columns).toEqual(a[c]!.columns);
        expect(Array.from(m.data)).toEqual(Array.from(a[c]!.data));
      });
      // The copies differ from each other (a real augmentation, not a repeat).
      expect(Array.from(b[0]!.data)).not.toEqual(Array.from(b[1]!.data));
    }
    expect(progress.sort((x, y) => x - y)).toEqual([1, 2, 3]);
    // Second run: everything from the cache, identical.
    const again = await run(2, cache);
    expect(Array.from(again.get(2)![1]!.data)).toEqual(Array.from(here.get(2)![1]!.data));
  });
});
