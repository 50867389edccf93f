/**
 * The seed's augmentations, deterministic for a seed: pitch shift (semitones), time stretch
 * (rate), additive white noise at a target SNR. Pitch shift is librosa's: stretch by
 * 2^(-n/12), then resample by the same factor back to the original length.
 */
import type { AugmentConfig, AugmentKind } from '../../shared/training.js';
import { resampleBy } from './resample.js';
import { normal, shuffle, uniform, type Rng } from '../util/rng.js';
import { timeStretch } from './stretch.js';
import { randomChannel, type ChannelDraw } from './channel.js';

export { timeStretch } from './stretch.js';
export { makeRng, deriveSeed, type Rng } from '../util/rng.js';

/**
 * Bumped whenever a change alters the copies made for the same config and seed (cached copies
 * are keyed by it). 2: kinds drawn so every kind is used (drawKinds), channel hard clipping.
 * 3: the channel's level change goes through a 16-bit converter.
 */
export const AUGMENT_VERSION = 3;

/** Shift pitch by `semitones` (may be fractional or negative), keeping the length. */
export function pitchShift(x: Float32Array, sr: number, semitones: number): Float32Array {
  if (!Number.isFinite(semitones)) throw new RangeError(`semitones must be finite (got ${semitones})`);
  if (semitones === 0 || x.length === 0) return x.slice();
  const rate = 2 ** (-semitones / 12);
  const shifted = resampleBy(timeStretch(x, sr, rate), rate);
  // librosa.util.fix_length: pad with zeros or crop to the input length.
  if (shifted.length === x.length) return shifted;
  const out = new Float32Array(x.length);
  out.set(shifted.subarray(0, x.length));
  return out;
}

/**
 * Add white Gaussian noise so that signal power / noise power is exactly `snrDb` (the realised
 * noise is scaled, not just its expected power). Silent input is returned unchanged.
 */
export function addNoise(x: Float32Array, snrDb: number, rng: Rng): Float32Array {
  if (!Number.isFinite(snrDb)) throw new RangeError(`SNR must be finite (got ${snrDb})`);
  const n = x.length;
  const noise = new Float64Array(n);
  let ps = 0;
  let pn = 0;
  for (let i = 0; i < n; i++) {
    const v = normal(rng);
    noise[i] = v;
    pn += v * v;
    ps += x[i]! * x[i]!;
  }
  const out = x.slice();
  if (ps === 0 || pn === 0) return out;
  const gain = Math.sqrt(ps / pn / 10 ** (snrDb / 10));
  for (let i = 0; i < n; i++) out[i]! += gain * noise[i]!;
  return out;
}

export interface AugmentedClip {
  samples: Float32Array;
  kind: AugmentKind;
  /**
   * The drawn parameter: semitones (pitch), rate (stretch), SNR in dB (noise), speed factor
   * (speed), seconds kept (crop) or the channel effect's own (channel; see randomChannel).
   */
  value: number;
  /** Which channel effect a 'channel' copy drew. */
  effect?: ChannelDraw['effect'];
}

/**
 * Which kind each of a clip's `copies` applies: the kinds in an order drawn from `rng`, one full
 * round before any repeats. Fewer copies than kinds then still use every kind across clips, each
 * equally often on average (taking copy i's kind as i mod kinds, two copies of pitch, stretch,
 * noise never drew noise).
 */
export function drawKinds<K>(kinds: readonly K[], copies: number, rng: Rng): K[] {
  const out: K[] = [];
  while (out.length < copies && kinds.length > 0) out.push(...shuffle([...kinds], rng));
  return out.slice(0, copies);
}

/**
 * The augmented copies of one clip (the original is not included). Each copy applies one kind
 * (drawKinds: every kind once per round, in a random order), with its parameter drawn uniformly
 * from the configured range. For order-independent results across workers, give each clip its
 * own generator: `makeRng(deriveSeed(runSeed, clipPath))`.
 */
export function augmentClip(x: Float32Array, sr: number, cfg: AugmentConfig, rng: Rng): AugmentedClip[] {
  const out: AugmentedClip[] = [];
  if (cfg.kinds.length === 0) return out;
  for (const kind of drawKinds(cfg.kinds, cfg.copiesPerClip, rng)) {
    if (kind === 'pitch') {
      const value = uniform(rng, -cfg.pitchSemitones, cfg.pitchSemitones);
      out.push({ kind, value, samples: pitchShift(x, sr, value) });
    } else if (kind === 'stretch') {
      const value = uniform(rng, cfg.stretchMin, cfg.stretchMax);
      out.push({ kind, value, samples: timeStretch(x, sr, value) });
    } else if (kind === 'noise') {
      const value = uniform(rng, cfg.noiseSnrMin, cfg.noiseSnrMax);
      out.push({ kind, value, samples: addNoise(x, value, rng) });
    } else if (kind === 'speed') {
      // Speed perturbation (Kaldi's 0.9-1.1): tempo and pitch together, by resampling.
      const value = uniform(rng, 0.9, 1.1);
      out.push({ kind, value, samples: resampleBy(x, 1 / value) });
    } else if (kind === 'crop') {
      const value = uniform(rng, CROP_SECONDS[0], CROP_SECONDS[1]);
      out.push({ kind, value, samples: randomCrop(x, Math.round(value * sr), rng) });
    } else {
      const { samples, draw } = randomChannel(x, sr, rng);
      out.push({ kind, value: draw.value, effect: draw.effect, samples });
    }
  }
  return out;
}

/** Random crops keep 1.5 to 2.5 s: short enough to teach short clips, long enough to hold a word. */
export const CROP_SECONDS = [1.5, 2.5] as const;

/** `n` consecutive samples from a random start (the whole clip when shorter). */
export function randomCrop(x: Float32Array, n: number, rng: Rng): Float32Array {
  if (x.length <= n) return x.slice();
  const start = Math.floor(rng() * (x.length - n + 1));
  return x.slice(start, start + n);
}
