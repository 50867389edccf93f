import { describe, expect, it } from 'vitest';
import { EpochSequencer } from '../../src/main/training/members.js';
import type { EpochMetrics } from '../../src/shared/training.js';

const m = (epoch: number): EpochMetrics => ({
  epoch,
  trainLoss: 1,
  trainAccuracy: 0.5,
  valLoss: null,
  valAccuracy: null,
  seconds: 1,
});

describe('EpochSequencer (folds trained side by side, epochs recorded in fold order)', () => {
  it('numbers epochs across folds and holds a later fold back until the earlier ones finish', () => {
    const out: Array<[number, number]> = [];
    const seq = new EpochSequencer(3, (fold, metrics) => out.push([fold, metrics.epoch]));
    seq.epoch(0, m(1), 0);
    seq.epoch(1, m(1), 0); // fold 1 runs beside fold 0: held
    seq.epoch(2, m(1), 0); // held
    seq.epoch(0, m(2), 0);
    expect(out).toEqual([
      [0, 1],
      [0, 2],
    ]);
    seq.epoch(1, m(2), 0);
    seq.done(2, 1); // fold 2 finished first (early stopping): still waits for fold 1
    expect(out.length).toBe(2);
    seq.epoch(0, m(3), 0);
    seq.done(0, 3); // fold 1's held epochs follow fold 0's three
    expect(out.slice(2)).toEqual([
      [0, 3],
      [1, 4],
      [1, 5],
    ]);
    seq.epoch(1, m(3), 0); // now live
    seq.done(1, 3); // then fold 2's held epoch
    expect(out.slice(5)).toEqual([
      [1, 6],
      [2, 7],
    ]);
  });

  it('passes one fold straight through', () => {
    const out: number[] = [];
    const seq = new EpochSequencer(1, (_f, metrics) => out.push(metrics.epoch));
    [1, 2, 3].forEach((e) => seq.epoch(0, m(e), 0));
    seq.done(0, 3);
    expect(out).toEqual([1, 2, 3]);
  });
});
