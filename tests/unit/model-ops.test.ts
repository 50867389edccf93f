import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/main/model/backend.js';
import { lstm } from '../../src/main/model/lstm-op.js';
import { forcePublicGradients, hasLazyGradients } from '../../src/main/model/custom-op.js';
import { conv1dSame, matMulBias, timeMaxPool } from '../../src/main/model/ops.js';
import { tf, type Tensor } from '../../src/main/model/tf.js';
import { copySlice } from '../../src/main/model/wasm-slice-kernel.js';

/** max |a - b| / max |b|: one relative error for a whole tensor. */
function relErr(a: Tensor, b: Tensor): number {
  return tf.tidy(() => {
    expect(a.shape).toEqual(b.shape);
    const diff = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
    return diff / (tf.max(tf.abs(b)).dataSync()[0]! + 1e-12);
  });
}

const rnd = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

describe('portable ops match TensorFlow.js built-ins on cpu', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it.each([5, 4, 3, 1])('conv1dSame equals tf.conv1d (same padding) forward and backward, k=%i', (k) => {
    const x = rnd([3, 17, 6], 1);
    const kernel = rnd([k, 6, 7], 2);
    const bias = rnd([7], 3);
    const probe = rnd([3, 17, 7], 4);
    const ref = (xx: Tensor, kk: Tensor, bb: Tensor) =>
      tf.add(tf.conv1d(xx as tf.Tensor3D, kk as tf.Tensor3D, 1, 'same'), bb);
    expect(relErr(conv1dSame(x, kernel, bias), ref(x, kernel, bias))).toBeLessThan(1e-6);

    const loss = (f: typeof ref) => (xx: Tensor, kk: Tensor, bb: Tensor) =>
      tf.sum(tf.mul(f(xx, kk, bb), probe));
    const mine = tf.grads(loss(conv1dSame))([x, kernel, bias]);
    const theirs = tf.grads(loss(ref))([x, kernel, bias]);
    mine.forEach((g, i) => expect(relErr(g, theirs[i]!)).toBeLessThan(1e-5));
  });

  it('timeMaxPool with relu equals relu(maxPool) forward and backward, dropping the ragged tail', () => {
    const x = rnd([2, 14, 5], 5); // 14 frames, pool 4: 3 windows, 2 frames dropped
    const probe = rnd([2, 3, 5], 6);
    const ref = (xx: Tensor) =>
      tf.relu(
        tf.reshape(
          tf.maxPool(
            tf.reshape(tf.slice(xx, [0, 0, 0], [2, 12, 5]), [2, 12, 1, 5]) as tf.Tensor4D,
            [4, 1],
            [4, 1],
            'valid',
          ),
          [2, 3, 5],
        ),
      );
    expect(relErr(timeMaxPool(x, 4, 'relu'), ref(x))).toBe(0);
    const g = tf.grad((xx: Tensor) => tf.sum(tf.mul(timeMaxPool(xx, 4, 'relu'), probe)))(x);
    const gRef = tf.grad((xx: Tensor) => tf.sum(tf.mul(ref(xx), probe)))(x);
    expect(relErr(g, gRef)).toBeLessThan(1e-6);
    expect(Array.from(tf.slice(g, [0, 12, 0], [2, 2, 5]).dataSync()).every((v) => v === 0)).toBe(true);
  });

  it('matMulBias gradients equal those of matMul + add', () => {
    const [a, w, b] = [rnd([5, 8], 7), rnd([8, 3], 8), rnd([3], 9)];
    const mine = tf.grads((p: Tensor, q: Tensor, r: Tensor) => tf.sum(tf.square(matMulBias(p, q, r))))([
      a,
      w,
      b,
    ]);
    const ref = tf.grads((p: Tensor, q: Tensor, r: Tensor) => tf.sum(tf.square(tf.add(tf.matMul(p, q), r))))([
      a,
      w,
      b,
    ]);
    mine.forEach((g, i) => expect(relErr(g, ref[i]!)).toBeLessThan(1e-6));
  });

  it.each(['cpu', 'wasm'] as const)(
    'matMulBias with a large weight (multiplied from the left while training) on %s: values and gradients',
    async (backend) => {
      await initBackend(backend);
      try {
        // 160 x 128 weights: above the size where training puts the weight on the left.
        const [a, w, b, probe] = [rnd([6, 160], 10), rnd([160, 128], 11), rnd([128], 12), rnd([6, 128], 13)];
        const ref = (p: Tensor, q: Tensor, r: Tensor) => tf.add(tf.matMul(p, q), r);
        const loss = (f: typeof ref) => (p: Tensor, q: Tensor, r: Tensor) =>
          tf.sum(tf.mul(f(p, q, r), probe));
        const mine = tf.grads(loss(matMulBias))([a, w, b]);
        const theirs = tf.grads(loss(ref))([a, w, b]);
        mine.forEach((g, i) => expect(relErr(g, theirs[i]!)).toBeLessThan(1e-5));
        // The forward value inside a gradient (left product) and outside it (plain product).
        const { value } = tf.valueAndGrad((q: Tensor) => tf.sum(tf.mul(matMulBias(a, q, b), probe)))(w);
        expect(relErr(value, tf.sum(tf.mul(ref(a, w, b), probe)))).toBeLessThan(1e-5);
        expect(relErr(matMulBias(a, w, b), ref(a, w, b))).toBeLessThan(1e-5);
      } finally {
        await initBackend('cpu');
      }
    },
  );

  it('the wasm Identity shares the buffer: a clone survives its source and reads the same values', async () => {
    await initBackend('wasm');
    try {
      const x = tf.tensor([1, 2, 3, 4], [2, 2]);
      const y = tf.clone(x);
      x.dispose();
      expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
      expect(Array.from(tf.add(y, 1).dataSync())).toEqual([2, 3, 4, 5]);
      y.dispose();
    } finally {
      await initBackend('cpu');
    }
  });

  it.each([false, true])('lstm equals tf.layers.lstm (sigmoid gates), returnSequences=%s', (seq) => {
    const layer = tf.layers.lstm({
      units: 5,
      recurrentActivation: 'sigmoid',
      returnSequences: seq,
      biasInitializer: 'randomNormal',
    });
    const x = rnd([3, 7, 6], 11);
    const ref = layer.apply(x) as Tensor;
    const [kernel, recurrent, bias] = layer.getWeights() as [Tensor, Tensor, Tensor];
    expect(relErr(lstm(x, kernel, recurrent, bias, seq), ref)).toBeLessThan(1e-5);

    const probe = rnd(ref.shape, 12);
    const mine = tf.grads((a: Tensor, b: Tensor, c: Tensor, d: Tensor) =>
      tf.sum(tf.mul(lstm(a, b, c, d, seq), probe)),
    )([x, kernel, recurrent, bias]);
    const vars = layer.trainableWeights.map((v) => (v as unknown as { val: tf.Variable }).val);
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.mul(layer.apply(x) as Tensor, probe)) as tf.Scalar,
      vars,
    );
    vars.forEach((v, i) => expect(relErr(mine[i + 1]!, grads[v.name]!)).toBeLessThan(1e-5));
    const dx = tf.grad((a: Tensor) => tf.sum(tf.mul(layer.apply(a) as Tensor, probe)))(x);
    expect(relErr(mine[0]!, dx)).toBeLessThan(1e-5);
  });
});

