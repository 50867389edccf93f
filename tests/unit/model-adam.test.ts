import { afterAll, describe, expect, it } from 'vitest';
import { FusedAdam } from '../../src/main/model/adam.js';
import { initBackend } from '../../src/main/model/backend.js';
import { buildModel } from '../../src/main/model/build.js';
import { MLP_BASELINE } from '../../src/main/model/presets.js';
import { tf } from '../../src/main/model/tf.js';

/** A small least-squares problem: weights [5, 3] and bias [3], fitted to fixed targets. */
function problem(seed: number) {
  const x = tf.randomNormal([16, 5], 0, 1, 'float32', seed);
  const target = tf.randomNormal([16, 3], 0, 1, 'float32', seed + 1);
  // As layers make them: the initial value is disposed, the variable owns its buffer alone.
  const own = (t: tf.Tensor) => {
    const v = tf.variable(t);
    t.dispose();
    return v;
  };
  const w = own(tf.randomNormal([5, 3], 0, 0.5, 'float32', seed + 2));
  const b = own(tf.zeros([3]));
  const loss = () => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, w), b), target))) as tf.Scalar;
  return { vars: [w, b], loss, dispose: () => tf.dispose([x, target, w, b]) };
}

describe.each(['cpu', 'wasm'] as const)('FusedAdam on %s', (backend) => {
  afterAll(async () => {
    await initBackend('cpu');
  });

  it('follows tf.train.adam step for step (changing learning rate, bias correction)', async () => {
    expect(await initBackend(backend)).toBe(backend);
    const mine = problem(7);
    const ref = problem(7);
    const fused = new FusedAdam(0.05);
    const stock = tf.train.adam(0.05);
    const losses: number[] = [];
    for (let step = 0; step < 25; step++) {
      const lr = 0.05 * (1 - step / 50); // a schedule, as the cosine one sets it between steps
      fused.learningRate = lr;
      (stock as unknown as { learningRate: number }).learningRate = lr;
      const a = fused.minimize(mine.loss, true, mine.vars);
      const b = stock.minimize(ref.loss, true, ref.vars)!;
      losses.push(a.dataSync()[0]!);
      expect(a.dataSync()[0]!).toBeCloseTo(b.dataSync()[0]!, 4);
      tf.dispose([a, b]);
    }
    mine.vars.forEach((v, i) => {
      const diff = tf.max(tf.abs(tf.sub(v, ref.vars[i]!))).dataSync()[0]!;
      expect(diff).toBeLessThan(1e-4);
    });
    // It optimises: the loss fell substantially over the 25 steps.
    expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]!);
    mine.dispose();
    ref.dispose();
    stock.dispose();
  });

  it('writes a copy when the weight buffer is shared (a clone on cpu), leaving the other tensor intact', async () => {
    expect(await initBackend(backend)).toBe(backend);
    const p = problem(11);
    const snapshot = p.vars.map((v) => v.clone());
    const before = snapshot.map((s) => Array.from(s.dataSync()));
    const fused = new FusedAdam(0.1);
    fused.minimize(p.loss, true, p.vars).dispose();
    snapshot.forEach((s, i) => expect(Array.from(s.dataSync())).toEqual(before[i]));
    expect(Array.from(p.vars[0]!.dataSync())).not.toEqual(before[0]);
    tf.dispose(snapshot);
    p.dispose();
  });

  it.skipIf(backend === 'cpu')(
    'trains the batch-norm MLP along the same loss curve as tf.train.adam',
    async () => {
      // The fast paths together: SIMD Adam (wasm), large weights on the left of the products,
      // the sharing Identity; against tfjs's own optimizer on the same model, seed and batches.
      expect(await initBackend(backend)).toBe(backend);
      const cfg = { ...MLP_BASELINE, denseUnits: 256, dropout: 0.5 };
      const x = tf.randomNormal([32, 96], 0, 1, 'float32', 3);
      const y = tf.oneHot(
        tf.tensor1d(
          Array.from({ length: 32 }, (_, i) => i % 6),
          'int32',
        ),
        6,
      );
      const curve = (opt: { minimize: FusedAdam['minimize'] } | tf.Optimizer) => {
        const model = buildModel(cfg, { frames: 1, width: 96 }, 6, 5);
        const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const losses: number[] = [];
        for (let step = 0; step < 30; step++) {
          const loss = opt.minimize(
            () =>
              tf.losses.softmaxCrossEntropy(
                y,
                tf.log(model.apply(x, { training: true }) as tf.Tensor),
              ) as tf.Scalar,
            true,
            vars,
          )!;
          losses.push(loss.dataSync()[0]!);
          loss.dispose();
        }
        model.dispose();
        return losses;
      };
      const fused = curve(new FusedAdam(1e-3));
      const stock = tf.train.adam(1e-3);
      const ref = curve(stock);
      stock.dispose();
      fused.forEach((l, i) => expect(Math.abs(l - ref[i]!)).toBeLessThan(1e-3 * Math.max(1, ref[i]!)));
      expect(fused.at(-1)!).toBeLessThan(0.7 * fused[0]!);
      tf.dispose([x, y]);
    },
  );
});
