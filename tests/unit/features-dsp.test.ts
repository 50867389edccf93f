/** The building blocks of the feature engine, checked against their definitions. */
import { describe, expect, it } from 'vitest';
import { applyCsr, chromaFilterbank, chromaFilterbankDense } from '../../src/main/features/chroma.js';
import { contrastBands } from '../../src/main/features/contrast.js';
import { deltaColumns, savgolWeights } from '../../src/main/features/delta.js';
import { extractFeatures, powerToDb } from '../../src/main/features/extract.js';
import { parseFeatureConfig } from '../../src/main/features/config.js';
import { RealFft } from '../../src/main/features/fft.js';
import { applySparse, hzToMel, melFilterbank, melToHz } from '../../src/main/features/mel.js';
import { dctMatrix, getPlan, hannPeriodic } from '../../src/main/features/plan.js';
import { frameCount, zeroCrossingRate } from '../../src/main/features/time-domain.js';
import { decodeFile } from '../../src/main/audio/decode.js';
import { HAVE_RAVDESS, MISSING_DATA, ravdessClip } from '../helpers/shared-data.js';

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

describe('RealFft', () => {
  // Sizes with an even and an odd number of radix-2 stages in the half-size transform.
  for (const n of [8, 16, 64, 512, 2048, 4096]) {
    it(`gives the DFT power and magnitude of a random signal, N = ${n}`, () => {
      const rnd = lcg(n);
      const x = Float64Array.from({ length: n }, rnd);
      const fft = new RealFft(n);
      const power = new Float64Array(n / 2 + 1);
      const mag = new Float64Array(n / 2 + 1);
      fft.power(x, power, mag);
      for (let k = 0; k <= n / 2; k++) {
        let re = 0;
        let im = 0;
        for (let t = 0; t < n; t++) {
          re += x[t]! * Math.cos((2 * Math.PI * k * t) / n);
          im -= x[t]! * Math.sin((2 * Math.PI * k * t) / n);
        }
        const p = re * re + im * im;
        expect(power[k]).toBeCloseTo(p, 8);
        expect(mag[k]).toBeCloseTo(Math.sqrt(p), 8);
      }
    });
  }

  for (const n of [8, 64, 512]) {
    it(`gives the DFT's real part (realPart), N = ${n}`, () => {
      const rnd = lcg(n + 1);
      const x = Float64Array.from({ length: n }, rnd);
      const out = new Float64Array(n / 2 + 1);
      new RealFft(n).realPart(x, out);
      for (let k = 0; k <= n / 2; k++) {
        let re = 0;
        for (let t = 0; t < n; t++) re += x[t]! * Math.cos((2 * Math.PI * k * t) / n);
        expect(out[k]).toBeCloseTo(re, 8);
      }
      // An even signal from its first half (evenRealPart) gives realPart's values exactly,
      // with the SIMD untangling and without.
      const half = x.subarray(0, n / 2 + 1);
      const even = Float64Array.from({ length: n }, (_, t) => half[t <= n / 2 ? t : n - t]!);
      const [a, b, c] = [0, 1, 2].map(() => new Float64Array(n / 2 + 1));
      new RealFft(n).realPart(even, a!);
      new RealFft(n).evenRealPart(half, b!);
      new RealFft(n, false).evenRealPart(half, c!);
      expect(b).toEqual(a);
      expect(c).toEqual(a);
    });
  }

  it('loads a zero-padded, windowed frame and returns its energy', () => {
    const n = 16;
    const y = Float32Array.from({ length: 20 }, (_, i) => Math.sin(i));
    const w = hannPeriodic(n);
    const fft = new RealFft(n);
    const direct = new Float64Array(n);
    // A frame starting 5 samples before the signal: the first 5 are zeros.
    for (let i = 5; i < n; i++) direct[i] = y[i - 5]! * w[i]!;
    const p1 = new Float64Array(n / 2 + 1);
    const p2 = new Float64Array(n / 2 + 1);
    fft.power(direct, p1);
    const energy = fft.loadFrame(y, -5, w);
    fft.spectrum(p2);
    expect(Array.from(p2)).toEqual(Array.from(p1).map((v) => expect.closeTo(v, 12)));
    expect(energy).toBeCloseTo(
      direct.reduce((a, v) => a + v * v, 0),
      12,
    );
  });

  it('refuses sizes that are not powers of two', () => {
    expect(() => new RealFft(1000)).toThrow(/power of two/);
  });
});

