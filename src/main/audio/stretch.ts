/**
 * Time stretching with librosa's phase vocoder (librosa.effects.time_stretch): STFT with a
 * periodic Hann window, n_fft 2048, hop 512, zero-padded centred frames; magnitudes
 * interpolated between frames at the new rate; phases advanced by each bin's measured
 * instantaneous frequency; inverse STFT with window-power normalisation; length
 * round(n / rate). The same algorithm and defaults as the seed's augmentation, so augmented
 * clips sound and measure as they did there.
 */
import FFT from 'fft.js';

export const STRETCH_N_FFT = 2048;
export const STRETCH_HOP = 512;

interface Spectrogram {
  frames: number;
  bins: number;
  re: Float64Array;
  im: Float64Array;
}

const ffts = new Map<number, FFT>();
function fftOf(n: number): FFT {
  let f = ffts.get(n);
  if (!f) ffts.set(n, (f = new FFT(n)));
  return f;
}

function hann(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

function stft(x: Float32Array, nFft: number, hop: number, win: Float64Array): Spectrogram {
  const pad = nFft >> 1;
  const frames = 1 + Math.floor(x.length / hop);
  const bins = (nFft >> 1) + 1;
  const re = new Float64Array(frames * bins);
  const im = new Float64Array(frames * bins);
  const fft = fftOf(nFft);
  const frame = new Float64Array(nFft);
  const spec = new Float64Array(2 * nFft);
  for (let t = 0; t < frames; t++) {
    const start = t * hop - pad;
    for (let i = 0; i < nFft; i++) {
      const j = start + i;
      frame[i] = j >= 0 && j < x.length ? x[j]! * win[i]! : 0;
    }
    fft.realTransform(spec, frame);
    for (let k = 0; k < bins; k++) {
      re[t * bins + k] = spec[2 * k]!;
      im[t * bins + k] = spec[2 * k + 1]!;
    }
  }
  return { frames, bins, re, im };
}

function istft(s: Spectrogram, nFft: number, hop: number, win: Float64Array, length: number): Float32Array {
  const pad = nFft >> 1;
  // Frames beyond the requested length contribute nothing (librosa trims them the same way).
  const frames = Math.min(s.frames, Math.ceil((length + 2 * pad) / hop));
  const total = nFft + hop * (frames - 1);
  const y = new Float64Array(total);
  const norm = new Float64Array(total);
  const fft = fftOf(nFft);
  const spec = new Float64Array(2 * nFft);
  const out = new Float64Array(2 * nFft);
  const { bins } = s;
  for (let t = 0; t < frames; t++) {
    for (let k = 0; k < bins; k++) {
      spec[2 * k] = s.re[t * bins + k]!;
      spec[2 * k + 1] = s.im[t * bins + k]!;
    }
    // Hermitian completion: the inverse of a real signal's spectrum.
    for (let k = 1; k < nFft - bins + 1; k++) {
      spec[2 * (nFft - k)] = spec[2 * k]!;
      spec[2 * (nFft - k) + 1] = -spec[2 * k + 1]!;
    }
    fft.inverseTransform(out, spec);
    const o = t * hop;
    for (let i = 0; i < nFft; i++) {
      y[o + i]! += out[2 * i]! * win[i]!;
      norm[o + i]! += win[i]! * win[i]!;
    }
  }
  const result = new Float32Array(length);
  const tiny = 1.1754943508222875e-38; // np.finfo(float32).tiny, librosa's threshold
  for (let i = 0; i < length; i++) {
    const j = i + pad;
    if (j >= total) break;
    const w = norm[j]!;
    result[i] = w > tiny ? y[j]! / w : y[j]!;
  }
  return result;
}

/**
 * librosa's phase vocoder, optionally with identity phase locking (Laroche & Dolson 1999):
 * bins around each spectral peak keep their analysis phase offset to the peak, so the partials
 * of a voice stay coherent across overlapping frames instead of drifting apart ("phasiness").
 */
function phaseVocoder(s: Spectrogram, rate: number, hop: number, nFft: number, lock: boolean): Spectrogram {
  const { frames, bins } = s;
  const steps = Math.ceil(frames / rate - 1e-9);
  const re = new Float64Array(steps * bins);
  const im = new Float64Array(steps * bins);
  // Polar form of every analysis frame once, plus two empty frames past the end (as librosa pads).
  const amag = new Float64Array((frames + 2) * bins);
  const aph = new Float64Array((frames + 2) * bins);
  for (let j = 0; j < frames * bins; j++) {
    amag[j] = Math.sqrt(s.re[j]! * s.re[j]! + s.im[j]! * s.im[j]!);
    aph[j] = Math.atan2(s.im[j]!, s.re[j]!);
  }
  const phase = aph.slice(0, bins);
  const advance = new Float64Array(bins);
  for (let k = 0; k < bins; k++) advance[k] = (2 * Math.PI * hop * k) / nFft;
  const mag = new Float64Array(bins);
  const out = new Float64Array(bins);
  const owner = new Int32Array(bins);
  const TWO_PI = 2 * Math.PI;
  for (let t = 0; t < steps; t++) {
    const step = t * rate;
    const a = Math.floor(step) * bins;
    const b = a + bins;
    const alpha = step - Math.floor(step);
    for (let k = 0; k < bins; k++) mag[k] = (1 - alpha) * amag[a + k]! + alpha * amag[b + k]!;
    if (lock) {
      lockToPeaks(mag, owner);
      for (let k = 0; k < bins; k++) {
        const p = owner[k]!;
        out[k] = p === k ? phase[k]! : phase[p]! + aph[a + k]! - aph[a + p]!;
      }
    } else {
      out.set(phase);
    }
    const o = t * bins;
    for (let k = 0; k < bins; k++) {
      re[o + k] = mag[k]! * Math.cos(out[k]!);
      im[o + k] = mag[k]! * Math.sin(out[k]!);
      let d = aph[b + k]! - aph[a + k]! - advance[k]!;
      d -= TWO_PI * Math.round(d / TWO_PI);
      phase[k] = out[k]! + advance[k]! + d;
    }
  }
  return { frames: steps, bins, re, im };
}

/** owner[k] = the spectral peak whose region bin k belongs to (regions split halfway between peaks). */
function lockToPeaks(mag: Float64Array, owner: Int32Array): void {
  const n = mag.length;
  let prevPeak = -1;
  for (let k = 0; k < n; k++) {
    const m = mag[k]!;
    const isPeak =
      m > 0 &&
      (k < 1 || m > mag[k - 1]!) &&
      (k < 2 || m > mag[k - 2]!) &&
      (k + 1 >= n || m >= mag[k + 1]!) &&
      (k + 2 >= n || m >= mag[k + 2]!);
    if (!isPeak) continue;
    const from = prevPeak < 0 ? 0 : Math.floor((prevPeak + k) / 2) + 1;
    for (let j = from; j <= k; j++) owner[j] = k;
    prevPeak = k;
    for (let j = k + 1; j < n; j++) owner[j] = k; // provisional, until the next peak
  }
  if (prevPeak < 0) for (let k = 0; k < n; k++) owner[k] = k;
}

/**
 * Stretch time by `rate` without changing pitch: rate > 1 is faster / shorter, rate < 1 slower /
 * longer (librosa.effects.time_stretch). Output length round(n / rate).
 */
export function timeStretch(
  x: Float32Array,
  _sr: number,
  rate: number,
  opts: { phaseLock?: boolean } = {},
): Float32Array {
  if (!(rate > 0 && Number.isFinite(rate)))
    throw new RangeError(`stretch rate must be positive (got ${rate})`);
  const length = Math.round(x.length / rate);
  if (x.length === 0) return new Float32Array(0);
  if (rate === 1) return x.slice();
  const win = hann(STRETCH_N_FFT);
  const s = stft(x, STRETCH_N_FFT, STRETCH_HOP, win);
  const lock = opts.phaseLock ?? true;
  return istft(
    phaseVocoder(s, rate, STRETCH_HOP, STRETCH_N_FFT, lock),
    STRETCH_N_FFT,
    STRETCH_HOP,
    win,
    length,
  );
}
