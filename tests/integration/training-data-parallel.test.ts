/**
 * Data-parallel training of one model (src/main/training/data-parallel.ts): two replicas, this
 * thread and a worker, each on half of every batch with the gradients averaged through shared
 * memory. The replicas end with identical weights, the same seed gives the same model twice, and
 * the model learns (real features of real clips, held-out speakers).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/main/model/backend.js';
import { buildModel, modelInput } from '../../src/main/model/build.js';
import { MLP_BASELINE } from '../../src/main/model/presets.js';
import { buildTrainConfig } from '../../src/main/training/config.js';
import { fitDataParallel } from '../../src/main/training/data-parallel.js';
import { trainFold, type FoldData } from '../../src/main/training/fold.js';
import { poolMatrix } from '../../src/main/features/matrix.js';
import { applyNormalization, fitNormalization } from '../../src/main/training/normalise.js';
import { shareVectors } from '../../src/main/training/shared-examples.js';
import { DEFAULT_FEATURE_CONFIG } from '../../src/shared/features.js';
import type { ModelConfig, TrainConfig } from '../../src/shared/training.js';
import { calmAngryClips } from '../helpers/calm-angry.js';
import { HAVE_RAVDESS, MISSING_DATA } from '../helpers/shared-data.js';

const FEATURES = {
  ...DEFAULT_FEATURE_CONFIG,
  features: ['mfcc' as const, 'contrast' as const, 'rms' as const],
  deltas: 0 as const,
};

/** A small MLP with what data-parallel training must handle: batch norm and dropout. */
const MODEL: ModelConfig = { ...MLP_BASELINE, mlpHidden: [32, 16], batchNorm: true, dropout: 0.3 };

describe.skipIf(!HAVE_RAVDESS)(
  `data-parallel training on real clips ${HAVE_RAVDESS ? '' : MISSING_DATA}`,
  () => {
    let data: FoldData;
    const speaker: number[] = [];
    const idx = (pred: (s: number) => boolean) =>
      speaker.map((s, i) => (pred(s) ? i : -1)).filter((i) => i >= 0);

    beforeAll(async () => {
      await initBackend('wasm');
      const clips = await calmAngryClips([1, 2, 3, 4, 5, 6], FEATURES);
      const { matrices, y } = clips;
      speaker.push(...clips.speaker);
      data = { matrices, augmented: new Map(), y: Int32Array.from(y), width: matrices[0]!.width };
    });

    it('keeps the two replicas bit-identical, step after step', async () => {
      const train = idx((s) => s <= 3).slice(0, 47);
      const input = modelInput(MODEL, data.width);
      const vecs = train.map((i) => poolMatrix(data.matrices[i]!, MODEL.pooling));
      const norm = fitNormalization(vecs.map((v) => ({ data: v, width: input.width })));
      const shared = shareVectors(
        vecs.map((v) => applyNormalization(v, norm)),
        Int32Array.from(train, (i) => data.y[i]!),
        input.width,
      );
      const seed = 5;
      const model = buildModel(MODEL, input, 2, seed);
      // 3 epochs of 2 batches of 20 (2 x 10 rows) and a last batch of 7 (3 + 4 rows).
      const fit = await fitDataParallel(
        model,
        shared,
        null,
        { epochs: 3, batchSize: 20, learningRate: 1e-3, patience: 10, classWeights: null, seed },
        { config: MODEL, input, classes: 2, seed },
        2,
      );
      expect(fit.replicaFingerprints).toHaveLength(2);
      expect(fit.replicaFingerprints![1]).toBe(fit.replicaFingerprints![0]);
      expect(fit.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
      model.dispose();
    });

    it('stops every replica when the run is cancelled', async () => {
      const config: TrainConfig = {
        ...buildTrainConfig({ labels: ['calm', 'angry'], model: 'mlp', epochs: 50, features: FEATURES }),
        model: MODEL,
        augment: { ...buildTrainConfig().augment, kinds: [], copiesPerClip: 0 },
      };
      const abort = new AbortController();
      const split = { train: idx((s) => s <= 3), val: [], test: [] };
      const run = trainFold(
        data,
        split,
        config,
        3,
        { signal: abort.signal, onEpoch: () => abort.abort() },
        2,
      );
      await expect(run).rejects.toMatchObject({ code: 'Cancelled' });
    });

    it('gives the same model for the same seed, and one that tells calm from angry in unheard voices', async () => {
      const config: TrainConfig = {
        ...buildTrainConfig({ labels: ['calm', 'angry'], model: 'mlp', epochs: 20, features: FEATURES }),
        model: MODEL,
        augment: { ...buildTrainConfig().augment, kinds: [], copiesPerClip: 0 },
      };
      config.optimizer = { ...config.optimizer, batchSize: 16, learningRate: 3e-3 };
      const split = { train: idx((s) => s <= 3), val: idx((s) => s === 4), test: idx((s) => s >= 5) };
      const a = await trainFold(data, split, config, 11, {}, 2);
      const b = await trainFold(data, split, config, 11, {}, 2);
      const weights = (m: typeof a.model) => m.getWeights().map((w) => Array.from(w.dataSync()));
      expect(weights(b.model)).toEqual(weights(a.model));
      expect(Array.from(b.test.probs)).toEqual(Array.from(a.test.probs));
      // 32 test clips of two speakers it never heard, two classes: chance is 50 % (this seed: 97 %).
      expect(a.evaluation!.accuracy).toBeGreaterThanOrEqual(0.75);
      a.model.dispose();
      b.model.dispose();
    });
  },
);