describe.skipIf(!HAVE_RAVDESS)(
  `RealFft's SIMD stages on a real clip ${HAVE_RAVDESS ? '' : MISSING_DATA}`,
  () => {
    it('give bit-identical power and magnitude to the JavaScript stages, at every size', async () => {
      const { samples } = await decodeFile(ravdessClip(1, '03-01-05-01-01-01-01.wav'));
      for (const n of [16, 32, 256, 512, 2048, 4096]) {
        const simd = new RealFft(n);
        const js = new RealFft(n, false);
        const w = hannPeriodic(n);
        const [pa, pb, ma, mb] = [0, 1, 2, 3].map(() => new Float64Array(n / 2 + 1));
        for (let start = -n / 2; start < samples.length; start += 7919) {
          expect(simd.loadFrame(samples, start, w)).toBe(js.loadFrame(samples, start, w));
          simd.spectrum(pa!, ma);
          js.spectrum(pb!, mb);
          expect(pa).toEqual(pb);
          expect(ma).toEqual(mb);
        }
      }
    });
  },
);

describe.skipIf(!HAVE_RAVDESS)(`MFCC rows in SIMD on a real clip ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  it('give features bit-identical to the JavaScript DCT loop (even and odd mel and MFCC counts)', async () => {
    const { samples } = await decodeFile(ravdessClip(2, '03-01-03-02-02-01-02.wav'));
    for (const patch of [{}, { nMels: 41, nMfcc: 13 }]) {
      const cfg = parseFeatureConfig({ ...patch, features: ['mfcc'] });
      const plan = getPlan(cfg) as { dctSimd: unknown };
      const simd = plan.dctSimd;
      expect(simd).toBeTruthy();
      const a = extractFeatures(samples, cfg).data;
      plan.dctSimd = null;
      try {
        expect(extractFeatures(samples, cfg).data).toEqual(a);
      } finally {
        plan.dctSimd = simd;
      }
    }
  });
});

describe('windows and DCT', () => {
  it('uses the periodic Hann window (scipy get_window fftbins=True)', () => {
    const w = hannPeriodic(8);
    expect(Array.from(w)).toEqual(
      [0, 0.1464466, 0.5, 0.8535534, 1, 0.8535534, 0.5, 0.1464466].map((v) => expect.closeTo(v, 6)),
    );
  });

  it('builds an orthonormal DCT-II (scipy norm="ortho")', () => {
    const n = 16;
    const d = dctMatrix(n, n);
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += d[a * n + i]! * d[b * n + i]!;
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 12);
      }
    }
  });
});

describe('mel filterbank (slaney)', () => {
  it('multiplies in SIMD bit-identically to the JavaScript loop (even and odd row counts)', () => {
    for (const nMels of [128, 41]) {
      const simd = melFilterbank(16000, 2048, nMels, 0, 8000);
      expect(simd.simd).toBeTruthy();
      const js = { ...simd, simd: null };
      const rnd = lcg(nMels);
      const [a, b] = [new Float64Array(nMels + 3), new Float64Array(nMels + 3)];
      for (let trial = 0; trial < 5; trial++) {
        const x = Float64Array.from({ length: 1025 }, (_, k) => (k % 89 < 4 ? 0 : Math.exp(23 * rnd())));
        applySparse(simd, x, a, 3);
        applySparse(js, x, b, 3);
        expect(a).toEqual(b);
      }
    }
  });

  it('maps Hz to mel linearly below 1 kHz and logarithmically above', () => {
    expect(hzToMel(1000)).toBeCloseTo(15, 12);
    expect(hzToMel(200)).toBeCloseTo(3, 12);
    // librosa.hz_to_mel(8000) = 45.24... (htk=False)
    expect(hzToMel(8000)).toBeCloseTo(15 + Math.log(8) / (Math.log(6.4) / 27), 12);
    for (const hz of [0, 100, 999, 1000, 4000, 8000]) expect(melToHz(hzToMel(hz))).toBeCloseTo(hz, 8);
  });

  it('keeps each triangle as one span with slaney area normalisation', () => {
    const bank = melFilterbank(16000, 2048, 128, 0, 8000);
    expect(bank.rows).toBe(128);
    let nonZero = 0;
    for (let r = 0; r < bank.rows; r++) {
      const a = bank.start[r]!;
      const b = bank.end[r]!;
      nonZero += b - a;
      // Triangles advance up the spectrum.
      if (r > 0) expect(a).toBeGreaterThanOrEqual(bank.start[r - 1]!);
      for (let k = a; k < b; k++) expect(bank.weights[bank.offset[r]! + k - a]!).toBeGreaterThanOrEqual(0);
    }
    // Sparse: about two weights per FFT bin, not 128 x 1025.
    expect(nonZero).toBe(bank.weights.length);
    expect(nonZero).toBeLessThan(3 * 1025);
    // Slaney norm: each triangle's area in Hz is about 1 (2 / bandwidth times height 1 over half the base).
    const df = 16000 / 2048;
    let area = 0;
    const r = 100;
    for (let k = bank.start[r]!; k < bank.end[r]!; k++)
      area += bank.weights[bank.offset[r]! + k - bank.start[r]!]! * df;
    expect(area).toBeCloseTo(1, 1);
  });
});

describe('chroma filterbank', () => {
  it('drops only negligible weights when stored sparse', () => {
    const dense = chromaFilterbankDense(16000, 2048, 12);
    const sparse = chromaFilterbank(16000, 2048, 12);
    let kept = 0;
    for (let r = 0; r < 12; r++) {
      const row = new Float64Array(1025);
      for (let j = sparse.rowPtr[r]!; j < sparse.rowPtr[r + 1]!; j++) row[sparse.cols[j]!] = sparse.vals[j]!;
      for (let k = 0; k < 1025; k++) {
        if (row[k] !== 0) kept++;
        expect(Math.abs(row[k]! - dense[r]![k]!)).toBeLessThan(1e-8);
      }
    }
    expect(kept).toBeLessThan(12 * 1025 * 0.6);
  });

  it('multiplies (SIMD, and by runs of columns) bit-identically to the plain CSR loop', () => {
    const simd = chromaFilterbank(16000, 2048, 12);
    expect(simd.simd).toBeTruthy(); // Node 20+ has WebAssembly SIMD
    const runs = { ...simd, simd: null };
    const rnd = lcg(7);
    const out = new Float64Array(12);
    for (let trial = 0; trial < 5; trial++) {
      // A power spectrum over 200 dB, with exact zeros (digital silence in a band).
      const x = Float64Array.from({ length: 1025 }, (_, k) => (k % 97 < 5 ? 0 : Math.exp(23 * rnd())));
      for (const bank of [simd, runs]) {
        applyCsr(bank, x, out, 0);
        for (let r = 0; r < 12; r++) {
          let acc = 0;
          for (let j = bank.rowPtr[r]!; j < bank.rowPtr[r + 1]!; j++)
            acc += bank.vals[j]! * x[bank.cols[j]!]!;
          expect(out[r]).toBe(acc);
        }
      }
    }
  });

  it('peaks at the pitch class of a pure tone (rows start at C)', () => {
    const dense = chromaFilterbankDense(16000, 2048, 12);
    // 440 Hz (A4) is bin 56.32; bin 56 is 437.5 Hz, nearest class A = row 9.
    const col = dense.map((row) => row[56]!);
    expect(col.indexOf(Math.max(...col))).toBe(9);
    // 261.6 Hz (C4) -> bin 33.5: class C = row 0.
    const c = dense.map((row) => row[33]!);
    expect(c.indexOf(Math.max(...c))).toBe(0);
  });
});

describe('spectral contrast bands', () => {
  it('lays out octave bands exactly as librosa does at 16 kHz / 2048', () => {
    const b = contrastBands(16000, 2048, 6, 200);
    // Bin k is k * 7.8125 Hz. Each band starts one bin below its lower edge (except the first),
    // drops its last bin (except the top band, which runs to Nyquist).
    expect(Array.from(b.start)).toEqual([0, 25, 51, 102, 204, 409, 819]);
    expect(Array.from(b.end)).toEqual([25, 51, 102, 204, 409, 819, 1025]);
    // q = max(1, round(0.02 * bins before the drop)).
    expect(Array.from(b.q)).toEqual([1, 1, 1, 2, 4, 8, 4]);
  });
});

describe('deltas (librosa.feature.delta, mode interp)', () => {
  // scipy.signal.savgol_filter(x, 9, polyorder=order, deriv=order, mode='interp') on this x.
  const x = [
    0.346, 0.822, 0.33, -1.303, 0.905, 0.446, -0.537, 0.581, 0.365, 0.294, 0.028, 0.547, -0.736, -0.163,
  ];
  const scipyD1 = [
    -0.0105333333, -0.0105333333, -0.0105333333, -0.0105333333, -0.0105333333, 0.0053166667, 0.0439666667,
    0.08945, -0.0903, -0.0573, -0.0573, -0.0573, -0.0573, -0.0573,
  ];
  const scipyD2 = [
    0.0602900433, 0.0602900433, 0.0602900433, 0.0602900433, 0.0602900433, 0.0578203463, -0.0301255411,
    -0.0633181818, -0.0138961039, -0.0488571429, -0.0488571429, -0.0488571429, -0.0488571429, -0.0488571429,
  ];

  it('matches scipy for order 1 and 2, edges included', () => {
    const src = Float32Array.from(x);
    for (const [order, want] of [
      [1, scipyD1],
      [2, scipyD2],
    ] as const) {
      const out = new Float32Array(x.length);
      deltaColumns(src, 1, 0, 1, x.length, order, 9, out, 0);
      expect(Array.from(out)).toEqual(want.map((v) => expect.closeTo(v, 6)));
    }
  });

  it('has the classic regression weights k / 60 inside', () => {
    const w = savgolWeights(9, 1, 1)[4]!;
    expect(Array.from(w)).toEqual([-4, -3, -2, -1, 0, 1, 2, 3, 4].map((k) => expect.closeTo(k / 60, 12)));
  });

  it('shrinks the window for clips shorter than 9 frames instead of failing', () => {
    const ramp = Float32Array.from({ length: 5 }, (_, i) => 2 * i);
    const out = new Float32Array(5);
    deltaColumns(ramp, 1, 0, 1, 5, 1, 9, out, 0);
    expect(Array.from(out)).toEqual([2, 2, 2, 2, 2].map((v) => expect.closeTo(v, 6)));
    const two = new Float32Array(2);
    deltaColumns(Float32Array.of(1, 3), 1, 0, 1, 2, 1, 9, two, 0);
    expect(Array.from(two)).toEqual([0, 0]);
  });
});

describe('power_to_db', () => {
  it('floors at amin and at 80 dB below the clip maximum', () => {
    const s = Float64Array.of(1, 0.1, 1e-9, 0, 100);
    powerToDb(s);
    expect(Array.from(s)).toEqual([0, -10, -60, -60, 20].map((v) => expect.closeTo(v, 9)));
  });
});

describe('zero-crossing rate', () => {
  it('counts librosa-style crossings of a sine: 2 f / sr per sample', () => {
    const sr = 16000;
    const f = 437.5; // an exact number of samples per half period (18.2857...) is not needed
    const y = Float32Array.from({ length: sr }, (_, i) => Math.sin((2 * Math.PI * f * (i + 0.25)) / sr));
    const frames = frameCount(y.length, 2048, 512);
    const out = new Float32Array(frames);
    zeroCrossingRate(y, 2048, 512, frames, out, 1, 0);
    const mid = out[Math.floor(frames / 2)]!;
    expect(mid).toBeCloseTo((2 * f) / sr, 2);
    // The first frame is half edge padding (a repeated constant): about half the rate.
    expect(out[0]!).toBeCloseTo(mid / 2, 2);
  });

  it('treats |x| <= 1e-10 as zero, and zero as positive', () => {
    // Frame length 2, hop 1: frame t holds samples t-1 and t, so it reports the crossing
    // between them (halved). -1e-11 is clipped to 0 and counts as positive, as is 0 itself.
    const y = Float32Array.of(1, -1e-11, 1, -1, 0, -1);
    const frames = frameCount(y.length, 2, 1);
    expect(frames).toBe(7);
    const out = new Float32Array(frames);
    zeroCrossingRate(y, 2, 1, frames, out, 1, 0);
    expect(Array.from(out)).toEqual([0, 0, 0, 0.5, 0.5, 0.5, 0]);
  });
});
