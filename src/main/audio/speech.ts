/**
 * Is there speech in this clip at all? Run before any prediction (infer, the classify API) and
 * on every training clip, so silence, a hum, a test tone or a click never gets an emotion.
 *
 * Deliberately cheap and conservative (it must pass every real RAVDESS clip, tests/integration/speech-check
 * checks all 1200): the clip is high-passed of its DC, downsampled to 8 kHz and cut into 32 ms
 * frames; a frame counts as voiced when it is loud relative to the clip (within 40 dB of its
 * loudest frame and above -60 dBFS), periodic at a pitch between 60 and 400 Hz (normalised
 * autocorrelation), and not a single steady sinusoid (most of its energy in one spectral peak).
 * A clip needs MIN_VOICED_SECONDS of such frames. Reasons are one line naming the file.
 */
import { SerError } from '../../shared/errors.js';
import { RealFft } from '../features/fft.js';
import { resample } from './resample.js';

/**
 * Bumped whenever the check changes what it lets through. The feature cache folds it into its
 * keys (features/cache.ts): an entry is only written for a clip that passed, so entries written
 * before the check existed, or under an older check, miss and the clip is checked again.
 */
export const SPEECH_CHECK_VERSION = 1;

/** Voiced audio a clip needs to count as speech (RAVDESS's shortest sentence has ~0.9 s). */
export const MIN_VOICED_SECONDS = 0.5;
/** Peak (after removing DC) below which a clip is silent: -70 dBFS, about 10 LSB of 16-bit dither. */
export const SILENCE_PEAK = 10 ** (-70 / 20);

const RATE = 8000;
const FRAME = 256; // 32 ms
const HOP = 128; // 16 ms
const MIN_LAG = Math.floor(RATE / 400);
const MAX_LAG = Math.ceil(RATE / 60);
/** Normalised autocorrelation a frame needs to count as periodic (voiced speech: ~0.6-0.95). */
const PERIODICITY = 0.5;
/** How far that peak must rise above the lowest correlation at shorter lags. */
const PROMINENCE = 0.3;
/** Share of a frame's energy within +-2 bins of its strongest bin above which it is a pure tone. */
const TONE_SHARE = 0.9;
/** Share of voiced frames at one pitch above which the clip is a steady buzz, not speech. */
const STEADY_SHARE = 0.9;

export interface SpeechStats {
  seconds: number;
  voicedSeconds: number;
  /** Frames loud enough to matter. */
  activeFrames: number;
  /** Of the loud, periodic frames: how many were one steady sinusoid. */
  toneFrames: number;
  /** Median frequency of the tone frames, Hz (0 when none). */
  toneHz: number;
  /** Share of voiced frames at the most common pitch (+-1 lag): speech moves, a buzzer does not. */
  steadyShare: number;
}

export interface SpeechVerdict {
  ok: boolean;
  /** Why not, one line without the file name (set when ok is false). */
  reason?: string;
  stats: SpeechStats;
}

function db(x: number): string {
  return x > 0 ? `${(20 * Math.log10(x)).toFixed(1)} dBFS` : 'digital silence';
}

