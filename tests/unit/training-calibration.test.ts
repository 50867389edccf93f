/**
 * Normalisation modes and calibration: the per-utterance mean, the typical speaker, the
 * per-speaker step over a run's clips (copies take their clip's speaker), and the refusal of a
 * calibration below the measured minimum.
 */
import { describe, expect, it } from 'vitest';
import {
  CALIBRATION_MINIMUM,
  calibrationFrom,
  checkCalibration,
} from '../../src/main/inference/calibration.js';
import {
  fitNormalization,
  preNormalize,
  preNormalizeClips,
  typicalNormalization,
} from '../../src/main/training/normalise.js';

const rows = (width: number, ...v: number[]) => ({
  data: Float32Array.from(v),
  width,
  frames: v.length / width,
});

describe('normalisation modes', () => {
  it('per utterance subtracts the clip’s own column means and keeps the spread', () => {
    const x = preNormalize(Float32Array.from([1, 10, 3, 30]), 2, 'utterance', null);
    expect([...x]).toEqual([-1, -10, 1, 10]);
  });

  it('global leaves the clip as it is; per speaker needs statistics', () => {
    const d = Float32Array.from([1, 2]);
    expect(preNormalize(d, 2, 'global', null)).toBe(d);
    expect(() => preNormalize(d, 2, 'speaker', null)).toThrow(/without statistics/);
  });

  it('the typical speaker is the mean of speaker means and the RMS of their stds', () => {
    const t = typicalNormalization([
      { mean: [0, 10], std: [1, 3] },
      { mean: [2, 20], std: [1, 4] },
    ]);
    expect(t.mean).toEqual([1, 15]);
    expect(t.std[0]).toBeCloseTo(1, 9);
    expect(t.std[1]).toBeCloseTo(Math.sqrt((9 + 16) / 2), 9);
  });

  it('per speaker over a run: each speaker by its own clips, copies by their clip’s speaker, typical from training speakers only', () => {
    const m = [rows(1, 0, 2), rows(1, 4, 6), rows(1, 100, 110)];
    const copies = new Map([[1, [rows(1, 5, 5)]]]);
    const r = preNormalizeClips('speaker', m, copies, ['a', 'a', 'b'], new Set([2]));
    // speaker a: values 0, 2, 4, 6 -> mean 3, std sqrt(5)
    const s = Math.sqrt(5);
    expect([...r.matrices[0]!.data].map((v) => +v.toFixed(5))).toEqual(
      [-3 / s, -1 / s].map((v) => +v.toFixed(5)),
    );
    expect(r.augmented.get(1)![0]!.data[0]).toBeCloseTo(2 / s, 5);
    // b is held out (a test speaker): the typical speaker is a's alone
    expect(r.typical!.mean[0]).toBeCloseTo(3, 5);
    expect(r.matrices[2]!.data[0]).toBeCloseTo(-1, 5);
  });
});

describe('calibration', () => {
  const clip = (n: number, v: number) => ({ data: new Float32Array(n).fill(v), width: 1, frames: n });

  it('takes its statistics from every frame of the speaker’s clips', () => {
    const c = calibrationFrom([clip(10, 1), clip(10, 3)], 12);
    expect(c.stats).toEqual(fitNormalization([clip(10, 1), clip(10, 3)]));
    expect(c.clips).toBe(2);
    expect(c.seconds).toBe(12);
  });

  it('is refused below the minimum with the reason, accepted at it', () => {
    const few = calibrationFrom([clip(5, 1), clip(5, 2)], 30);
    expect(() => checkCalibration(few, '--calibrate')).toThrow(
      `--calibrate: 2 clips, 30.0 s of audio; calibration needs at least ${CALIBRATION_MINIMUM.clips} clips`,
    );
    const short = calibrationFrom(
      Array.from({ length: CALIBRATION_MINIMUM.clips }, () => clip(5, 1)),
      CALIBRATION_MINIMUM.seconds - 1,
    );
    expect(() => checkCalibration(short)).toThrow(/at least/);
    const enough = calibrationFrom(
      Array.from({ length: CALIBRATION_MINIMUM.clips }, (_, i) => clip(5, i)),
      CALIBRATION_MINIMUM.seconds,
    );
    expect(() => checkCalibration(enough)).not.toThrow();
  });
});
