import { describe, expect, it } from 'vitest';
import { learningRateAt } from '../../src/main/training/loop.js';

describe('learning-rate schedule', () => {
  it('keeps a constant rate, or decays along a half cosine from the base to zero', () => {
    expect(learningRateAt(2e-3, 'constant', 500, 1000)).toBe(2e-3);
    expect(learningRateAt(2e-3, 'cosine', 0, 1000)).toBe(2e-3);
    expect(learningRateAt(2e-3, 'cosine', 500, 1000)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(2e-3, 'cosine', 250, 1000)).toBeCloseTo(1e-3 * (1 + Math.SQRT1_2), 12);
    expect(learningRateAt(2e-3, 'cosine', 1000, 1000)).toBeCloseTo(0, 12);
    // Past the planned steps it stays at zero rather than rising again.
    expect(learningRateAt(2e-3, 'cosine', 1500, 1000)).toBeCloseTo(0, 12);
  });
});
