/** The anti-aliasing resampler, measured on tones: passband level, stopband rejection, speed. */
import { describe, expect, it } from 'vitest';
import { decodeFile } from '../../src/main/audio/decode.js';
import { decimateSimd } from '../../src/main/audio/decimate-simd.js';
import { decimateScalar, decimationKernel, resample } from '../../src/main/audio/resample.js';
import { makeRng, normal } from '../../src/main/util/rng.js';
import { HAVE_RAVDESS, MISSING_DATA, ravdessClip } from '../helpers/shared-data.js';

function tone(hz: number, sr: number, seconds: number, amp = 0.5): Float32Array {
  const n = Math.round(sr * seconds);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * hz * i) / sr);
  return x;
}

/** RMS level in dB of y relative to x, away from the edges (where the filter sees zeros). */
function gainDb(x: Float32Array, y: Float32Array, edge = 0.05): number {
  const rms = (a: Float32Array) => {
    const lo = Math.floor(a.length * edge);
    const hi = a.length - lo;
    let s = 0;
    for (let i = lo; i < hi; i++) s += a[i]! ** 2;
    return Math.sqrt(s / (hi - lo));
  };
  return 20 * Math.log10(rms(y) / rms(x));
}

describe('resample', () => {
  it('48k -> 16k: a 6 kHz tone keeps its level within 1 dB; a 12 kHz tone drops by >= 40 dB', () => {
    const pass = gainDb(tone(6000, 48000, 1), resample(tone(6000, 48000, 1), 48000, 16000));
    const stop = gainDb(tone(12000, 48000, 1), resample(tone(12000, 48000, 1), 48000, 16000));
    expect(Math.abs(pass)).toBeLessThan(1);
    expect(stop).toBeLessThan(-40);
    // What the design gives (Kaiser, 80 dB): flat to 7 kHz, nothing aliasing above 8 kHz.
    expect(Math.abs(pass)).toBeLessThan(0.01);
    expect(stop).toBeLessThan(-80);
    expect(Math.abs(gainDb(tone(7000, 48000, 1), resample(tone(7000, 48000, 1), 48000, 16000)))).toBeLessThan(
      0.2,
    );
    for (const hz of [8500, 9000, 10000, 15000, 20000, 23000]) {
      expect(gainDb(tone(hz, 48000, 1), resample(tone(hz, 48000, 1), 48000, 16000))).toBeLessThan(-78);
    }
  });

  it('44.1k -> 16k (160/441 polyphase) and 22.05k -> 16k: same pass and stop behaviour', () => {
    for (const from of [44100, 22050]) {
      expect(Math.abs(gainDb(tone(6000, from, 1), resample(tone(6000, from, 1), from, 16000)))).toBeLessThan(
        0.01,
      );
      expect(gainDb(tone(9500, from, 1), resample(tone(9500, from, 1), from, 16000))).toBeLessThan(-78);
    }
  });

  it('upsampling 8k -> 16k keeps a 3 kHz tone and makes no image at 5 kHz', () => {
    const x = tone(3000, 8000, 1);
    const y = resample(x, 8000, 16000);
    expect(y.length).toBe(16000);
    expect(Math.abs(gainDb(x, y))).toBeLessThan(0.05);
    // Subtract the ideal 3 kHz tone at 16k: what remains is the image plus error.
    const ideal = tone(3000, 16000, 1);
    const resid = y.map((v, i) => v - ideal[i]!);
    expect(gainDb(ideal, resid, 0.1)).toBeLessThan(-70);
  });

  it('odd rate pairs (over 1024 phases) still keep pitch and level', () => {
    const x = tone(1000, 44056, 1);
    const y = resample(x, 44056, 16000);
    expect(Math.abs(gainDb(x, y))).toBeLessThan(0.01);
    const ideal = tone(1000, 16000, y.length / 16000);
    const resid = y.map((v, i) => v - ideal[i]!);
    expect(gainDb(ideal, resid, 0.1)).toBeLessThan(-60);
  });

  it('has unit DC gain, output length ceil(n * to / from), and copies when rates match', () => {
    const dc = new Float32Array(48000).fill(0.25);
    const y = resample(dc, 48000, 16000);
    expect(y.length).toBe(16000);
    let worst = 0;
    for (let i = 100; i < 15900; i++) worst = Math.max(worst, Math.abs(y[i]! - 0.25));
    expect(worst).toBeLessThan(1e-6);
    expect(resample(new Float32Array(100), 44100, 16000).length).toBe(Math.ceil((100 * 16000) / 44100));
    expect(resample(new Float32Array(0), 48000, 16000).length).toBe(0);
    const same = resample(dc, 16000, 16000);
    expect(same).not.toBe(dc);
    expect(same).toEqual(dc);
    expect(() => resample(dc, 0, 16000)).toThrow(RangeError);
  });
});

describe('integer decimation through the WebAssembly SIMD kernel (decimate-simd.ts)', () => {
  /** resample's output against the JavaScript loop alone over every output: equal bit for bit. */
  function expectSameAsScalar(x: Float32Array, from: number, to: number): void {
    const h = decimationKernel(from, to)!;
    const want = new Float32Array(Math.ceil((x.length * to) / from));
    decimateScalar(x, from / to, h, want, 0, want.length);
    const got = resample(x, from, to);
    expect(got.length).toBe(want.length);
    let differ = 0;
    for (let i = 0; i < got.length; i++) if (!Object.is(got[i], want[i])) differ++;
    expect(differ).toBe(0);
  }

  it.skipIf(!HAVE_RAVDESS)(
    `equals the JavaScript loop on real speech, 16k -> 8k as the speech check runs it ${HAVE_RAVDESS ? '' : MISSING_DATA}`,
    async () => {
      for (const f of ['03-01-05-02-01-02-07.wav', '03-01-01-01-02-01-12.wav']) {
        const { samples } = await decodeFile(ravdessClip(Number(f.slice(-6, -4)), f), { targetRate: 16000 });
        expectSameAsScalar(samples, 16000, 8000);
      }
    },
  );

  it('equals it on noise at 48k -> 16k, across its blocks, and on clips shorter than the filter', () => {
    // Node 20 and Electron have WebAssembly SIMD: the kernel runs (else this compares JS with JS).
    expect(
      decimateSimd(
        new Float32Array(1000),
        2,
        decimationKernel(16000, 8000)!,
        new Float32Array(500),
        100,
        101,
      ),
    ).toBe(true);
    const rng = makeRng(3);
    for (const n of [200_001, 5, 150, 400]) {
      const x = Float32Array.from({ length: n }, () => 0.3 * normal(rng));
      expectSameAsScalar(x, 48000, 16000);
      expectSameAsScalar(x, 16000, 8000);
    }
  });
});
