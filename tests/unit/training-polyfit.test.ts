import { describe, expect, it } from 'vitest';
import { fitCurves, polyfit, polyval } from '../../src/main/training/polyfit.js';
import { fitPoints } from '../../src/renderer/src/lib/curves.js';

describe('degree-2 curve fit', () => {
  it('recovers an exact parabola, lowest degree first', () => {
    const xs = [1, 2, 3, 4, 5];
    const ys = xs.map((x) => 2 - 3 * x + 0.5 * x * x);
    const c = polyfit(xs, ys, 2);
    expect(c[0]).toBeCloseTo(2, 9);
    expect(c[1]).toBeCloseTo(-3, 9);
    expect(c[2]).toBeCloseTo(0.5, 9);
  });

  it('matches a hand-solved least-squares fit of noisy points', () => {
    // x = 0,1,2,3 ; y = 1,0,2,4. Normal equations: [4 6 14; 6 14 36; 14 36 98] c = [7 18 50]
    // give c = (0.85, -1.15, 0.75) (numpy.polyfit prints [0.75, -1.15, 0.85], highest first);
    // fitted values 0.85, 0.45, 1.55, 4.15, residuals 0.15, -0.45, 0.45, -0.15.
    const c = polyfit([0, 1, 2, 3], [1, 0, 2, 4], 2);
    expect(c[0]).toBeCloseTo(0.85, 9);
    expect(c[1]).toBeCloseTo(-1.15, 9);
    expect(c[2]).toBeCloseTo(0.75, 9);
    expect(polyval(c, 2)).toBeCloseTo(1.55, 9);
  });

  it('stays accurate for large epoch numbers and lowers the degree for few points', () => {
    const xs = Array.from({ length: 50 }, (_, i) => 200 + i);
    const c = polyfit(
      xs,
      xs.map((x) => 1e-4 * x * x - 0.01 * x + 3),
      2,
    );
    expect(c[2]).toBeCloseTo(1e-4, 9);
    expect(c[0]).toBeCloseTo(3, 5);
    const line = polyfit([1, 2], [3, 5], 2);
    expect(line[0]).toBeCloseTo(1, 9);
    expect(line[1]).toBeCloseTo(2, 9);
    expect(line[2]).toBe(0);
    expect(polyfit([], [])).toEqual([]);
  });

  it('fits each present curve of an epoch history', () => {
    const m = [1, 2, 3, 4].map((epoch) => ({
      epoch,
      trainLoss: 2 / epoch,
      trainAccuracy: 0.2 * epoch,
      valLoss: null,
      valAccuracy: null,
      seconds: 1,
    }));
    const fits = fitCurves(m);
    expect(fits.map((f) => f.series)).toEqual(['trainLoss', 'trainAccuracy']);
    expect(fits[1]!.coefficients[1]).toBeCloseTo(0.2, 9);
    expect(fits[1]!.coefficients[2]).toBeCloseTo(0, 9);
    // Each fit says which epochs it covers, so a chart draws it there and does not extrapolate.
    expect(fits[0]!.epochs).toEqual([m[0]!.epoch, m[m.length - 1]!.epoch]);
    const drawn = fitPoints(fits[0], [...m, { ...m[0]!, epoch: 500 }]);
    expect(drawn[0]!.x).toBe(m[0]!.epoch);
    expect(drawn.at(-1)!.x).toBe(m[m.length - 1]!.epoch);
  });
});
