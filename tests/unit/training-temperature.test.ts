/**
 * Temperature scaling (src/main/training/temperature.ts): on an overconfident classifier's
 * validation predictions the fitted temperature is above 1 and lowers the NLL and the ECE without
 * changing any answer; T = 1 changes nothing.
 */
import { describe, expect, it } from 'vitest';
import {
  applyTemperature,
  expectedCalibrationError,
  fitTemperature,
  negLogLikelihood,
} from '../../src/main/training/temperature.js';
import { argmaxRows } from '../../src/main/training/metrics.js';
import { makeRng, normal } from '../../src/main/util/rng.js';

const K = 6;

/** 600 clips a classifier gets 55% right while claiming about 99% for its answer. */
function overconfident(): { probs: Float32Array; y: Int32Array } {
  const rng = makeRng(11);
  const n = 600;
  const probs = new Float32Array(n * K);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = Math.floor(rng() * K);
    const answer = rng() < 0.55 ? y[i]! : Math.floor(rng() * K);
    const z = Array.from({ length: K }, (_, j) => (j === answer ? 8 : 0) + normal(rng));
    const max = Math.max(...z);
    const e = z.map((v) => Math.exp(v - max));
    const s = e.reduce((a, b) => a + b, 0);
    for (let j = 0; j < K; j++) probs[i * K + j] = e[j]! / s;
  }
  return { probs, y };
}

describe('temperature scaling', () => {
  it('fits T > 1 on overconfident predictions: lower NLL and ECE, same answers', () => {
    const { probs, y } = overconfident();
    const fit = fitTemperature(probs, K, y);
    expect(fit.temperature).toBeGreaterThan(1.5);
    expect(fit.clips).toBe(600);
    expect(fit.before.temperature).toBeNull();
    expect(fit.after.temperature).toBe(fit.temperature);
    expect(fit.after.nll).toBeLessThan(fit.before.nll);
    expect(fit.after.ece).toBeLessThan(fit.before.ece / 2);
    expect(fit.before.nll).toBeCloseTo(negLogLikelihood(probs, K, y), 3);
    // The fitted T is the minimum: a little either side is worse.
    const nllAt = (t: number) => negLogLikelihood(applyTemperature(probs, K, t), K, y);
    expect(nllAt(fit.temperature)).toBeLessThanOrEqual(nllAt(fit.temperature * 1.1));
    expect(nllAt(fit.temperature)).toBeLessThanOrEqual(nllAt(fit.temperature / 1.1));
    const scaled = applyTemperature(probs, K, fit.temperature);
    expect(argmaxRows(scaled, K)).toEqual(argmaxRows(probs, K));
    for (let i = 0; i < 600; i++) {
      expect(scaled.subarray(i * K, (i + 1) * K).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
  });

  it('T = 1 is the identity; ECE is 0 for a classifier whose confidence is its accuracy', () => {
    const { probs } = overconfident();
    expect(applyTemperature(probs, K, 1)).toEqual(probs);
    // Two classes, always 0.75 for class 0, right 3 times in 4: perfectly calibrated.
    const p = Float32Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? 0.75 : 0.25));
    expect(expectedCalibrationError(p, 2, Int32Array.from([0, 0, 0, 1]))).toBeCloseTo(0, 6);
    expect(expectedCalibrationError(p, 2, Int32Array.from([1, 1, 1, 1]))).toBeCloseTo(0.75, 6);
  });
});
