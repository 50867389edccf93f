/**
 * Decoding real RAVDESS files: the 16 kHz set matches librosa's samples, and the 48 kHz
 * originals (extra RIFF chunks, stereo) resampled to 16 kHz match the SoX-made 16 kHz versions.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFile } from '../../src/main/audio/decode.js';
import {
  HAVE_RAVDESS,
  HAVE_RAVDESS_48K,
  HAVE_REFERENCE,
  LIBROSA_REFERENCE,
  MISSING_DATA,
  RAVDESS_16K,
  RAVDESS_48K,
  ravdessClip,
} from '../helpers/shared-data.js';

interface RefClip {
  file: string;
  n_samples: number;
  first_samples: number[];
}

describe.skipIf(!HAVE_RAVDESS || !HAVE_REFERENCE)(
  `RAVDESS 16 kHz vs librosa ${HAVE_RAVDESS ? '' : MISSING_DATA}`,
  () => {
    it('decodes the reference clips to librosa’s length and first samples', async () => {
      const ref = JSON.parse(readFileSync(LIBROSA_REFERENCE, 'utf8')) as { clips: RefClip[] };
      expect(ref.clips.length).toBe(6);
      for (const c of ref.clips) {
        const d = await decodeFile(join(RAVDESS_16K, c.file));
        expect(d).toMatchObject({ sampleRate: 16000, channels: 1, format: 'wav', warnings: [] });
        expect(d.samples.length).toBe(c.n_samples);
        // The reference rounds to 5 decimals; int16 / 32768 is exact in float32.
        c.first_samples.forEach((v, i) =>
          expect(Math.abs(d.samples[i]! - v)).toBeLessThanOrEqual(5e-6 + 1e-12),
        );
        for (const v of d.samples.subarray(0, 2000)) expect(Number.isInteger(v * 32768)).toBe(true);
      }
    });
  },
);

describe.skipIf(!HAVE_RAVDESS || !HAVE_RAVDESS_48K)(
  `RAVDESS 48 kHz originals vs the SoX 16 kHz set ${HAVE_RAVDESS ? '' : MISSING_DATA}`,
  () => {
    const corr = (a: Float32Array, b: Float32Array, n: number) => {
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let i = 0; i < n; i++) {
        ab += a[i]! * b[i]!;
        aa += a[i]! ** 2;
        bb += b[i]! ** 2;
      }
      return ab / Math.sqrt(aa * bb);
    };

    it('decodes every original (FLLR/LIST/bext/_PMX chunks, stereo) and matches after resampling', async () => {
      const files = readdirSync(RAVDESS_48K).filter((f) => f.endsWith('.wav'));
      expect(files.length).toBe(4);
      const channels: number[] = [];
      for (const f of files) {
        const orig = await decodeFile(join(RAVDESS_48K, f));
        expect(orig.sampleRate).toBe(48000);
        channels.push(orig.channels);
        const t = performance.now();
        const ours = await decodeFile(join(RAVDESS_48K, f), { targetRate: 16000 });
        const ms = performance.now() - t;
        const sox = await decodeFile(ravdessClip(Number(f.slice(-6, -4)), f));
        expect(ours.samples.length).toBe(Math.ceil((orig.samples.length * 16000) / 48000));
        // SoX rounds the length, we (like librosa) take the ceiling.
        expect(Math.abs(ours.samples.length - sox.samples.length)).toBeLessThanOrEqual(1);
        expect(ours.duration).toBeCloseTo(orig.samples.length / 48000, 9);
        const r = corr(ours.samples, sox.samples, Math.min(ours.samples.length, sox.samples.length));
        console.log(
          `${f}: ${orig.channels} ch, r = ${r.toFixed(6)} vs SoX 16k, decode+resample ${ms.toFixed(1)} ms`,
        );
        // Both are band-limited to ~7-7.6 kHz and SoX adds TPDF dither at -96 dBFS; the only
        // real difference is where each filter rolls off above 7 kHz (0.99956 worst measured,
        // on the clip with the most energy there). Misaligned or aliased output falls far below.
        expect(r).toBeGreaterThan(0.999);
      }
      // Two of the four originals are stereo (README mentions one): both paths were exercised.
      expect(channels.sort()).toEqual([1, 1, 2, 2]);
    });
  },
);
