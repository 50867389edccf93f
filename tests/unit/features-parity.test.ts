/**
 * Parity with librosa 0.10.1 on the six reference clips (../shared/reference/librosa-features.json,
 * computed with the parameters recorded in its `params`). The bar: every feature
 * correlates at r >= 0.99, MFCC and log-mel stay within 1% of the feature's range on average,
 * and frame counts are equal. We are in fact within the reference's 5-decimal rounding; the
 * tighter bounds below guard against regressions that the bar would let through.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_FEATURES, DEFAULT_FEATURE_CONFIG, type FeatureConfig } from '../../src/shared/features.js';
import { decodeFile } from '../../src/main/audio/decode.js';
import { extractFeatures } from '../../src/main/features/extract.js';
import { toLayout } from '../../src/main/features/matrix.js';
import {
  HAVE_RAVDESS,
  HAVE_REFERENCE,
  LIBROSA_REFERENCE,
  MISSING_DATA,
  RAVDESS_16K,
} from '../helpers/shared-data.js';

interface RefClip {
  file: string;
  n_samples: number;
  n_frames: number;
  first_samples: number[];
  [feature: string]: unknown;
}

const KEYS = ['mfcc', 'log_mel', 'chroma', 'spectral_contrast', 'rms', 'zcr', 'spectral_centroid'] as const;

function compare(ours: number[][], theirs: number[][]) {
  const a = ours.flat();
  const b = theirs.flat();
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < a.length; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= a.length;
  mb /= b.length;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  let abs = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
    abs += Math.abs(a[i]! - b[i]!);
    lo = Math.min(lo, b[i]!);
    hi = Math.max(hi, b[i]!);
  }
  return { r: sab / Math.sqrt(saa * sbb), maePct: (100 * abs) / a.length / (hi - lo) };
}

describe.skipIf(!HAVE_RAVDESS || !HAVE_REFERENCE)(
  `librosa parity ${HAVE_RAVDESS ? '' : MISSING_DATA}`,
  () => {
    const ref = HAVE_REFERENCE
      ? (JSON.parse(readFileSync(LIBROSA_REFERENCE, 'utf8')) as {
          params: Record<string, unknown> & {
            sr: number;
            n_fft: number;
            hop_length: number;
            n_mels: number;
            n_mfcc: number;
          };
          clips: RefClip[];
        })
      : null;

    it('uses the reference parameters as its defaults', () => {
      const p = ref!.params;
      expect(DEFAULT_FEATURE_CONFIG).toMatchObject({
        sampleRate: p.sr,
        nFft: p.n_fft,
        hopLength: p.hop_length,
        nMels: p.n_mels,
        nMfcc: p.n_mfcc,
        fmin: p.fmin,
        nChroma: p.n_chroma,
        contrastBands: (p.contrast as { n_bands: number }).n_bands,
        contrastFmin: (p.contrast as { fmin: number }).fmin,
      });
      expect(DEFAULT_FEATURE_CONFIG.fmax ?? DEFAULT_FEATURE_CONFIG.sampleRate / 2).toBe(p.fmax);
    });

    const cfg: FeatureConfig = { ...DEFAULT_FEATURE_CONFIG, features: [...ALL_FEATURES] };
    for (const clip of ref?.clips ?? []) {
      it(`matches librosa on ${clip.file}`, async () => {
        const audio = await decodeFile(join(RAVDESS_16K, clip.file), { targetRate: cfg.sampleRate });
        expect(audio.samples.length).toBe(clip.n_samples);
        expect(Array.from(audio.samples.subarray(0, 16), (v) => Number(v.toFixed(5)))).toEqual(
          clip.first_samples,
        );

        const m = extractFeatures(audio.samples, cfg);
        expect(m.frames).toBe(clip.n_frames);
        const ours = toLayout(m).features;
        for (const key of KEYS) {
          const theirs = clip[key] as number[][];
          expect(ours[key]!.length, key).toBe(theirs.length);
          expect(ours[key]![0]!.length, key).toBe(clip.n_frames);
          const { r, maePct } = compare(ours[key]!, theirs);
          // The bar.
          expect(r, `${key} r`).toBeGreaterThanOrEqual(0.99);
          if (key === 'mfcc' || key === 'log_mel') expect(maePct, `${key} MAE % of range`).toBeLessThan(1);
          // What we actually reach (the reference is rounded to 5 decimals).
          expect(r, `${key} r`).toBeGreaterThan(0.99999);
          expect(maePct, `${key} MAE % of range`).toBeLessThan(0.05);
        }
      });
    }
  },
);