/** Analyse mono samples at `rate` Hz; never throws. */
export function speechVerdict(samples: Float32Array, rate: number): SpeechVerdict {
  const seconds = samples.length / rate;
  const stats: SpeechStats = {
    seconds,
    voicedSeconds: 0,
    activeFrames: 0,
    toneFrames: 0,
    toneHz: 0,
    steadyShare: 0,
  };
  const no = (reason: string): SpeechVerdict => ({ ok: false, reason, stats });
  let sum = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]!;
    if (!Number.isFinite(v)) return no(`no speech: the audio holds non-finite samples (${v})`);
    sum += v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (seconds < MIN_VOICED_SECONDS) {
    return no(
      `no speech: the clip is ${seconds.toFixed(3)} s long, under the ${MIN_VOICED_SECONDS} s needed`,
    );
  }
  const mean = sum / samples.length;
  // max |x - mean| without a second pass: rounding is monotonic, so the largest rounded
  // difference is the rounded difference of the extremes (the same number as the per-sample max).
  const peak = Math.max(0, hi - mean, mean - lo);
  if (!(peak >= SILENCE_PEAK)) {
    return Math.abs(mean) >= SILENCE_PEAK
      ? no(`no speech: a constant level (DC ${mean.toFixed(3)}), no signal`)
      : no(
          peak > 0
            ? `no speech: silence (peak ${db(peak)})`
            : 'no speech: digital silence (every sample is zero)',
        );
  }
  const centred = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) centred[i] = samples[i]! - mean;
  const x = rate === RATE ? centred : resample(centred, rate, RATE);

  const frames = Math.max(0, Math.floor((x.length - FRAME) / HOP) + 1);
  const energy = new Float64Array(frames);
  let maxE = 0;
  for (let f = 0; f < frames; f++) {
    let e = 0;
    for (let i = f * HOP, end = i + FRAME; i < end; i++) e += x[i]! * x[i]!;
    energy[f] = e / FRAME;
    if (energy[f]! > maxE) maxE = energy[f]!;
  }
  const floor = Math.max(maxE * 1e-4, 1e-8); // 40 dB under the loudest frame, and -80 dBFS
  const { fft, acf, win, windowed, power } = scratch();
  const toneHz: number[] = [];
  const lags: number[] = [];
  let voiced = 0;
  for (let f = 0; f < frames; f++) {
    if (energy[f]! < floor) continue;
    stats.activeFrames++;
    const at = f * HOP;
    if (acf.periodicity(x, at) < PERIODICITY) continue;
    for (let i = 0; i < FRAME; i++) windowed[i] = x[at + i]! * win[i]!;
    fft.power(windowed, power);
    let total = 0;
    let best = 0;
    let bestBin = 0;
    for (let k = 0; k <= FRAME / 2; k++) {
      const p = power[k]!;
      total += p;
      if (p > best) {
        best = p;
        bestBin = k;
      }
    }
    let near = 0;
    for (let k = Math.max(0, bestBin - 2); k <= Math.min(FRAME / 2, bestBin + 2); k++) near += power[k]!;
    if (total > 0 && bestBin >= 2 && near / total > TONE_SHARE) {
      stats.toneFrames++;
      toneHz.push((bestBin * RATE) / FRAME);
      continue;
    }
    voiced++;
    lags.push(acf.lag);
  }
  stats.voicedSeconds = (voiced * HOP) / RATE;
  if (toneHz.length) stats.toneHz = toneHz.sort((a, b) => a - b)[toneHz.length >> 1]!;
  const steady = steadyPitch(lags);
  stats.steadyShare = steady.share;
  if (stats.voicedSeconds >= MIN_VOICED_SECONDS && steady.share <= STEADY_SHARE) return { ok: true, stats };
  if (steady.share > STEADY_SHARE && stats.voicedSeconds >= MIN_VOICED_SECONDS) {
    return no(`no speech: a steady buzz or tone (pitch fixed at about ${Math.round(RATE / steady.lag)} Hz)`);
  }
  if (stats.toneFrames > voiced && stats.toneFrames * HOP >= 0.25 * RATE) {
    return no(`no speech: a steady tone (about ${Math.round(stats.toneHz)} Hz)`);
  }
  return no(
    `no speech: ${stats.voicedSeconds.toFixed(2)} s of voiced audio, under the ${MIN_VOICED_SECONDS} s needed (peak ${db(peak)})`,
  );
}

/** The most common pitch lag (+-1) and the share of voiced frames at it. */
function steadyPitch(lags: number[]): { lag: number; share: number } {
  if (lags.length === 0) return { lag: 0, share: 0 };
  const counts = new Map<number, number>();
  for (const l of lags) counts.set(l, (counts.get(l) ?? 0) + 1);
  let lag = 0;
  let best = 0;
  for (const l of counts.keys()) {
    const c = (counts.get(l - 1) ?? 0) + (counts.get(l) ?? 0) + (counts.get(l + 1) ?? 0);
    if (c > best) {
      best = c;
      lag = l;
    }
  }
  return { lag, share: best / lags.length };
}

/**
 * Per-process scratch of the check (transforms, window, buffers): built on the first clip and
 * reused, since a clip's check is a few milliseconds and setting these up was a visible part.
 * speechVerdict runs synchronously start to finish, so one set per thread is never shared.
 */
