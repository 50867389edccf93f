import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../src/shared/training.js';
import { backendInfo, initBackend } from '../../src/main/model/backend.js';
import { buildModel, framesAfterPooling, modelInput } from '../../src/main/model/build.js';
import { MLP_BASELINE, MODEL_PRESETS } from '../../src/main/model/presets.js';
import { SerDropout } from '../../src/main/model/layers.js';
import { tf, type Tensor } from '../../src/main/model/tf.js';
import { makeRng } from '../../src/main/util/rng.js';

/** The reference CNN-LSTM (conv 64 k5, pool 2, conv 128 k3, pool 4, LSTM 64) on a smaller input. */
const REFERENCE: ModelConfig = { ...MODEL_PRESETS.seed.model, frames: 48 };
const INPUT = { frames: 48, width: 12 };
/** Every optional part switched on: batch norm, channel dropout, dense layer, mean over LSTM states. */
const EVERYTHING: ModelConfig = {
  ...REFERENCE,
  batchNorm: true,
  convDropout: 'channel',
  denseUnits: 16,
  lstmPooling: 'mean',
};

function batch(n: number, seed: number): { x: Tensor; y: Tensor } {
  const x = tf.randomNormal([n, INPUT.frames, INPUT.width], 0, 1, 'float32', seed);
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: n }, (_, i) => i % 6),
      'int32',
    ),
    6,
  );
  return { x, y };
}

/** Loss and gradient of every trainable weight for one training-mode step, as plain arrays. */
function oneStep(model: tf.LayersModel, x: Tensor, y: Tensor): { loss: number; grads: Float32Array[] } {
  return tf.tidy(() => {
    const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    const { value, grads } = tf.variableGrads(
      () =>
        tf.losses.softmaxCrossEntropy(y, tf.log(model.apply(x, { training: true }) as Tensor)) as tf.Scalar,
      vars,
    );
    return { loss: value.dataSync()[0]!, grads: vars.map((v) => grads[v.name]!.dataSync() as Float32Array) };
  });
}

function maxRelErr(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / (scale + 1e-12);
}

describe('CNN-LSTM: one training step gives the same gradients on wasm and cpu', () => {
  it.each([
    ['reference', REFERENCE],
    ['with every option', EVERYTHING],
  ])('%s', async (_name, cfg) => {
    const run = async (backend: 'wasm' | 'cpu') => {
      expect(await initBackend(backend)).toBe(backend);
      const model = buildModel(cfg, INPUT, 6, 7);
      const { x, y } = batch(8, 3);
      const out = oneStep(model, x, y);
      model.dispose();
      return out;
    };
    const wasm = await run('wasm');
    const cpu = await run('cpu');
    expect(wasm.grads.length).toBe(cpu.grads.length);
    expect(Math.abs(wasm.loss - cpu.loss) / cpu.loss).toBeLessThan(1e-4);
    wasm.grads.forEach((g, i) => {
      expect(g.length).toBe(cpu.grads[i]!.length);
      expect(maxRelErr(g, cpu.grads[i]!)).toBeLessThan(1e-3);
    });
    // Not all zero: the test would pass trivially if no gradient reached a layer.
    cpu.grads.forEach((g) => expect(g.some((v) => v !== 0)).toBe(true));
  });
});

