/**
 * The `pitch` feature: F0 and voicing per STFT frame, so pooled statistics can measure prosody
 * (pitch level, range and movement in semitones, and how much of the clip is voiced).
 *
 * Rows, one value each per frame (frames centred at t * hopLength, as every other feature):
 * - `pitch[0]`: F0 in semitones relative to 100 Hz (12 log2(F0 / 100)). Unvoiced frames are
 *   filled by linear interpolation between the voiced neighbours (the nearest voiced frame at
 *   the edges; 0 when no frame is voiced), so the pooled statistics describe the voiced contour
 *   rather than a mix of pitches and placeholder values.
 * - `pitch[1]`: voicing strength, the normalised cross-correlation at the chosen period (0..1);
 *   0 for frames more than 40 dB below the clip's loudest.
 * - `pitch[2]`: local F0 slope in semitones per frame (central difference), 0 unless the frame
 *   and both neighbours are voiced, so it never measures the interpolation.
 *
 * The tracker is RAPT's normalised cross-correlation (NCCF): for a window a = x[s, s + W) and each
 * lag tau, sum(a_j x_{j+tau}) / sqrt(|a|^2 |x[s+tau, s+tau+W)|^2). Unlike a windowed
 * autocorrelation it does not fade with the lag, so a 40 ms window suffices for 60 Hz. The
 * correlations of all lags come from one complex FFT (the window and the longer segment packed as
 * real and imaginary parts) and one inverse of 1024 points at 16 kHz, only for frames within
 * 40 dB of the clip's loudest: about 4 ms per 3.5 s RAVDESS clip. YIN in the time domain (what
 * pitchfinder offers) costs W x lags = 150k multiply-adds a frame, about 3x that, so we wrote it.
 * The period is the shortest prominent lag whose peak is nearly as high as the best (a period's
 * multiples correlate as well as the period), refined by parabolic interpolation; a median over
 * 5 frames of the voiced contour then removes the remaining isolated octave jumps.
 */
import FFT from 'fft.js';

/** Search range of F0 in Hz: low male speech to high, aroused female speech. */
export const PITCH_FMIN = 60;
export const PITCH_FMAX = 500;
/** The 0-semitone reference. */
export const PITCH_REF_HZ = 100;
/** Correlation window in seconds (40 ms: 2.4 periods at 60 Hz). */
const WINDOW_SECONDS = 0.04;
/** Voicing strength a frame needs to count as voiced (voiced speech: ~0.7-0.99). */
export const VOICED_STRENGTH = 0.6;
/** How far a peak must rise above the lowest correlation at shorter lags. */
const PROMINENCE = 0.3;
/** Frames more than this far below the clip's loudest are silence, never voiced (-40 dB). */
const SILENCE_RATIO = 1e-4;
/** A shorter lag wins when its peak reaches this share of the best peak (octave-down guard). */
const OCTAVE_SHARE = 0.85;
/** Half-width of the median over voiced frames (2: five frames, 160 ms at hop 512 / 16 kHz). */
const MEDIAN_HALF = 2;

/**
 * Per-sample-rate state (FFT tables and scratch) of the tracker; one lives in each feature plan
 * that wants pitch, so a clip allocates only its few per-frame arrays.
 */
export class PitchTracker {
  readonly sampleRate: number;
  private readonly w: number;
  private readonly minLag: number;
  private readonly maxLag: number;
  /** Segment analysed per frame: the window plus the longest lag. */
  private readonly seg: number;
  private readonly n: number;
  private readonly fft: FFT;
  private readonly packed: Float64Array;
  private readonly spec: Float64Array;
  private readonly cross: Float64Array;
  private readonly corr: Float64Array;
  private readonly x: Float64Array;
  private readonly squares: Float64Array;
  private readonly nccf: Float64Array;
  /** dip[lag]: the lowest correlation at lags 0..lag. */
  private readonly dip: Float64Array;
  /** Period in samples (fractional) of the last frame, 0 when no peak; and its NCCF value. */
  private period = 0;
  private best = 0;

