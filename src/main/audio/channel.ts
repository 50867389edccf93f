/**
 * Channel effects: what a microphone, a phone line or a room does to a recording. Used to make
 * shifted test sets at test time (bench/robustness.ts) and as training augmentation (augment.ts,
 * kind 'channel'). Deterministic for a given generator.
 *
 * The filters are RBJ "Audio EQ Cookbook" biquads (a dozen lines; a filter library such as fili
 * would add a dependency for these two formulae); reverberation convolves with a synthetic room
 * response (exponentially decaying noise) through fft.js, already used by the time stretcher.
 */
import FFT from 'fft.js';
import { normal, uniform, type Rng } from '../util/rng.js';
import { resample } from './resample.js';

type BiquadKind = 'lowpass' | 'highpass' | 'peaking';

/** One RBJ biquad over `x` (direct form I, zero initial state), into a new array. */
export function biquad(
  x: Float32Array,
  sr: number,
  kind: BiquadKind,
  freq: number,
  q = Math.SQRT1_2,
  gainDb = 0,
): Float32Array {
  const w0 = (2 * Math.PI * Math.min(freq, 0.49 * sr)) / sr;
  const cos = Math.cos(w0);
  const alpha = Math.sin(w0) / (2 * q);
  const a = 10 ** (gainDb / 40);
  let b0: number, b1: number, b2: number, a0: number, a1: number, a2: number;
  if (kind === 'lowpass') {
    [b0, b1, b2] = [(1 - cos) / 2, 1 - cos, (1 - cos) / 2];
    [a0, a1, a2] = [1 + alpha, -2 * cos, 1 - alpha];
  } else if (kind === 'highpass') {
    [b0, b1, b2] = [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2];
    [a0, a1, a2] = [1 + alpha, -2 * cos, 1 - alpha];
  } else {
    [b0, b1, b2] = [1 + alpha * a, -2 * cos, 1 - alpha * a];
    [a0, a1, a2] = [1 + alpha / a, -2 * cos, 1 - alpha / a];
  }
  const out = new Float32Array(x.length);
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0; // prettier-ignore
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i]!;
    const y0 = (b0 * x0 + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2) / a0;
    out[i] = y0;
    x2 = x1;
    x1 = x0;
    y2 = y1;
    y1 = y0;
  }
  return out;
}

/** Band-limit to [lo, hi] Hz with two 2nd-order high-passes and two low-passes (24 dB/octave). */
export function bandLimit(x: Float32Array, sr: number, lo: number, hi: number): Float32Array {
  let y = x;
  if (lo > 0) y = biquad(biquad(y, sr, 'highpass', lo), sr, 'highpass', lo);
  if (hi < sr / 2) y = biquad(biquad(y, sr, 'lowpass', hi), sr, 'lowpass', hi);
  return y;
}

/** A telephone line: 300-3400 Hz at 8 kHz, returned at 8 kHz. */
export function telephone(x: Float32Array, sr: number): Float32Array {
  return bandLimit(resample(x, sr, 8000), 8000, 300, 3400);
}

/** Through another sample rate and back (what a recording made at `via` Hz loses). */
export function rateRoundTrip(x: Float32Array, sr: number, via: number): Float32Array {
  return via === sr ? x.slice() : fitLength(resample(resample(x, sr, via), via, sr), x.length);
}

/** Multiply by a gain in dB. */
export function gainDb(x: Float32Array, db: number): Float32Array {
  const g = 10 ** (db / 20);
  return Float32Array.from(x, (v) => v * g);
}

/** Hard clipping: amplify so the peak is `overDb` above full scale, then clamp to [-1, 1]. */
export function hardClip(x: Float32Array, overDb: number): Float32Array {
  let peak = 0;
  for (const v of x) peak = Math.max(peak, Math.abs(v));
  if (peak === 0) return x.slice();
  const g = 10 ** (overDb / 20) / peak;
  return Float32Array.from(x, (v) => Math.max(-1, Math.min(1, v * g)));
}

/**
 * A synthetic room response: a direct path, then Gaussian noise decaying by 60 dB over `rt60`
 * seconds (energy of the tail about that of the direct path for a mid-sized room).
 */
export function roomResponse(sr: number, rt60: number, rng: Rng): Float32Array {
  const n = Math.max(1, Math.round(rt60 * sr));
  const h = new Float32Array(n);
  const decay = Math.log(1000) / (rt60 * sr); // amplitude e^(-decay t): -60 dB at rt60
  let energy = 0;
  for (let i = 1; i < n; i++) {
    h[i] = normal(rng) * Math.exp(-decay * i);
    energy += h[i]! * h[i]!;
  }
  const tail = 1 / Math.sqrt(energy || 1);
  for (let i = 1; i < n; i++) h[i]! *= tail;
  h[0] = 1;
  return h;
}

