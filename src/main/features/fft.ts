import { type FftStagesKernel, fftStagesKernel } from './fft-simd.js';

/**
 * Real-input FFT specialised for spectrograms: the N real samples are packed into N/2 complex
 * values, transformed with an iterative radix-2^2 FFT over split re/im arrays (precomputed
 * twiddles and bit-reversal, no allocation per call), then untangled into bins 0..N/2.
 * It returns what the features need (power, optionally magnitude), never the complex bins.
 * Measured against fft.js's radix-4 realTransform in docs/FEATURES.md.
 */
export class RealFft {
  readonly size: number;
  readonly bins: number;
  private readonly half: number;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly rev: Int32Array;
  /**
   * Twiddles of each radix-2^2 stage, for sub-FFT size L growing to 4L: W_4L^j and W_2L^j
   * (j < L) interleaved as [w4re, w4im, w2re, w2im], stage by stage.
   */
  private readonly tw: Float64Array;
  /** Whether log2(N/2) is odd, so one plain radix-2 stage runs first. */
  private readonly oddStage: boolean;
  /** exp(-2 pi i k / N) for the untangling step. */
  private readonly wRe: Float64Array;
  private readonly wIm: Float64Array;

  /** The SIMD kernel of the stages (fft-simd.ts), or null: the JavaScript loop runs them. */
  private readonly simd: FftStagesKernel | null;

