import { describe, expect, it } from 'vitest';
import {
  argmaxRows,
  confusionMatrix,
  evaluate,
  evaluationFromConfusion,
  sumConfusions,
} from '../../src/main/training/metrics.js';

describe('training metrics', () => {
  // 3 classes, 10 clips. Worked by hand:
  // true:  a a a a b b b c c c
  // pred:  a a b c b b a c c a
  const labels = ['a', 'b', 'c'];
  const yTrue = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
  const yPred = [0, 0, 1, 2, 1, 1, 0, 2, 2, 0];

  it('builds confusion[true][pred]', () => {
    expect(confusionMatrix(yTrue, yPred, 3)).toEqual([
      [2, 1, 1],
      [1, 2, 0],
      [1, 0, 2],
    ]);
  });

  it('computes accuracy, per-class P/R/F1, macro-F1 and UAR', () => {
    const e = evaluate(yTrue, yPred, labels);
    expect(e.n).toBe(10);
    expect(e.accuracy).toBeCloseTo(0.6, 12);
    // a: P = 2/4, R = 2/4, F1 = 0.5; b: P = 2/3, R = 2/3; c: P = 2/3, R = 2/3
    expect(e.perClass[0]).toMatchObject({ label: 'a', support: 4 });
    expect(e.perClass[0]!.precision).toBeCloseTo(0.5, 12);
    expect(e.perClass[0]!.recall).toBeCloseTo(0.5, 12);
    expect(e.perClass[1]!.precision).toBeCloseTo(2 / 3, 12);
    expect(e.perClass[2]!.f1).toBeCloseTo(2 / 3, 12);
    expect(e.macroF1).toBeCloseTo((0.5 + 2 / 3 + 2 / 3) / 3, 12);
    expect(e.uar).toBeCloseTo((0.5 + 2 / 3 + 2 / 3) / 3, 12);
  });

  it('gives 0 (not NaN) for a class never predicted, and skips absent classes in the macro means', () => {
    const e = evaluationFromConfusion(
      [
        [3, 1, 0],
        [2, 0, 0],
        [0, 0, 0],
      ],
      labels,
    );
    expect(e.perClass[1]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 2 });
    expect(e.perClass[2]!.support).toBe(0);
    // a: P = 3/5, R = 3/4, F1 = 2*0.6*0.75/1.35 = 2/3
    expect(e.macroF1).toBeCloseTo((2 / 3 + 0) / 2, 12);
    expect(e.uar).toBeCloseTo((0.75 + 0) / 2, 12);
    expect(e.accuracy).toBeCloseTo(3 / 6, 12);
  });

  it('sums fold confusions and takes row argmax', () => {
    expect(
      sumConfusions([
        [
          [1, 0],
          [2, 3],
        ],
        [
          [4, 1],
          [0, 1],
        ],
      ]),
    ).toEqual([
      [5, 1],
      [2, 4],
    ]);
    expect([...argmaxRows([0.1, 0.7, 0.2, 0.5, 0.4, 0.1], 3)]).toEqual([1, 0]);
  });

  it('rejects mismatched lengths and out-of-range classes', () => {
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(/2 labels vs 1/);
    expect(() => confusionMatrix([0, 3], [0, 1], 2)).toThrow(/out of range/);
  });
});

describe('balanced class weights', () => {
  it('is n / (k * count) per class', async () => {
    const { balancedClassWeights } = await import('../../src/main/training/class-weights.js');
    // counts 6, 3, 1 of n = 10 -> 10/18, 10/9, 10/3
    const y = [0, 0, 0, 0, 0, 0, 1, 1, 1, 2];
    const w = balancedClassWeights(y, 3);
    expect(w[0]).toBeCloseTo(10 / 18, 6);
    expect(w[1]).toBeCloseTo(10 / 9, 6);
    expect(w[2]).toBeCloseTo(10 / 3, 6);
    // an absent class gets 0 and does not count in k
    expect([...balancedClassWeights([0, 1], 3)]).toEqual([1, 1, 0]);
  });
});
