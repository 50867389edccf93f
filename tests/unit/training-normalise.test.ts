import { describe, expect, it } from 'vitest';
import { applyNormalization, fitNormalization } from '../../src/main/training/normalise.js';

describe('per-column normalisation', () => {
  it('computes mean and population std over all rows of all training parts', () => {
    // column 0: 1, 3, 5, 7 -> mean 4, var (9+1+1+9)/4 = 5
    // column 1: -50, -50, -50, -50 (constant) -> std floored to 1
    const a = { data: Float32Array.from([1, -50, 3, -50]), width: 2 };
    const b = { data: Float32Array.from([5, -50, 7, -50]), width: 2 };
    const n = fitNormalization([a, b]);
    expect(n.mean[0]).toBeCloseTo(4, 6);
    expect(n.std[0]).toBeCloseTo(Math.sqrt(5), 6);
    expect(n.mean[1]).toBeCloseTo(-50, 6);
    expect(n.std[1]).toBe(1);
    const z = applyNormalization(Float32Array.from([4, -49, 4 + Math.sqrt(5), -50]), n);
    expect([...z].map((v) => +v.toFixed(5))).toEqual([0, 1, 1, 0]);
  });

  it('is not thrown off by a large offset (single-pass variance cancellation)', () => {
    const data = new Float32Array(1000);
    for (let i = 0; i < 1000; i++) data[i] = 10000 + (i % 2 ? 0.5 : -0.5);
    const n = fitNormalization([{ data, width: 1 }]);
    expect(n.std[0]).toBeCloseTo(0.5, 4);
  });

  it('rejects data that does not fill whole rows', () => {
    expect(() => applyNormalization(new Float32Array(3), { mean: [0, 0], std: [1, 1] })).toThrow(/width 2/);
  });
});
