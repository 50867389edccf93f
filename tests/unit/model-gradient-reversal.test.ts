/**
 * Gradient reversal: the identity forward, -lambda times the identity's gradient backward, on
 * the engine's lazy custom-gradient path and on the public tf.customGrad fallback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/main/model/backend.js';
import { forcePublicGradients } from '../../src/main/model/custom-op.js';
import { reversalSchedule, reverseGradient } from '../../src/main/model/gradient-reversal.js';
import { tf, type Tensor } from '../../src/main/model/tf.js';

describe('reverseGradient', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });
  afterAll(() => forcePublicGradients(false));

  it.each([
    [false, 0.3],
    [false, 1],
    [true, 0.3],
    [false, 0],
  ])('public path %s, lambda %f: value of x, gradient -lambda times the identity gradient', (pub, lambda) => {
    forcePublicGradients(pub);
    const x = tf.randomNormal([4, 5], 0, 1, 'float32', 1);
    const probe = tf.randomNormal([4, 5], 0, 1, 'float32', 2);
    // A loss that is not linear in x, so the gradient reaching the op is not a constant.
    const loss = (f: (t: Tensor) => Tensor) => (t: Tensor) => tf.sum(tf.mul(tf.square(f(t)), probe));
    expect(Array.from(reverseGradient(x, lambda).dataSync())).toEqual(Array.from(x.dataSync()));
    const g = tf
      .grad(loss((t) => reverseGradient(t, lambda)))(x)
      .dataSync();
    const gIdentity = tf
      .grad(loss((t) => tf.clone(t)))(x)
      .dataSync();
    gIdentity.forEach((v, i) => expect(g[i]).toBeCloseTo(-lambda * v, 6));
    expect(gIdentity.some((v) => Math.abs(v) > 0.1)).toBe(true);
    tf.dispose([x, probe]);
  });

  it('ramps lambda from 0 to its value along 2/(1+exp(-10p)) - 1', () => {
    expect(reversalSchedule(0.3, 0)).toBe(0);
    expect(reversalSchedule(0.3, 0.5)).toBeCloseTo(0.3 * (2 / (1 + Math.exp(-5)) - 1), 12);
    expect(reversalSchedule(0.3, 1)).toBeGreaterThan(0.3 * 0.9999);
    expect(reversalSchedule(0.3, 1)).toBeLessThanOrEqual(0.3);
  });
});
