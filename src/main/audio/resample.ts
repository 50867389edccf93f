/**
 * Band-limited resampling: a Kaiser-windowed sinc FIR applied in polyphase form, so only the
 * output samples are computed; integer decimation (48k -> 16k) folds the symmetric kernel.
 *
 * The stopband starts at the lower Nyquist frequency (nothing aliases) with 80 dB attenuation;
 * 32 zero crossings put the passband edge near 0.87 of Nyquist. Measured 48k -> 16k: flat
 * (-0.14 dB) to 7 kHz, -3 dB near 7.3 kHz, >= 80 dB rejection above 8 kHz, 5.5 ms for 4 s
 * of audio on one core (soxr_hq, librosa's default, stays flat to 0.913 of Nyquist, ~7.3 kHz,
 * with a much longer filter; the difference only touches the top mel bands).
 * libsamplerate-js measured here: SINC_FASTEST 13 ms with -0.5 dB at 6 kHz, SINC_MEDIUM 32 ms,
 * and it is async to set up; this one is synchronous and cheaper at comparable quality.
 *
 * Output sample m sits at input time m * from / to (zero delay, like soxr / librosa), and the
 * output has ceil(n * to / from) samples, as librosa.resample(fix=True) gives.
 */

import { decimateSimd } from './decimate-simd.js';

/** Zero crossings of the sinc on each side: filter length vs transition width. */
const ZERO_CROSSINGS = 32;
/** Stopband attenuation in dB (sets the Kaiser beta). */
const STOPBAND_DB = 80;
/** Beyond this many phases the fractional position is rounded to one of MAX_PHASES. */
const MAX_PHASES = 1024;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for x < 30). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 60; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

function kaiserBeta(a: number): number {
  if (a > 50) return 0.1102 * (a - 8.7);
  if (a >= 21) return 0.5842 * (a - 21) ** 0.4 + 0.07886 * (a - 21);
  return 0;
}

interface Plan {
  /** Up and down factors: output m reads input position m * down / up. */
  up: number;
  down: number;
  phases: number;
  taps: number;
  /** Index of the first tap relative to floor(position). */
  first: number;
  coefs: Float64Array;
  /**
   * For integer decimation (up = 1, e.g. 48k -> 16k) the one phase is symmetric around t = 0:
   * half[0] is the centre tap, half[j] weighs x[i - j] + x[i + j]. Folding halves the work.
   */
  half: Float64Array | null;
}

/** Plans kept, most recently used last; an odd rate costs up to ~15 MB, so the cache is small. */
const plans = new Map<string, Plan>();
const MAX_PLANS = 8;
/**
 * Largest filter a plan may hold (phases x taps, 8 bytes each: 32 MB). Rates within the decoder's
 * 4-384 kHz range stay under it; a 100 MHz header would need ~4 GB and is refused, not built.
 */
export const MAX_PLAN_COEFFICIENTS = 4 * 1024 * 1024;
/** Unroll factor of the dot products; taps are padded with zeros to a multiple of it. */
const UNROLL = 8;

function makePlan(from: number, to: number): Plan {
  const g = gcd(from, to);
  const up = to / g;
  const down = from / g;
  // Kernel in input-sample time: sc * sinc(sc * t), sc = 2 * cutoff / from.
  // Kaiser transition width (in units of the lower rate) ~ (A - 7.95) / (14.36 * 2Z) * c;
  // put the stopband edge at Nyquist: c * (1 + dw/2) = 1.
  const dw = (STOPBAND_DB - 7.95) / (14.36 * 2 * ZERO_CROSSINGS);
  const c = 1 / (1 + dw);
  const sc = Math.min(1, to / from) * c;
  const halfWidth = ZERO_CROSSINGS / sc;
  const beta = kaiserBeta(STOPBAND_DB);
  const i0b = besselI0(beta);
  const kernel = (t: number): number => {
    if (Math.abs(t) >= halfWidth) return 0;
    const r = t / halfWidth;
    const a = Math.PI * sc * t;
    return ((a === 0 ? 1 : Math.sin(a) / a) * besselI0(beta * Math.sqrt(1 - r * r))) / i0b;
  };
  const phases = Math.min(up, MAX_PHASES);
  const first = Math.floor(-halfWidth) + 1;
  const last = Math.ceil(halfWidth);
  const taps = Math.ceil((last - first + 1) / UNROLL) * UNROLL;
  if (phases * taps > MAX_PLAN_COEFFICIENTS) {
    throw new RangeError(`resampling ${from} -> ${to} Hz needs a ${phases} x ${taps} filter, over the limit`);
  }
  const coefs = new Float64Array(phases * taps);
  for (let p = 0; p < phases; p++) {
    const frac = p / phases;
    let sum = 0;
    for (let j = 0; j < taps; j++) sum += coefs[p * taps + j] = kernel(first + j - frac);
    // Unit DC gain for every phase, so no phase-dependent ripple.
    for (let j = 0; j < taps; j++) coefs[p * taps + j]! /= sum;
  }
  let half: Float64Array | null = null;
  if (up === 1) {
    const k = Math.ceil(halfWidth);
    half = new Float64Array(1 + Math.ceil(k / UNROLL) * UNROLL);
    let sum = 0;
    for (let j = 0; j <= k; j++) {
      half[j] = kernel(j);
      sum += j === 0 ? half[j]! : 2 * half[j]!;
    }
    for (let j = 0; j < half.length; j++) half[j]! /= sum;
  }
  return { up, down, phases, taps, first, coefs, half };
}