  constructor(sampleRate: number) {
    this.sampleRate = sampleRate;
    this.w = Math.round(WINDOW_SECONDS * sampleRate);
    this.minLag = Math.max(2, Math.floor(sampleRate / PITCH_FMAX));
    this.maxLag = Math.ceil(sampleRate / PITCH_FMIN);
    this.seg = this.w + this.maxLag + 1;
    let n = 2;
    while (n < this.seg) n <<= 1;
    this.n = n;
    this.fft = new FFT(n);
    this.packed = new Float64Array(2 * n);
    this.spec = new Float64Array(2 * n);
    this.cross = new Float64Array(2 * n);
    this.corr = new Float64Array(2 * n);
    this.x = new Float64Array(this.seg);
    this.squares = new Float64Array(this.seg + 1);
    this.nccf = new Float64Array(this.maxLag + 2);
    this.dip = new Float64Array(this.maxLag + 1);
  }

  /**
   * The pitch rows of every frame into out[t * stride + col + row]. `frames` centred frames,
   * frame t centred at sample t * hop (zeros outside the signal).
   */
  track(y: Float32Array, hop: number, frames: number, out: Float32Array, stride: number, col: number): void {
    const semis = new Float64Array(frames);
    const strength = new Float64Array(frames);
    const energy = new Float64Array(frames);
    // Energies first, so silent frames (a third of a typical clip) skip the correlation.
    let maxEnergy = 0;
    for (let t = 0; t < frames; t++) {
      energy[t] = this.segmentEnergy(y, t * hop - (this.seg >> 1));
      if (energy[t]! > maxEnergy) maxEnergy = energy[t]!;
    }
    const gate = maxEnergy * SILENCE_RATIO;
    const voiced = new Uint8Array(frames);
    for (let t = 0; t < frames; t++) {
      if (!(energy[t]! > gate)) continue;
      this.frame(y, t * hop - (this.seg >> 1));
      strength[t] = this.best;
      semis[t] = this.period > 0 ? 12 * Math.log2(this.sampleRate / this.period / PITCH_REF_HZ) : 0;
      voiced[t] = this.best >= VOICED_STRENGTH ? 1 : 0;
    }
    const contour = voicedMedian(semis, voiced, MEDIAN_HALF);
    fillUnvoiced(contour, voiced);
    for (let t = 0; t < frames; t++) {
      const o = t * stride + col;
      out[o] = contour[t]!;
      out[o + 1] = strength[t]!;
      out[o + 2] =
        t > 0 && t < frames - 1 && voiced[t - 1]! && voiced[t]! && voiced[t + 1]!
          ? 0.5 * (contour[t + 1]! - contour[t - 1]!)
          : 0;
    }
  }

  /** Mean square of the segment starting at `start` (zeros outside y). */
  private segmentEnergy(y: Float32Array, start: number): number {
    const from = Math.max(0, start);
    const to = Math.min(y.length, start + this.seg);
    let e = 0;
    for (let i = from; i < to; i++) e += y[i]! * y[i]!;
    return e / this.seg;
  }