describe('custom ops through the public tf.customGrad route (the fallback)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('gives the same values and gradients as the engine path', () => {
    const x = rnd([3, 17, 6], 11);
    const kernel = rnd([3, 6, 7], 12);
    const bias = rnd([7], 13);
    const probe = rnd([3, 17, 7], 14);
    const loss = (xx: Tensor, kk: Tensor, bb: Tensor) => tf.sum(tf.mul(conv1dSame(xx, kk, bb), probe));
    const run = () => ({ y: conv1dSame(x, kernel, bias), g: tf.grads(loss)([x, kernel, bias]) });
    const lazy = run();
    try {
      forcePublicGradients(true);
      expect(hasLazyGradients()).toBe(false);
      const pub = run();
      expect(relErr(pub.y, lazy.y)).toBeLessThan(1e-6);
      pub.g.forEach((g, i) => expect(relErr(g, lazy.g[i]!)).toBeLessThan(1e-6));
    } finally {
      forcePublicGradients(false);
    }
  });
});

describe('fast wasm Slice kernel', () => {
  it('copySlice cuts the same boxes as tf.slice', async () => {
    await initBackend('cpu');
    const shape = [3, 4, 5, 6];
    const x = tf.range(0, 360).reshape(shape);
    const src = x.dataSync() as Float32Array;
    const boxes: Array<[number[], number[]]> = [
      [
        [0, 0, 0, 0],
        [3, 4, 5, 6],
      ],
      [
        [1, 0, 0, 0],
        [1, 4, 5, 6],
      ],
      [
        [0, 1, 2, 3],
        [2, 3, 2, 3],
      ],
      [
        [2, 0, 0, 5],
        [1, 4, 5, 1],
      ],
      [
        [0, 3, 0, 0],
        [3, 1, 5, 6],
      ],
    ];
    for (const [begin, size] of boxes) {
      const out = new Float32Array(size.reduce((a, b) => a * b, 1));
      copySlice(src, shape, out, begin, size);
      expect(Array.from(out)).toEqual(Array.from(tf.slice(x, begin, size).dataSync()));
    }
  });

  it('is installed on wasm and slices like cpu', async () => {
    const shape = [4, 3, 10];
    const values = Float32Array.from({ length: 120 }, (_, i) => i * 0.5);
    const cut = async (backend: 'cpu' | 'wasm') => {
      await initBackend(backend);
      const x = tf.tensor(values, shape);
      return [tf.slice(x, [1, 0, 0], [2, 3, 10]), tf.slice(x, [0, 1, 3], [4, 2, 5])].map((t) =>
        Array.from(t.dataSync()),
      );
    };
    expect(await cut('wasm')).toEqual(await cut('cpu'));
  });
});