/** The folded kernel integer decimation from -> to uses (null for other ratios); for tests. */
export function decimationKernel(from: number, to: number): Float64Array | null {
  return planFor(from, to).half;
}

/** Number of cached plans (for tests of the bound). */
export function cachedPlans(): number {
  return plans.size;
}

function planFor(from: number, to: number): Plan {
  const key = `${from}:${to}`;
  let plan = plans.get(key);
  if (plan) plans.delete(key);
  else plan = makePlan(from, to);
  plans.set(key, plan);
  if (plans.size > MAX_PLANS) plans.delete(plans.keys().next().value!);
  return plan;
}

/**
 * Resample mono audio from `from` Hz to `to` Hz. Synchronous; filters are cached per rate pair.
 * Returns a copy when the rates are equal.
 */
export function resample(samples: Float32Array, from: number, to: number): Float32Array {
  if (!(from > 0 && to > 0) || !Number.isInteger(from) || !Number.isInteger(to)) {
    throw new RangeError(`sample rates must be positive integers (got ${from} -> ${to})`);
  }
  if (from === to) return samples.slice();
  const outLen = Math.ceil((samples.length * to) / from);
  const out = new Float32Array(outLen);
  if (samples.length === 0) return out;
  const plan = planFor(from, to);
  if (plan.half) decimate(samples, plan.down, plan.half, out);
  else polyphase(samples, plan, out);
  return out;
}

/**
 * Integer-factor decimation with the folded symmetric kernel. The outputs whose taps all fall
 * inside the clip go to the WebAssembly SIMD kernel (decimate-simd.ts, the same arithmetic);
 * the edges, and everything where WebAssembly SIMD is missing, to decimateScalar.
 */
function decimate(x: Float32Array, down: number, h: Float64Array, out: Float32Array): void {
  const k = h.length - 1;
  const first = Math.min(out.length, Math.ceil(k / down)); // c - k >= 0 from here
  const end = Math.max(first, Math.min(out.length, Math.floor((x.length - 1 - k) / down) + 1)); // c + k < n before
  if (end > first && decimateSimd(x, down, h, out, first, end)) {
    decimateScalar(x, down, h, out, 0, first);
    decimateScalar(x, down, h, out, end, out.length);
  } else decimateScalar(x, down, h, out, 0, out.length);
}

/** decimate's outputs [m0, m1) in JavaScript (exported for the test against the SIMD kernel). */
export function decimateScalar(
  x: Float32Array,
  down: number,
  h: Float64Array,
  out: Float32Array,
  m0: number,
  m1: number,
): void {
  const n = x.length;
  const k = h.length - 1; // h[1..k] is a multiple of UNROLL long
  const h0 = h[0]!;
  for (let m = m0; m < m1; m++) {
    const c = m * down;
    let acc = h0 * (x[c] ?? 0);
    if (c - k >= 0 && c + k < n) {
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let j = 1; j <= k; j += 4) {
        acc += (x[c - j]! + x[c + j]!) * h[j]!;
        a1 += (x[c - j - 1]! + x[c + j + 1]!) * h[j + 1]!;
        a2 += (x[c - j - 2]! + x[c + j + 2]!) * h[j + 2]!;
        a3 += (x[c - j - 3]! + x[c + j + 3]!) * h[j + 3]!;
      }
      acc += a1 + a2 + a3;
    } else {
      // Zeros beyond either end of the clip.
      for (let j = 1; j <= k; j++) acc += ((x[c - j] ?? 0) + (x[c + j] ?? 0)) * h[j]!;
    }
    out[m] = acc;
  }
}