  /** `useSimd` false forces the JavaScript stages (tests compare the two). */
  constructor(size: number, useSimd = true) {
    if (size < 8 || (size & (size - 1)) !== 0)
      throw new Error(`FFT size must be a power of two >= 8, got ${size}`);
    this.size = size;
    this.half = size >> 1;
    this.bins = this.half + 1;
    const m = this.half;
    const bits = Math.log2(m);
    this.rev = new Int32Array(m);
    for (let i = 0; i < m; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
    this.oddStage = bits % 2 === 1;
    const tw: number[] = [];
    for (let L = this.oddStage ? 2 : 1; L * 4 <= m; L *= 4) {
      for (let j = 0; j < L; j++) {
        const a4 = (-2 * Math.PI * j) / (4 * L);
        const a2 = (-2 * Math.PI * j) / (2 * L);
        tw.push(Math.cos(a4), Math.sin(a4), Math.cos(a2), Math.sin(a2));
      }
    }
    this.tw = Float64Array.from(tw);
    // The stages after the first (trivial or radix-2) one in WebAssembly SIMD where it runs;
    // its buffers are then re/im, so loading and untangling work on them unchanged.
    const trig = (L: number, j: number) => {
      const a4 = (-2 * Math.PI * j) / (4 * L);
      const a2 = (-2 * Math.PI * j) / (2 * L);
      return [Math.cos(a4), Math.sin(a4), Math.cos(a2), Math.sin(a2)] as const;
    };
    this.wRe = new Float64Array(m + 1);
    this.wIm = new Float64Array(m + 1);
    for (let k = 0; k <= m; k++) {
      const a = (-2 * Math.PI * k) / size;
      this.wRe[k] = Math.cos(a);
      this.wIm[k] = Math.sin(a);
    }
    this.simd = useSimd ? fftStagesKernel(m, this.oddStage ? 2 : 4, trig, this.wRe, this.wIm) : null;
    this.re = this.simd ? this.simd.re : new Float64Array(m);
    this.im = this.simd ? this.simd.im : new Float64Array(m);
  }

  /**
   * |X[k]|^2 for k = 0..N/2 of the real signal `x` (length N) into `power`, and |X[k]| into
   * `magnitude` when given.
   */
  power(x: Float64Array, power: Float64Array, magnitude?: Float64Array): void {
    const re = this.re;
    const im = this.im;
    const rev = this.rev;
    for (let i = 0; i < this.half; i++) {
      const j = rev[i]!;
      re[j] = x[2 * i]!;
      im[j] = x[2 * i + 1]!;
    }
    this.spectrum(power, magnitude);
  }

  /**
   * Load `window * y[start .. start + N)` (zero outside y) as the next input, straight into
   * the transform's bit-reversed buffers; returns the windowed frame's energy sum((w y)^2).
   */
  loadFrame(y: Float32Array, start: number, window: Float64Array): number {
    const re = this.re;
    const im = this.im;
    const rev = this.rev;
    const n = y.length;
    let energy = 0;
    if (start >= 0 && start + this.size <= n) {
      for (let i = 0, s = start; i < this.half; i++, s += 2) {
        const j = rev[i]!;
        const a = y[s]! * window[2 * i]!;
        const b = y[s + 1]! * window[2 * i + 1]!;
        re[j] = a;
        im[j] = b;
        energy += a * a + b * b;
      }
      return energy;
    }
    for (let i = 0; i < this.half; i++) {
      const j = rev[i]!;
      const s0 = start + 2 * i;
      const a = s0 >= 0 && s0 < n ? y[s0]! * window[2 * i]! : 0;
      const b = s0 + 1 >= 0 && s0 + 1 < n ? y[s0 + 1]! * window[2 * i + 1]! : 0;
      re[j] = a;
      im[j] = b;
      energy += a * a + b * b;
    }
    return energy;
  }

  /**
   * Re X[k] for k = 0..N/2 of the real signal `x` (length N), for inputs whose transform is
   * real: an even sequence such as a mirrored power spectrum, whose forward transform is N times
   * its inverse (the speech check's autocorrelation, audio/speech.ts).
   */
  realPart(x: Float64Array, out: Float64Array): void {
    const m = this.half;
    const re = this.re;
    const im = this.im;
    const rev = this.rev;
    for (let i = 0; i < m; i++) {
      const j = rev[i]!;
      re[j] = x[2 * i]!;
      im[j] = x[2 * i + 1]!;
    }
    this.butterflies();
    this.realUntangle(out);
  }

  /**
   * realPart of the even signal whose first half is `half` (length N/2 + 1, x[N - n] = x[n]),
   * e.g. a power spectrum: the same values as realPart of the mirrored array, without building it.
   */
  evenRealPart(half: Float64Array, out: Float64Array): void {
    const m = this.half;
    const n = this.size;
    const re = this.re;
    const im = this.im;
    const rev = this.rev;
    // x[2i], x[2i + 1] from the first half while 2i + 1 < m, then mirrored (x[m] = half[m]).
    for (let i = 0; i < m >> 1; i++) {
      const j = rev[i]!;
      re[j] = half[2 * i]!;
      im[j] = half[2 * i + 1]!;
    }
    for (let i = m >> 1; i < m; i++) {
      const j = rev[i]!;
      re[j] = half[n - 2 * i]!;
      im[j] = half[n - 2 * i - 1]!;
    }
    this.butterflies();
    this.realUntangle(out);
  }

  private realUntangle(out: Float64Array): void {
    const m = this.half;
    const re = this.re;
    const im = this.im;
    const wRe = this.wRe;
    const wIm = this.wIm;
    out[0] = re[0]! + im[0]!;
    out[m] = re[0]! - im[0]!;
    // Bins 1 .. m - 2 in SIMD where it runs (the same operations, two bins at a time).
    let k0 = 1;
    if (this.simd) {
      this.simd.realPart(out);
      k0 = m - 1;
    }
    for (let k = k0; k < m; k++) {
      const zr = re[k]!;
      const zi = im[k]!;
      const cr = re[m - k]!;
      const ci = -im[m - k]!;
      const or = 0.5 * (zr - cr);
      const oi = 0.5 * (zi - ci);
      // The real part of the untangling in spectrum() below.
      out[k] = 0.5 * (zr + cr) + (or * wIm[k]! + oi * wRe[k]!);
    }
  }

  /** Transform the loaded input; write power (and magnitude) of bins 0..N/2. */
  spectrum(power: Float64Array, magnitude?: Float64Array): void {
    this.butterflies();
    this.untangle(power, magnitude);
  }

  /** The complex FFT of the N/2 packed values, in place in re/im (loaded bit-reversed). */
  private butterflies(): void {
    const m = this.half;
    const re = this.re;
    const im = this.im;
    if (this.oddStage) {
      for (let i = 0; i < m; i += 2) {
        const ar = re[i]!,
          ai = im[i]!,
          br = re[i + 1]!,
          bi = im[i + 1]!;
        re[i] = ar + br;
        im[i] = ai + bi;
        re[i + 1] = ar - br;
        im[i + 1] = ai - bi;
      }
    }
    // Radix-2^2 stages: two radix-2 DIT stages (spans L and 2L) fused per group of four.
    const tw = this.tw;
    let tOff = 0;
    let L0 = this.oddStage ? 2 : 1;
    if (L0 === 1) {
      // Trivial twiddles (1, and -i for the second pair).
      for (let i = 0; i < m; i += 4) {
        const ar = re[i]!,
          ai = im[i]!,
          br = re[i + 1]!,
          bi = im[i + 1]!;
        const cr = re[i + 2]!,
          ci = im[i + 2]!,
          dr = re[i + 3]!,
          di = im[i + 3]!;
        const s0r = ar + br,
          s0i = ai + bi,
          d0r = ar - br,
          d0i = ai - bi;
        const s1r = cr + dr,
          s1i = ci + di,
          d1r = cr - dr,
          d1i = ci - di;
        re[i] = s0r + s1r;
        im[i] = s0i + s1i;
        re[i + 2] = s0r - s1r;
        im[i + 2] = s0i - s1i;
        re[i + 1] = d0r + d1i;
        im[i + 1] = d0i - d1r;
        re[i + 3] = d0r - d1i;
        im[i + 3] = d0i + d1r;
      }
      tOff = 4;
      L0 = 4;
    }
    if (this.simd) {
      this.simd.run();
      return;
    }
    for (let L = L0; L * 4 <= m; L *= 4) {
      const step = 4 * L;
      for (let g = 0; g < m; g += step) {
        for (let j = 0, t = tOff; j < L; j++, t += 4) {
          const w4r = tw[t]!,
            w4i = tw[t + 1]!,
            w2r = tw[t + 2]!,
            w2i = tw[t + 3]!;
          const i0 = g + j,
            i1 = i0 + L,
            i2 = i1 + L,
            i3 = i2 + L;
          const ar = re[i0]!,
            ai = im[i0]!;
          let br = re[i1]!,
            bi = im[i1]!;
          const cr = re[i2]!,
            ci = im[i2]!;
          let dr = re[i3]!,
            di = im[i3]!;
          // Stage span L: b and d times W_2L^j.
          let tr = br * w2r - bi * w2i;
          bi = br * w2i + bi * w2r;
          br = tr;
          tr = dr * w2r - di * w2i;
          di = dr * w2i + di * w2r;
          dr = tr;
          const a1r = ar + br,
            a1i = ai + bi,
            b1r = ar - br,
            b1i = ai - bi;
          const c1r = cr + dr,
            c1i = ci + di,
            d1r = cr - dr,
            d1i = ci - di;
          // Stage span 2L: c' times W_4L^j, d' times W_4L^(j+L) = -i W_4L^j.
          const c2r = c1r * w4r - c1i * w4i;
          const c2i = c1r * w4i + c1i * w4r;
          const e2r = d1r * w4r - d1i * w4i;
          const e2i = d1r * w4i + d1i * w4r;
          // (-i)(e) = (e.im, -e.re)
          re[i0] = a1r + c2r;
          im[i0] = a1i + c2i;
          re[i2] = a1r - c2r;
          im[i2] = a1i - c2i;
          re[i1] = b1r + e2i;
          im[i1] = b1i - e2r;
          re[i3] = b1r - e2i;
          im[i3] = b1i + e2r;
        }
      }
      tOff += 4 * L;
    }
  }

  private untangle(power: Float64Array, magnitude?: Float64Array): void {
    const m = this.half;
    const re = this.re;
    const im = this.im;
    // Untangle: X[k] = (Z[k] + conj Z[m-k]) / 2 - i W^k (Z[k] - conj Z[m-k]) / 2.
    const wRe = this.wRe;
    const wIm = this.wIm;
    const z0r = re[0]!;
    const z0i = im[0]!;
    const dc = z0r + z0i;
    const ny = z0r - z0i;
    power[0] = dc * dc;
    power[m] = ny * ny;
    if (magnitude) {
      magnitude[0] = Math.abs(dc);
      magnitude[m] = Math.abs(ny);
    }
    // Bins 1 .. m - 2 in SIMD where it runs (the same operations, two bins at a time).
    let k0 = 1;
    if (this.simd) {
      this.simd.untangle(power, magnitude);
      k0 = m - 1;
    }
    for (let k = k0; k < m; k++) {
      const zr = re[k]!;
      const zi = im[k]!;
      const cr = re[m - k]!;
      const ci = -im[m - k]!;
      const er = 0.5 * (zr + cr);
      const ei = 0.5 * (zi + ci);
      const or = 0.5 * (zr - cr);
      const oi = 0.5 * (zi - ci);
      // -i * W * o
      const wr = wRe[k]!;
      const wi = wIm[k]!;
      const pr = or * wr - oi * wi;
      const pi = or * wi + oi * wr;
      const xr = er + pi;
      const xi = ei - pr;
      const p = xr * xr + xi * xi;
      power[k] = p;
      if (magnitude) magnitude[k] = Math.sqrt(p);
    }
  }
}
