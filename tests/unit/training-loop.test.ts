/**
 * The hand-written training loop on real features (angry vs calm, pooled MLP): early stopping
 * keeps the best validation weights, a cancel stops between batches, seeds make it repeatable.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { poolStats, pooledVector } from '../../src/main/features/matrix.js';
import { initBackend } from '../../src/main/model/backend.js';
import { buildModel } from '../../src/main/model/build.js';
import { MLP_BASELINE } from '../../src/main/model/presets.js';
import { vectorSet, type ExampleSet } from '../../src/main/training/examples.js';
import { betaSample, fitModel, lossAndAccuracy } from '../../src/main/training/loop.js';
import { speakerClasses } from '../../src/main/training/speaker-adversary.js';
import { tf } from '../../src/main/model/tf.js';
import { makeRng } from '../../src/main/util/rng.js';
import { applyNormalization, fitNormalization } from '../../src/main/training/normalise.js';
import { DEFAULT_FEATURE_CONFIG } from '../../src/shared/features.js';
import { calmAngryClips } from '../helpers/calm-angry.js';
import { HAVE_RAVDESS, MISSING_DATA } from '../helpers/shared-data.js';

const CFG = { ...DEFAULT_FEATURE_CONFIG, features: ['mfcc', 'contrast', 'rms'] as const, deltas: 0 as const };

async function load(actors: number[]): Promise<{ vecs: Float32Array[]; y: number[]; speakers: string[] }> {
  const { matrices, y, speaker } = await calmAngryClips(actors, { ...CFG, features: [...CFG.features] });
  return { vecs: matrices.map((m) => pooledVector(poolStats(m))), y, speakers: speaker.map(String) };
}

describe.skipIf(!HAVE_RAVDESS)(`training loop on real clips ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  let train: ExampleSet;
  let val: ExampleSet;
  let width = 0;
  let trainSpeakers: string[] = [];
  beforeAll(async () => {
    await initBackend('wasm');
    const tr = await load([1, 2, 3, 4]);
    const va = await load([5, 6]);
    width = tr.vecs[0]!.length;
    trainSpeakers = tr.speakers;
    const norm = fitNormalization(tr.vecs.map((v) => ({ data: v, width })));
    const n = (vs: Float32Array[]) => vs.map((v) => applyNormalization(v, norm));
    train = vectorSet(n(tr.vecs), Int32Array.from(tr.y), width);
    val = vectorSet(n(va.vecs), Int32Array.from(va.y), width);
  });

  const model = (seed: number) =>
    buildModel({ ...MLP_BASELINE, mlpHidden: [32], dropout: 0.2 }, { frames: 1, width }, 2, seed);
  const opts = { batchSize: 8, learningRate: 3e-3, classWeights: null, seed: 3 };

  it('restores the weights of the epoch with the lowest validation loss', async () => {
    const m = model(1);
    // A high learning rate and long patience make the validation loss rise after its minimum.
    const r = await fitModel(m, train, val, { ...opts, learningRate: 3e-2, epochs: 14, patience: 6 });
    const losses = r.history.map((h) => h.valLoss!);
    const best = Math.min(...losses);
    // The scenario this test is about: the last epoch is not the best one.
    expect(r.bestEpoch).toBeLessThan(r.history.length);
    expect(losses[losses.length - 1]!).toBeGreaterThan(best + 1e-3);
    expect(r.bestEpoch).toBe(losses.indexOf(best) + 1);
    const now = await lossAndAccuracy(m, val);
    expect(now.loss).toBeCloseTo(best, 4);
    if (r.stoppedEarly) expect(r.history.length).toBe(r.bestEpoch + 6);
    // Calm vs angry on two unheard actors: well above chance (50%).
    expect(now.accuracy).toBeGreaterThan(0.75);
    m.dispose();
  });

  it('is repeatable for a seed', async () => {
    const a = model(7);
    const b = model(7);
    const ra = await fitModel(a, train, val, { ...opts, epochs: 3, patience: 10 });
    const rb = await fitModel(b, train, val, { ...opts, epochs: 3, patience: 10 });
    expect(ra.history.map((h) => h.trainLoss)).toEqual(rb.history.map((h) => h.trainLoss));
    a.dispose();
    b.dispose();
  });

  it('trains with label smoothing and mixup, repeatably for a seed, and still learns', async () => {
    const run = async () => {
      const m = model(5);
      const r = await fitModel(m, train, val, {
        ...opts,
        epochs: 6,
        patience: 6,
        labelSmoothing: 0.1,
        mixup: 0.4,
      });
      const acc = (await lossAndAccuracy(m, val)).accuracy;
      m.dispose();
      return { losses: r.history.map((h) => h.trainLoss), acc };
    };
    const a = await run();
    const b = await run();
    expect(a.losses).toEqual(b.losses);
    expect(a.losses.every(Number.isFinite)).toBe(true);
    expect(a.acc).toBeGreaterThan(0.7);
  });

  it('trains against the speakers (gradient reversal) outside the model, and still learns', async () => {
    const before = tf.memory().numTensors;
    const run = async (lambda: number | null) => {
      const m = model(5);
      const r = await fitModel(m, train, val, {
        ...opts,
        epochs: 6,
        patience: 6,
        ...(lambda === null ? {} : { speakerAdversarial: { lambda, ...speakerClasses(trainSpeakers) } }),
      });
      const acc = (await lossAndAccuracy(m, val)).accuracy;
      const weights = m.getWeights().length;
      m.dispose();
      return { losses: r.history.map((h) => h.trainLoss), acc, weights };
    };
    const adversarial = await run(1);
    const plain = await run(null);
    // The head's variables were disposed with the fit: the model holds only its own weights.
    expect(adversarial.weights).toBe(plain.weights);
    expect(tf.memory().numTensors).toBe(before);
    // It changed the training (its gradient reached the shared layers), and emotion still learns.
    expect(adversarial.losses).not.toEqual(plain.losses);
    expect(adversarial.losses.every(Number.isFinite)).toBe(true);
    expect(adversarial.acc).toBeGreaterThan(0.7);
    // Lambda 0 is no adversary: the run is the plain one, to the bit.
    expect((await run(0)).losses).toEqual(plain.losses);
  });

  it('stops between batches when cancelled, reporting batches and ETA until then', async () => {
    const m = model(2);
    const ac = new AbortController();
    const seen: number[] = [];
    await expect(
      fitModel(m, train, val, {
        ...opts,
        epochs: 50,
        patience: 50,
        signal: ac.signal,
        onBatch: (b) => {
          seen.push(b.etaSeconds);
          if (b.epoch === 2 && b.batch === 1) ac.abort();
        },
      }),
    ).rejects.toMatchObject({ code: 'Cancelled' });
    const batchesPerEpoch = Math.ceil(train.size / 8);
    expect(seen.length).toBe(batchesPerEpoch + 1);
    expect(seen.every((s) => s >= 0 && Number.isFinite(s))).toBe(true);
    m.dispose();
  });
});

describe('mixup weights', () => {
  it('are drawn from Beta(α, α): in [0, 1], mean 1/2, spread as the distribution says', () => {
    const rng = makeRng(11);
    for (const alpha of [0.2, 1, 4]) {
      const xs = Array.from({ length: 4000 }, () => betaSample(alpha, rng));
      expect(xs.every((x) => x >= 0 && x <= 1)).toBe(true);
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
      expect(mean).toBeCloseTo(0.5, 1);
      // Var Beta(α, α) = 1 / (4 (2α + 1)).
      expect(variance).toBeCloseTo(1 / (4 * (2 * alpha + 1)), 1);
    }
  });
});