/** Convolve with `h` through the FFT, keeping the input's length and RMS. */
export function convolve(x: Float32Array, h: Float32Array): Float32Array {
  let size = 2;
  while (size < x.length + h.length) size *= 2;
  const fft = new FFT(size);
  const spec = (v: Float32Array) => {
    const input = new Float64Array(size);
    input.set(v);
    const out = fft.createComplexArray();
    fft.realTransform(out, input);
    fft.completeSpectrum(out);
    return out;
  };
  const X = spec(x);
  const H = spec(h);
  const Y = fft.createComplexArray();
  for (let i = 0; i < size; i++) {
    const [xr, xi, hr, hi] = [X[2 * i]!, X[2 * i + 1]!, H[2 * i]!, H[2 * i + 1]!];
    Y[2 * i] = xr * hr - xi * hi;
    Y[2 * i + 1] = xr * hi + xi * hr;
  }
  const y = fft.createComplexArray();
  fft.inverseTransform(y, Y);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = y[2 * i]!;
  const g = rms(x) / (rms(out) || 1);
  for (let i = 0; i < out.length; i++) out[i]! *= g;
  return out;
}

export function reverb(x: Float32Array, sr: number, rt60: number, rng: Rng): Float32Array {
  return convolve(x, roomResponse(sr, rt60, rng));
}

export function rms(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / Math.max(1, x.length));
}

/** `seconds` from the middle of the clip (all of it when shorter). */
export function centreCut(x: Float32Array, sr: number, seconds: number): Float32Array {
  const n = Math.round(seconds * sr);
  if (x.length <= n) return x.slice();
  const start = Math.floor((x.length - n) / 2);
  return x.slice(start, start + n);
}

/** Mix `others` (summed, each looped or cut to x's length) under x at `snrDb`. */
export function mixAt(x: Float32Array, others: Float32Array[], snrDb: number): Float32Array {
  const noise = new Float32Array(x.length);
  for (const o of others) for (let i = 0; i < x.length && o.length; i++) noise[i]! += o[i % o.length]!;
  const pn = rms(noise);
  if (pn === 0) return x.slice();
  const g = rms(x) / pn / 10 ** (snrDb / 20);
  return Float32Array.from(x, (v, i) => v + g * noise[i]!);
}

function fitLength(x: Float32Array, n: number): Float32Array {
  if (x.length === n) return x;
  const out = new Float32Array(n);
  out.set(x.subarray(0, n));
  return out;
}

/** What a random channel did to a training copy (for logs and tests). */
export interface ChannelDraw {
  effect: 'telephone' | 'eq' | 'reverb' | 'gain' | 'clip' | 'rate';
  value: number;
}

/** The level change of a 'gain' training copy, in dB. */
export const GAIN_DB = [-30, 6] as const;

/** Through a 16-bit converter: clipped to full scale and rounded to 1/32768. */
export function quantise16(x: Float32Array): Float32Array {
  return Float32Array.from(x, (v) => Math.round(Math.max(-1, Math.min(1, v)) * 32767) / 32767);
}

/** How far hard clipping drives a training copy's peak over full scale, in dB. */
export const CLIP_OVER_DB = [3, 15] as const;

/**
 * One random channel, as training augmentation: a telephone band (back at `sr`), a random
 * band-limit with a peaking EQ, reverberation (RT60 0.2-0.8 s), a level change of -30..+6 dB through
 * a 16-bit converter (quantised, clipped at full scale), hard clipping (the peak driven 3-15 dB over full scale,
 * an overloaded input), or a round trip through 8/22.05/44.1 kHz; each equally likely.
 */
export function randomChannel(
  x: Float32Array,
  sr: number,
  rng: Rng,
): { samples: Float32Array; draw: ChannelDraw } {
  const pick = Math.floor(rng() * 6);
  if (pick === 0) {
    return {
      samples: fitLength(resample(telephone(x, sr), 8000, sr), x.length),
      draw: { effect: 'telephone', value: 8000 },
    };
  }
  if (pick === 1) {
    const lo = uniform(rng, 50, 400);
    const hi = uniform(rng, 3000, Math.min(7900, sr / 2 - 100));
    const f = uniform(rng, 300, 3000);
    const g = uniform(rng, -9, 9);
    return {
      samples: biquad(bandLimit(x, sr, lo, hi), sr, 'peaking', f, 1, g),
      draw: { effect: 'eq', value: g },
    };
  }
  if (pick === 2) {
    const rt60 = uniform(rng, 0.2, 0.8);
    return { samples: reverb(x, sr, rt60, rng), draw: { effect: 'reverb', value: rt60 } };
  }
  if (pick === 3) {
    // Recorded at another level through a 16-bit converter: loudness normalisation undoes the
    // gain itself, not the quantisation floor of a quiet take or the clipping of a loud one.
    const db = uniform(rng, GAIN_DB[0], GAIN_DB[1]);
    return { samples: quantise16(gainDb(x, db)), draw: { effect: 'gain', value: db } };
  }
  if (pick === 4) {
    const over = uniform(rng, CLIP_OVER_DB[0], CLIP_OVER_DB[1]);
    return { samples: hardClip(x, over), draw: { effect: 'clip', value: over } };
  }
  const via = [8000, 22050, 44100][Math.floor(rng() * 3)]!;
  return { samples: rateRoundTrip(x, sr, via), draw: { effect: 'rate', value: via } };
}
