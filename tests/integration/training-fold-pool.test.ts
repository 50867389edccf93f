/**
 * The fold pool trains (fold, member) models in worker threads on shared features, with the same
 * result as training them one after the other in this thread (same seeds, same weights).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/main/model/backend.js';
import { MLP_BASELINE } from '../../src/main/model/presets.js';
import { buildTrainConfig } from '../../src/main/training/config.js';
import type { FoldData, FoldOutcome } from '../../src/main/training/fold.js';
import {
  shareFoldData,
  trainFolds,
  unshareFoldData,
  type FoldTask,
} from '../../src/main/training/fold-pool.js';
import { DEFAULT_FEATURE_CONFIG, type FeatureMatrix } from '../../src/shared/features.js';
import type { TrainConfig } from '../../src/shared/training.js';
import { calmAngryClips } from '../helpers/calm-angry.js';
import { HAVE_RAVDESS, MISSING_DATA } from '../helpers/shared-data.js';

const FEATURES = {
  ...DEFAULT_FEATURE_CONFIG,
  features: ['mfcc' as const, 'rms' as const],
  deltas: 0 as const,
};

describe.skipIf(!HAVE_RAVDESS)(`fold pool on real clips ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  let data: FoldData;
  const speaker: number[] = [];
  beforeAll(async () => {
    await initBackend('wasm');
    const clips = await calmAngryClips([1, 2, 3, 4], FEATURES);
    const { matrices, y } = clips;
    speaker.push(...clips.speaker);
    // One augmented "copy" per clip of actor 1 (its own features reversed in time), so the
    // shared packing of augmented copies is exercised too.
    const augmented = new Map<number, FeatureMatrix[]>();
    matrices.forEach((m, i) => {
      if (speaker[i] !== 1) return;
      const rev = new Float32Array(m.data.length);
      for (let t = 0; t < m.frames; t++)
        rev.set(m.data.subarray(t * m.width, (t + 1) * m.width), (m.frames - 1 - t) * m.width);
      augmented.set(i, [{ ...m, data: rev }]);
    });
    data = {
      matrices,
      augmented,
      y: Int32Array.from(y),
      width: matrices[0]!.width,
      speakers: speaker.map(String),
    };
  });

  it('packs features into shared memory and back unchanged', () => {
    const back = unshareFoldData(shareFoldData(data));
    expect(back.matrices.length).toBe(data.matrices.length);
    back.matrices.forEach((m, i) => {
      expect(m.frames).toBe(data.matrices[i]!.frames);
      expect(Array.from(m.data)).toEqual(Array.from(data.matrices[i]!.data));
    });
    expect([...back.augmented.keys()]).toEqual([...data.augmented.keys()]);
    const [i, copies] = [...data.augmented][0]!;
    expect(Array.from(back.augmented.get(i)![0]!.data)).toEqual(Array.from(copies[0]!.data));
    expect(back.matrices[0]!.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    // Speaker-adversarial training in a fold worker needs each clip's speaker.
    expect(back.speakers).toEqual(data.speakers);
  });

  it('trains two folds in two workers with the same weights and test probabilities as in this thread', async () => {
    const config: TrainConfig = {
      ...buildTrainConfig({ labels: ['calm', 'angry'], model: 'mlp', epochs: 4, features: FEATURES }),
      model: { ...MLP_BASELINE, mlpHidden: [16], dropout: 0.2 },
      augment: { ...buildTrainConfig().augment, kinds: [], copiesPerClip: 0 },
    };
    const idx = (pred: (s: number) => boolean) =>
      speaker.map((s, i) => (pred(s) ? i : -1)).filter((i) => i >= 0);
    const folds = [
      { train: idx((s) => s <= 2), val: idx((s) => s === 3), test: idx((s) => s === 4) },
      { train: idx((s) => s >= 3), val: idx((s) => s === 2), test: idx((s) => s === 1) },
    ];
    const epochs: number[][] = [[], []];
    const tasks = (record: boolean): FoldTask[] =>
      folds.map((split, f) => ({
        split,
        config,
        seed: 7 + f,
        callbacks: { onEpoch: (m) => record && epochs[f]!.push(m.epoch) },
      }));
    const here = await trainFolds(data, tasks(false), { workers: 1, backend: 'wasm' });
    const pooled = await trainFolds(data, tasks(true), { workers: 2, backend: 'wasm' });
    const weights = (o: FoldOutcome) => o.model.getWeights().map((w) => Array.from(w.dataSync()));
    for (let f = 0; f < 2; f++) {
      expect(pooled[f]!.test.indices).toEqual(here[f]!.test.indices);
      expect(Array.from(pooled[f]!.test.probs)).toEqual(Array.from(here[f]!.test.probs));
      expect(weights(pooled[f]!)).toEqual(weights(here[f]!));
      expect(pooled[f]!.history.length).toBe(here[f]!.history.length);
      // Events came back from the workers as they trained.
      expect(epochs[f]!).toEqual(here[f]!.history.map((m) => m.epoch));
    }
    // Every training clip and copy, twice with the recipe's single-clip views (fold.ts).
    const views = config.pooledCentring && config.singleClipViews ? 2 : 1;
    expect(config.singleClipViews).toBe(true);
    expect(pooled[0]!.trainExamples).toBe(views * (folds[0]!.train.length + data.augmented.size));
    for (const o of [...here, ...pooled]) o.model.dispose();
  });

  it('rejects with Cancelled when the signal aborts', async () => {
    const config: TrainConfig = {
      ...buildTrainConfig({ labels: ['calm', 'angry'], model: 'mlp', epochs: 50, features: FEATURES }),
      augment: { ...buildTrainConfig().augment, kinds: [], copiesPerClip: 0 },
    };
    const all = speaker.map((_, i) => i);
    const abort = new AbortController();
    const task: FoldTask = {
      split: { train: all, val: [], test: [] },
      config,
      seed: 1,
      callbacks: { onEpoch: () => abort.abort() },
    };
    await expect(
      trainFolds(data, [task, { ...task, seed: 2 }], { workers: 2, backend: 'wasm', signal: abort.signal }),
    ).rejects.toMatchObject({ code: 'Cancelled' });
  });
});