  /** Analyse the segment starting at `start`; sets period and best. */
  private frame(y: Float32Array, start: number): void {
    const { x, squares, packed, spec, cross, corr, nccf, w, n, seg, minLag, maxLag } = this;
    const len = y.length;
    let mean = 0;
    for (let j = 0; j < seg; j++) {
      const i = start + j;
      const v = i >= 0 && i < len ? y[i]! : 0;
      x[j] = v;
      mean += v;
    }
    // Remove the segment's DC, which would otherwise correlate at every lag.
    mean /= seg;
    squares[0] = 0;
    for (let j = 0; j < seg; j++) {
      const v = x[j]! - mean;
      x[j] = v;
      squares[j + 1] = squares[j]! + v * v;
    }
    this.period = 0;
    this.best = 0;
    const ea = squares[w]!;
    if (!(ea > 0)) return;

    // Window a (first W samples) as the real part, the whole segment b as the imaginary part.
    packed.fill(0);
    for (let j = 0; j < seg; j++) packed[2 * j + 1] = x[j]!;
    for (let j = 0; j < w; j++) packed[2 * j] = x[j]!;
    this.fft.transform(spec, packed);
    // With Z = A + iB: A[k] = (Z[k] + conj Z[-k]) / 2, B[k] = (Z[k] - conj Z[-k]) / 2i.
    // The cross-correlation c[tau] = sum a_j b_{j+tau} is IFFT(conj(A) B); seg <= n keeps the
    // lags 0..maxLag free of wrap-around.
    for (let k = 0; k < n; k++) {
      const m = (n - k) & (n - 1);
      const zr = spec[2 * k]!;
      const zi = spec[2 * k + 1]!;
      const cr = spec[2 * m]!;
      const ci = -spec[2 * m + 1]!;
      const ar = 0.5 * (zr + cr);
      const ai = 0.5 * (zi + ci);
      // (z - c) / 2i = ((zi - ci) - i (zr - cr)) / 2
      const br = 0.5 * (zi - ci);
      const bi = -0.5 * (zr - cr);
      // conj(A) * B
      cross[2 * k] = ar * br + ai * bi;
      cross[2 * k + 1] = ar * bi - ai * br;
    }
    this.fft.inverseTransform(corr, cross);
    for (let lag = 1; lag <= maxLag + 1; lag++) {
      const eb = squares[lag + w]! - squares[lag]!;
      const d = Math.sqrt(ea * eb);
      nccf[lag] = d > 0 ? corr[2 * lag]! / d : 0;
    }
    // Only prominent peaks count: a period shows as a rise after a dip, while low-passed noise
    // or a hum's upper partials correlate most at the shortest lags and fall from there.
    const dip = this.dip;
    dip[0] = 1;
    for (let lag = 1; lag <= maxLag; lag++) dip[lag] = Math.min(dip[lag - 1]!, nccf[lag]!);
    const isPeak = (lag: number, v: number) =>
      v >= nccf[lag - 1]! && v >= nccf[lag + 1]! && v - dip[lag]! >= PROMINENCE;
    let best = 0;
    for (let lag = minLag; lag <= maxLag; lag++) {
      const v = nccf[lag]!;
      if (v > best && isPeak(lag, v)) best = v;
    }
    if (best <= 0) return;
    for (let lag = minLag; lag <= maxLag; lag++) {
      const v = nccf[lag]!;
      if (v >= OCTAVE_SHARE * best && isPeak(lag, v)) {
        // Parabola through the peak and its neighbours.
        const l = nccf[lag - 1]!;
        const r = nccf[lag + 1]!;
        const den = l - 2 * v + r;
        const shift = den < 0 ? (0.5 * (l - r)) / den : 0;
        this.period = lag + shift;
        this.best = Math.min(1, Math.max(0, v - 0.25 * (l - r) * shift));
        break;
      }
    }
  }
}

/** Median of the voiced values within +-half frames of each voiced frame (unvoiced: as given). */
export function voicedMedian(values: Float64Array, voiced: Uint8Array, half: number): Float64Array {
  const out = Float64Array.from(values);
  const win: number[] = [];
  for (let t = 0; t < values.length; t++) {
    if (!voiced[t]) continue;
    win.length = 0;
    for (let u = Math.max(0, t - half); u <= Math.min(values.length - 1, t + half); u++) {
      if (voiced[u]) win.push(values[u]!);
    }
    win.sort((a, b) => a - b);
    const m = win.length >> 1;
    out[t] = win.length % 2 === 1 ? win[m]! : 0.5 * (win[m - 1]! + win[m]!);
  }
  return out;
}

/**
 * Replace unvoiced values by linear interpolation between the voiced neighbours, the nearest
 * voiced value at the edges, and 0 everywhere when nothing is voiced.
 */
export function fillUnvoiced(values: Float64Array, voiced: Uint8Array): void {
  let prev = -1;
  for (let t = 0; t <= values.length; t++) {
    if (t < values.length && !voiced[t]) continue;
    // Frames prev+1 .. t-1 are unvoiced; prev and t (when in range) are voiced.
    if (prev < 0 && t === values.length) {
      values.fill(0);
      return;
    }
    for (let u = prev + 1; u < t; u++) {
      if (prev < 0) values[u] = values[t]!;
      else if (t === values.length) values[u] = values[prev]!;
      else values[u] = values[prev]! + ((values[t]! - values[prev]!) * (u - prev)) / (t - prev);
    }
    prev = t;
  }
}
