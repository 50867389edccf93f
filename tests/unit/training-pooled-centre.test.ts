/**
 * Speaker centring of pooled statistics (src/main/training/pooled-centre.ts): centres are the mean
 * pooled vectors of a speaker's clips, the typical centre weighs every speaker once, and a
 * calibration's centres make its own clips' centred pooled vectors average zero.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeFile } from '../../src/main/audio/decode.js';
import { extractFeatures } from '../../src/main/features/extract.js';
import { poolMatrix } from '../../src/main/features/matrix.js';
import { calibrationFrom } from '../../src/main/inference/calibration.js';
import { applyNormalization } from '../../src/main/training/normalise.js';
import {
  centred,
  pooledCentres,
  speakerCentres,
  typicalCentres,
} from '../../src/main/training/pooled-centre.js';
import { TRAINING_FEATURES } from '../../src/main/recipe/recipe.js';
import { HAVE_RAVDESS, MISSING_DATA, RAVDESS_16K, ravdessClip } from '../helpers/shared-data.js';

/** A frames x 2 matrix from a column generator. */
function matrix(frames: number, f: (t: number, c: number) => number) {
  const data = new Float32Array(frames * 2);
  for (let t = 0; t < frames; t++) for (let c = 0; c < 2; c++) data[t * 2 + c] = f(t, c);
  return { frames, width: 2, data, columns: ['a[0]', 'b[0]'] };
}

describe('pooled centres', () => {
  const a1 = matrix(20, (t, c) => Math.sin(t) + c);
  const a2 = matrix(30, (t, c) => 2 * Math.cos(t / 3) - c);
  const b1 = matrix(25, (t) => t / 10);

  it('are the mean pooled vector of a speaker’s clips, for both pooling kinds', () => {
    const c = pooledCentres([a1, a2]);
    for (const kind of ['mean-std', 'summary'] as const) {
      const v1 = poolMatrix(a1, kind);
      const v2 = poolMatrix(a2, kind);
      expect(c[kind]!.length).toBe(v1.length);
      c[kind]!.forEach((x, i) => expect(x).toBeCloseTo((v1[i]! + v2[i]!) / 2, 6));
    }
  });

  it('group by speaker, and the typical centre counts each speaker once', () => {
    const by = speakerCentres([a1, b1, a2], ['A', 'B', 'A']);
    expect([...by.keys()].sort()).toEqual(['A', 'B']);
    expect(by.get('A')).toEqual(pooledCentres([a1, a2]));
    const typical = typicalCentres([by.get('A')!, by.get('B')!]);
    typical.summary!.forEach((x, i) =>
      expect(x).toBeCloseTo((by.get('A')!.summary![i]! + by.get('B')!.summary![i]!) / 2, 6),
    );
  });

  it('subtract in place and refuse a centre of another width', () => {
    expect(Array.from(centred(Float32Array.from([3, 4]), [1, 1]))).toEqual([2, 3]);
    expect(Array.from(centred(Float32Array.from([3, 4]), null))).toEqual([3, 4]);
    expect(() => centred(Float32Array.from([3, 4]), [1, 2, 3])).toThrow(/wide/);
  });

  it.skipIf(!HAVE_RAVDESS)(
    `a RAVDESS speaker’s calibration centres its own clips at zero ${HAVE_RAVDESS ? '' : MISSING_DATA}`,
    async () => {
      const files = readdirSync(`${RAVDESS_16K}/Actor_05`).sort().slice(0, 10);
      const mats = [];
      for (const f of files) {
        const { samples } = await decodeFile(ravdessClip(5, f), { targetRate: 16000 });
        mats.push(extractFeatures(samples, TRAINING_FEATURES));
      }
      const cal = calibrationFrom(mats, 30);
      const sum = new Float64Array(cal.centres.summary!.length);
      for (const m of mats) {
        const v = centred(
          poolMatrix({ ...m, data: applyNormalization(m.data, cal.stats) }, 'summary'),
          cal.centres.summary,
        );
        v.forEach((x, i) => (sum[i]! += x));
      }
      for (const s of sum) expect(Math.abs(s / mats.length)).toBeLessThan(1e-4);
      // Centring moves the vectors: the speaker's average pooled vector is not zero by itself.
      expect(Math.max(...cal.centres.summary!.map(Math.abs))).toBeGreaterThan(0.1);
    },
  );
});