/** General rational ratio: one dot product per output with the phase's coefficients. */
function polyphase(x: Float32Array, plan: Plan, out: Float32Array): void {
  const { up, down, phases, taps, first, coefs } = plan;
  const n = x.length;
  const exact = phases === up;
  for (let m = 0; m < out.length; m++) {
    // Integer arithmetic for the position keeps phases exact over long clips.
    const pos = m * down;
    let i0 = Math.floor(pos / up);
    const rem = pos - i0 * up;
    let p = exact ? rem : Math.round((rem * phases) / up);
    if (p === phases) {
      p = 0;
      i0++;
    }
    const base = p * taps;
    const start = i0 + first;
    let acc = 0;
    if (start >= 0 && start + taps <= n) {
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let a4 = 0;
      let a5 = 0;
      let a6 = 0;
      let a7 = 0;
      for (let j = 0; j < taps; j += 8) {
        const s = start + j;
        const b = base + j;
        acc += x[s]! * coefs[b]!;
        a1 += x[s + 1]! * coefs[b + 1]!;
        a2 += x[s + 2]! * coefs[b + 2]!;
        a3 += x[s + 3]! * coefs[b + 3]!;
        a4 += x[s + 4]! * coefs[b + 4]!;
        a5 += x[s + 5]! * coefs[b + 5]!;
        a6 += x[s + 6]! * coefs[b + 6]!;
        a7 += x[s + 7]! * coefs[b + 7]!;
      }
      acc += a1 + a2 + a3 + a4 + a5 + a6 + a7;
    } else {
      const j0 = Math.max(0, -start);
      const j1 = Math.min(taps, n - start);
      for (let j = j0; j < j1; j++) acc += x[start + j]! * coefs[base + j]!;
    }
    out[m] = acc;
  }
}

/** Points per zero crossing in the kernel table used for arbitrary ratios. */
const TABLE_DENSITY = 512;
let kernelTable: { k: Float64Array; c: number } | null = null;

/** The normalised kernel sinc(u) * kaiser(u / Z) sampled on u in [0, Z]; shared by all ratios. */
function table(): { k: Float64Array; c: number } {
  if (!kernelTable) {
    const dw = (STOPBAND_DB - 7.95) / (14.36 * 2 * ZERO_CROSSINGS);
    const beta = kaiserBeta(STOPBAND_DB);
    const i0b = besselI0(beta);
    const n = ZERO_CROSSINGS * TABLE_DENSITY + 2;
    const k = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const u = i / TABLE_DENSITY;
      const r = u / ZERO_CROSSINGS;
      k[i] =
        r >= 1
          ? 0
          : ((u === 0 ? 1 : Math.sin(Math.PI * u) / (Math.PI * u)) * besselI0(beta * Math.sqrt(1 - r * r))) /
            i0b;
    }
    kernelTable = { k, c: 1 / (1 + dw) };
  }
  return kernelTable;
}

/**
 * Resample by any real ratio (output rate / input rate), e.g. 2^(2/12) for pitch shifting,
 * where no integer rate pair exists. Same filter design as `resample`, with the kernel read
 * from a finely sampled table (linear interpolation) and each output normalised to unit DC gain.
 * Output length ceil(n * ratio), as librosa.resample gives.
 */
export function resampleBy(samples: Float32Array, ratio: number): Float32Array {
  if (!(ratio > 0 && Number.isFinite(ratio))) throw new RangeError(`ratio must be positive (got ${ratio})`);
  const n = samples.length;
  const out = new Float32Array(Math.ceil(n * ratio - 1e-9));
  if (n === 0) return out;
  const { k, c } = table();
  const sc = Math.min(1, ratio) * c;
  const half = ZERO_CROSSINGS / sc;
  const step = sc * TABLE_DENSITY; // table index per input sample of distance
  for (let m = 0; m < out.length; m++) {
    const t = m / ratio;
    const j0 = Math.max(0, Math.ceil(t - half));
    const j1 = Math.min(n - 1, Math.floor(t + half));
    let acc = 0;
    let wsum = 0;
    for (let j = j0; j <= j1; j++) {
      const u = Math.abs(j - t) * step;
      const i = u | 0;
      const f = u - i;
      const w = k[i]! + f * (k[i + 1]! - k[i]!);
      acc += w * samples[j]!;
      wsum += w;
    }
    // Dividing by the weights' sum keeps DC gain exactly 1, also where the clip edge cuts the kernel.
    out[m] = wsum > 0 ? acc / wsum : 0;
  }
  return out;
}
