import { describe, expect, it } from 'vitest';
import { trainingWorkers } from '../../src/main/training/fold-pool.js';

const GB = 2 ** 30;

describe('trainingWorkers: how many models train at once', () => {
  it('by default: one per core, at most one per model', () => {
    expect(trainingWorkers(1, undefined, 2, 16 * GB)).toBe(1);
    expect(trainingWorkers(2, undefined, 2, 16 * GB)).toBe(2);
    expect(trainingWorkers(3, undefined, 8, 16 * GB)).toBe(3);
  });

  it('by default, more models than cores: every model its own thread, so equal folds finish together', () => {
    expect(trainingWorkers(5, undefined, 2, 16 * GB)).toBe(5);
    expect(trainingWorkers(10, undefined, 2, 16 * GB)).toBe(8);
  });

  it('a chosen count is kept (at most one per model)', () => {
    expect(trainingWorkers(5, 2, 2, 16 * GB)).toBe(2);
    expect(trainingWorkers(5, 1, 2, 16 * GB)).toBe(1);
    expect(trainingWorkers(2, 4, 2, 16 * GB)).toBe(2);
  });

  it('is bounded by free memory (~400 MB a worker)', () => {
    expect(trainingWorkers(5, undefined, 2, 1 * GB)).toBe(2);
    expect(trainingWorkers(5, 4, 8, 0.1 * GB)).toBe(1);
  });
});