describe('SerBatchNorm matches tf.layers.batchNormalization on cpu', () => {
  it('in training (output, gradients, moving statistics) and in inference', async () => {
    await initBackend('cpu');
    const { SerBatchNorm } = await import('../../src/main/model/layers.js');
    const x = tf.add(tf.mul(rnd([4, 9, 5], 21), 3), 1.5);
    const probe = rnd([4, 9, 5], 22);
    const mine = new SerBatchNorm({ momentum: 0.9 });
    const ref = tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3 });
    mine.apply(x);
    ref.apply(x);
    const gb = [rnd([5], 23), rnd([5], 24)];
    mine.setWeights([...gb, tf.zeros([5]), tf.ones([5])]);
    ref.setWeights([...gb, tf.zeros([5]), tf.ones([5])]);

    const yMine = mine.apply(x, { training: true }) as Tensor;
    const yRef = ref.apply(x, { training: true }) as Tensor;
    expect(relErr(yMine, yRef)).toBeLessThan(1e-5);
    // Moving statistics after that one training call: momentum 0.9 from (0, 1), with the
    // unbiased batch variance as TensorFlow uses (tfjs-layers 4.22 uses the biased one).
    const [, , mm, mv] = mine.getWeights();
    const { mean, variance } = tf.moments(x, [0, 1]);
    const n = 4 * 9;
    expect(relErr(mm!, tf.mul(mean, 0.1))).toBeLessThan(1e-5);
    expect(relErr(mv!, tf.add(0.9, tf.mul(variance, (0.1 * n) / (n - 1))))).toBeLessThan(1e-5);

    const grads = (layer: tf.layers.Layer) => {
      const vars = layer.trainableWeights.map((v) => (v as unknown as { val: tf.Variable }).val);
      const loss = (xx: Tensor) =>
        tf.sum(tf.mul(layer.apply(xx, { training: true }) as Tensor, probe)) as tf.Scalar;
      const { grads: g } = tf.variableGrads(() => loss(x), vars);
      return [tf.grad(loss)(x), ...vars.map((v) => g[v.name]!)];
    };
    const gm = grads(mine);
    const gr = grads(ref);
    gm.forEach((g, i) => expect(relErr(g, gr[i]!)).toBeLessThan(1e-4));
    // Inference uses the moving statistics.
    const [g, b, m, v] = mine.getWeights() as [Tensor, Tensor, Tensor, Tensor];
    const expected = tf.add(tf.mul(tf.div(tf.sub(x, m), tf.sqrt(tf.add(v, 1e-3))), g), b);
    expect(relErr(mine.apply(x) as Tensor, expected)).toBeLessThan(1e-5);
  });
});