let kept: {
  fft: RealFft;
  acf: Autocorrelation;
  win: Float64Array;
  windowed: Float64Array;
  power: Float64Array;
} | null = null;
function scratch(): NonNullable<typeof kept> {
  if (kept) return kept;
  const win = new Float64Array(FRAME);
  for (let i = 0; i < FRAME; i++) win[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / FRAME);
  kept = {
    fft: new RealFft(FRAME),
    acf: new Autocorrelation(),
    win,
    windowed: new Float64Array(FRAME),
    power: new Float64Array(FRAME / 2 + 1),
  };
  return kept;
}

/**
 * Highest normalised autocorrelation of a frame over pitch lags 60-400 Hz. The autocorrelation
 * of the frame zero-padded to 2 * FRAME is the inverse transform of its power spectrum; that
 * spectrum is real and even, so its inverse is its forward real transform over 2 * FRAME (read
 * straight from the half spectrum): two real FFTs (features/fft.ts, SIMD where it runs), where
 * fft.js's real transform, spectrum completion and complex inverse took ~2.5x as long a frame.
 */
class Autocorrelation {
  private readonly fft = new RealFft(2 * FRAME);
  /** The frame, then FRAME zeros (never written). */
  private readonly input = new Float64Array(2 * FRAME);
  private readonly power = new Float64Array(FRAME + 1);
  private readonly back = new Float64Array(FRAME + 1);
  private readonly squares = new Float64Array(FRAME + 1);
  private readonly values = new Float64Array(MAX_LAG + 2);
  private readonly dip = new Float64Array(MAX_LAG + 1);
  private readonly peaks = new Int32Array(MAX_LAG + 1);

  /** The best lag of the last call. */
  lag = 0;

  periodicity(x: Float32Array, at: number): number {
    const { input, power, back, squares } = this;
    for (let i = 0; i < FRAME; i++) {
      const v = x[at + i]!;
      input[i] = v;
      squares[i + 1] = squares[i]! + v * v;
    }
    this.fft.power(input, power);
    this.fft.evenRealPart(power, back);
    const total = squares[FRAME]!;
    const value = this.values;
    for (let lag = 1; lag <= MAX_LAG + 1; lag++) {
      // Energy of the overlapping parts: x[0, FRAME - lag) and x[lag, FRAME).
      const d = Math.sqrt(squares[FRAME - lag]! * (total - squares[lag]!));
      // back holds 2 * FRAME times the autocorrelation (a power of two: the division is exact).
      value[lag] = d > 0 ? back[lag]! / (2 * FRAME) / d : 0;
    }
    // Only prominent peaks count: a period shows as a rise after a dip, while low-passed noise
    // correlates most at the shortest lag and falls from there, with small wiggles.
    const dip = this.dip;
    dip[0] = 1;
    for (let lag = 1; lag <= MAX_LAG; lag++) dip[lag] = Math.min(dip[lag - 1]!, value[lag]!);
    // Peaks are found once (a few a frame) and kept, for the best and then the pitch.
    const peaks = this.peaks;
    let count = 0;
    let best = 0;
    for (let lag = MIN_LAG; lag <= MAX_LAG; lag++) {
      const v = value[lag]!;
      if (v >= value[lag - 1]! && v >= value[lag + 1]! && v - dip[lag]! >= PROMINENCE) {
        peaks[count++] = lag;
        if (v > best) best = v;
      }
    }
    // The pitch is the shortest peak nearly as good as the best (multiples of the period score
    // the same), so a steady sound reports one lag, not a period and its octaves in turn.
    for (let i = 0; i < count; i++) {
      if (value[peaks[i]!]! >= 0.9 * best) {
        this.lag = peaks[i]!;
        break;
      }
    }
    return best;
  }
}

/** Throw NoSpeech naming the file unless the clip holds speech. */
export function assertSpeech(samples: Float32Array, rate: number, name: string, path = name): SpeechStats {
  const v = speechVerdict(samples, rate);
  if (!v.ok) throw new SerError('NoSpeech', `${v.reason}: ${name}`, path);
  return v.stats;
}
