import { describe, expect, it } from 'vitest';
import {
  cropPad,
  maskExample,
  predictClips,
  sequenceSet,
  windowStarts,
} from '../../src/main/training/examples.js';
import { seededRng } from '../../src/main/util/rng.js';

/** frames x width matrix whose value at (f, c) is 10 f + c + 1 (so 0 means padding). */
function ramp(frames: number, width: number): Float32Array {
  return Float32Array.from(
    { length: frames * width },
    (_, i) => 10 * Math.floor(i / width) + (i % width) + 1,
  );
}

describe('crop, pad and windows', () => {
  it('centre-crops a long clip and centres a short one in zeros', () => {
    const out = new Float32Array(3 * 2);
    cropPad(ramp(7, 2), 7, 2, 3, out, 0); // frames 2,3,4
    expect([...out]).toEqual([21, 22, 31, 32, 41, 42]);
    const pad = new Float32Array(5 * 2).fill(9);
    cropPad(ramp(2, 2), 2, 2, 5, pad, 0); // 1 frame of zeros, 2 frames, 2 frames of zeros
    expect([...pad]).toEqual([0, 0, 1, 2, 11, 12, 0, 0, 0, 0]);
    const at = new Float32Array(3 * 2);
    cropPad(ramp(7, 2), 7, 2, 3, at, 0, 4); // explicit start
    expect(at[0]).toBe(41);
  });

  it('covers a long clip with half-overlapping windows, the last flush with the end', () => {
    expect(windowStarts(10, 4)).toEqual([0, 2, 4, 6]);
    expect(windowStarts(9, 4)).toEqual([0, 2, 4, 5]);
    expect(windowStarts(4, 4)).toEqual([0]);
    expect(windowStarts(3, 4)).toEqual([0]);
  });

  it('averages window probabilities per clip', async () => {
    // The fake model returns [first value of the window / 100, 1 - that].
    const sources = [
      { data: ramp(6, 1), frames: 6 }, // windows at 0, 2: first values 1 and 21
      { data: ramp(2, 1), frames: 2 }, // one centred window: 0, 1, 11, 0 -> first value 0
    ];
    const probs = await predictClips(sources, 4, 1, 2, async (set) => {
      const buf = new Float32Array(4);
      const out = new Float32Array(set.size * 2);
      for (let j = 0; j < set.size; j++) {
        set.fill(j, buf, 0, null);
        out[2 * j] = buf[0]! / 100;
        out[2 * j + 1] = 1 - buf[0]! / 100;
      }
      return out;
    });
    expect(probs[0]).toBeCloseTo((0.01 + 0.21) / 2, 6);
    expect(probs[1]).toBeCloseTo(1 - (0.01 + 0.21) / 2, 6);
    expect(probs[2]).toBeCloseTo(0, 6);
  });

  it('masks runs of columns and frames, deterministically per seed', () => {
    const a = Float32Array.from({ length: 20 * 10 }, () => 1);
    const b = Float32Array.from(a);
    const mask = { freqMasks: 1, freqWidth: 3, timeMasks: 1, timeWidth: 4 };
    maskExample(a, 0, 20, 10, mask, seededRng(5));
    maskExample(b, 0, 20, 10, mask, seededRng(5));
    expect([...a]).toEqual([...b]);
    const zeros = a.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(0);
    expect(zeros).toBeLessThanOrEqual(3 * 20 + 4 * 10);
  });

  it('training fills crop at random offsets, evaluation fills at the centre', () => {
    const set = sequenceSet([{ data: ramp(10, 1), frames: 10 }], new Int32Array(1), 4, 1, {
      randomCrop: true,
    });
    const out = new Float32Array(4);
    set.fill(0, out, 0, null);
    expect(out[0]).toBe(31); // centre: start 3
    const starts = new Set<number>();
    const rng = seededRng(1);
    for (let i = 0; i < 50; i++) {
      set.fill(0, out, 0, rng);
      starts.add((out[0]! - 1) / 10);
    }
    expect([...starts].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});