describe('buildModel', () => {
  it('gives identical initial weights for a seed on any backend, different for another seed', async () => {
    const weights = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
    await initBackend('wasm');
    const a = weights(buildModel(REFERENCE, INPUT, 6, 11));
    await initBackend('cpu');
    const b = weights(buildModel(REFERENCE, INPUT, 6, 11));
    const c = weights(buildModel(REFERENCE, INPUT, 6, 12));
    expect(b).toEqual(a);
    expect(c[0]).not.toEqual(a[0]);
  });

  it('builds the reference architecture with the expected shapes', async () => {
    await initBackend('wasm');
    const model = buildModel(REFERENCE, INPUT, 6, 1);
    expect(model.inputs[0]!.shape).toEqual([null, 48, 12]);
    expect(model.outputs[0]!.shape).toEqual([null, 6]);
    const names = model.layers.map((l) => l.getClassName());
    expect(names).toEqual([
      'SerConv1D',
      'SerTimeMaxPool',
      'SerDropout',
      'SerConv1D',
      'SerTimeMaxPool',
      'SerDropout',
      'SerLSTM',
      'SerDropout',
      'SerDense',
    ]);
    expect(model.getLayer('pool2').outputShape).toEqual([null, framesAfterPooling(REFERENCE), 128]);
    const probs = (model.predict(batch(3, 1).x) as Tensor).sum(1).dataSync();
    probs.forEach((p) => expect(p).toBeCloseTo(1, 5));
  });

  it('dropout draws a new mask every training call, reproducibly from the seed', async () => {
    await initBackend('wasm');
    const cfg = { ...REFERENCE, dropout: 0.5 };
    const { x } = batch(4, 2);
    const run = () => {
      const m = buildModel(cfg, INPUT, 6, 5);
      const outs = [0, 1].map(() => Array.from((m.apply(x, { training: true }) as Tensor).dataSync()));
      m.dispose();
      return outs;
    };
    const [first, second] = run();
    expect(first).not.toEqual(second);
    expect(run()).toEqual([first, second]);
  });

  it('dropout masks are makeRng(seed) draws in order, across calls (the generator inlined in the layer)', async () => {
    await initBackend('cpu');
    const layer = new SerDropout({ rate: 0.3, seed: 1234 });
    const next = makeRng(1234);
    for (let call = 0; call < 3; call++) {
      const y = layer.apply(tf.ones([5, 7]), { training: true }) as Tensor;
      const want = Array.from({ length: 35 }, () => (next() < 0.7 ? 1 / 0.7 : 0));
      expect(Array.from(y.dataSync())).toEqual(Array.from(Float32Array.from(want)));
    }
  });

  it('builds and trains the pooled-statistics MLP', async () => {
    await initBackend('wasm');
    const input = modelInput(MLP_BASELINE, 20);
    expect(input).toEqual({ frames: 1, width: 40, pooled: true });
    const model = buildModel(MLP_BASELINE, input, 4, 3);
    expect(model.inputs[0]!.shape).toEqual([null, 40]);
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    // Separable toy data: the class is the sign pattern of two columns.
    const n = 64;
    const xs = tf.randomNormal([n, 40], 0, 1, 'float32', 9);
    const v = xs.dataSync();
    const cls = Array.from({ length: n }, (_, i) => (v[i * 40]! > 0 ? 2 : 0) + (v[i * 40 + 1]! > 0 ? 1 : 0));
    const ys = tf.oneHot(tf.tensor1d(cls, 'int32'), 4);
    const h = await model.fit(xs, ys, { epochs: 30, batchSize: 16, verbose: 0 });
    const loss = h.history['loss'] as number[];
    expect(loss[loss.length - 1]!).toBeLessThan(loss[0]! * 0.5);
  });

  it('rejects inconsistent configs with a message naming the problem', () => {
    expect(() => buildModel({ ...REFERENCE, poolSizes: [2] }, INPUT, 6, 1)).toThrow(/same length/);
    expect(() => buildModel({ ...REFERENCE, poolSizes: [8, 8] }, INPUT, 6, 1)).toThrow(/leaves no frames/);
    expect(() => buildModel(REFERENCE, { frames: 40, width: 12 }, 6, 1)).toThrow(/40 frames/);
    expect(() => buildModel(REFERENCE, INPUT, 1, 1)).toThrow(/2 classes/);
  });
});

describe('initBackend', () => {
  it('falls back past a missing tfjs-node, honours a preference, and says why', async () => {
    expect(await initBackend('cpu')).toBe('cpu');
    expect(backendInfo().name).toBe('cpu');
    const chosen = await initBackend('tensorflow');
    const info = backendInfo();
    expect(info.name).toBe(chosen);
    const tfAttempt = info.attempts.find((a) => a.name === 'tensorflow')!;
    if (chosen !== 'tensorflow') {
      expect(tfAttempt.ok).toBe(false);
      expect(tfAttempt.reason).toMatch(/tfjs-node/);
      expect(info.summary).toContain(`tensorflow: ${tfAttempt.reason}`);
    }
    if (chosen === 'wasm') expect(info.wasm?.simd).toBe(true);
  });
});
