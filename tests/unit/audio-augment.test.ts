/** Augmentations measured on tones and checked for determinism and sanity on real speech. */
import { describe, expect, it } from 'vitest';
import {
  addNoise,
  augmentClip,
  deriveSeed,
  drawKinds,
  makeRng,
  pitchShift,
  timeStretch,
} from '../../src/main/audio/augment.js';
import { decodeFile } from '../../src/main/audio/decode.js';
import { normal, shuffle } from '../../src/main/util/rng.js';
import type { AugmentConfig } from '../../src/shared/training.js';
import { HAVE_RAVDESS, MISSING_DATA, ravdessClip } from '../helpers/shared-data.js';

const SR = 16000;

function tone(hz: number, seconds: number, amp = 0.5): Float32Array {
  return Float32Array.from(
    { length: Math.round(SR * seconds) },
    (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / SR),
  );
}

/** Frequency of the strongest component between lo and hi: DFT scan at 1 Hz, then 0.01 Hz. */
function peakHz(x: Float32Array, lo: number, hi: number): number {
  const at = (f: number) => {
    const w = (2 * Math.PI * f) / SR;
    let re = 0;
    let im = 0;
    for (let i = 0; i < x.length; i++) {
      re += x[i]! * Math.cos(w * i);
      im += x[i]! * Math.sin(w * i);
    }
    return re * re + im * im;
  };
  const scan = (from: number, to: number, step: number) => {
    let best = -1;
    let bestF = from;
    for (let f = from; f <= to; f += step) {
      const p = at(f);
      if (p > best) [best, bestF] = [p, f];
    }
    return bestF;
  };
  const coarse = scan(lo, hi, 1);
  return scan(coarse - 1, coarse + 1, 0.01);
}

function power(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return s / x.length;
}

/** The middle of a clip, away from the edges where frames see zero padding. */
const middle = (x: Float32Array) => x.subarray(Math.floor(x.length * 0.2), Math.floor(x.length * 0.8));

describe('augmentation by measurement', () => {
  it('a 220 Hz tone shifted +2 semitones measures 246.9 Hz within 1%, same length', () => {
    const y = pitchShift(tone(220, 2), SR, 2);
    expect(y.length).toBe(2 * SR);
    const f = peakHz(middle(y), 200, 300);
    expect(Math.abs(f / 246.94 - 1)).toBeLessThan(0.01);
    // Down a fifth as well: 220 * 2^(-7/12) = 146.8 Hz.
    expect(Math.abs(peakHz(middle(pitchShift(tone(220, 2), SR, -7)), 120, 180) / 146.83 - 1)).toBeLessThan(
      0.01,
    );
  });

  it('stretch at rate 0.8 lengthens by 1/0.8 within 2% and keeps the pitch within 1%', () => {
    const x = tone(220, 2);
    const y = timeStretch(x, SR, 0.8);
    expect(Math.abs(y.length / x.length / 1.25 - 1)).toBeLessThan(0.02);
    expect(Math.abs(peakHz(middle(y), 200, 240) / 220 - 1)).toBeLessThan(0.01);
    const z = timeStretch(x, SR, 1.25);
    expect(z.length).toBe(Math.round(x.length / 1.25));
    expect(Math.abs(peakHz(middle(z), 200, 240) / 220 - 1)).toBeLessThan(0.01);
    // The level stays within 1 dB (a phase vocoder smears a little energy into neighbour bins).
    expect(Math.abs(10 * Math.log10(power(middle(y)) / power(middle(x))))).toBeLessThan(1);
  });

  it('noise at 20 dB SNR measures 20 +- 0.5 dB', () => {
    for (const snr of [20, 5, 35]) {
      const x = tone(220, 1);
      const y = addNoise(x, snr, makeRng(snr));
      const noise = y.map((v, i) => v - x[i]!);
      expect(Math.abs(10 * Math.log10(power(x) / power(noise)) - snr)).toBeLessThan(0.5);
    }
    expect(addNoise(new Float32Array(100), 10, makeRng(1))).toEqual(new Float32Array(100));
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const cfg: AugmentConfig = {
      kinds: ['pitch', 'stretch', 'noise'],
      copiesPerClip: 4,
      pitchSemitones: 2,
      stretchMin: 0.8,
      stretchMax: 1.2,
      noiseSnrMin: 10,
      noiseSnrMax: 30,
    };
    const x = tone(300, 0.5);
    const a = augmentClip(x, SR, cfg, makeRng(42));
    const b = augmentClip(x, SR, cfg, makeRng(42));
    const c = augmentClip(x, SR, cfg, makeRng(43));
    // One round of every kind in a drawn order, then the next round begins.
    expect(new Set(a.slice(0, 3).map((v) => v.kind))).toEqual(new Set(['pitch', 'stretch', 'noise']));
    expect(a).toHaveLength(4);
    expect(a).toEqual(b);
    expect(a.map((v) => v.value)).not.toEqual(c.map((v) => v.value));
    const pitch = a.find((v) => v.kind === 'pitch')!;
    const stretch = a.find((v) => v.kind === 'stretch')!;
    expect(pitch.value).toBeGreaterThanOrEqual(-2);
    expect(pitch.value).toBeLessThanOrEqual(2);
    expect(stretch.value).toBeGreaterThanOrEqual(0.8);
    expect(stretch.value).toBeLessThanOrEqual(1.2);
    expect(stretch.samples.length).toBe(Math.round(x.length / stretch.value));
    expect(augmentClip(x, SR, { ...cfg, kinds: [] }, makeRng(1))).toEqual([]);
  });

  it('draws every kind: two copies of pitch, stretch, noise use noise as often as the others', () => {
    // Taking copy i's kind as i mod 3 never drew noise with two copies per clip.
    const counts = new Map<string, number>();
    const draw = (clip: number) =>
      drawKinds(['pitch', 'stretch', 'noise'], 2, makeRng(deriveSeed(42, 'clip', clip)));
    for (let clip = 0; clip < 600; clip++) {
      const kinds = draw(clip);
      expect(kinds).toHaveLength(2);
      expect(kinds[0]).not.toBe(kinds[1]); // no kind twice before every kind had a turn
      for (const k of kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    for (const k of ['pitch', 'stretch', 'noise']) {
      expect(counts.get(k)).toBeGreaterThan(330); // 400 expected of 1200
      expect(counts.get(k)).toBeLessThan(470);
    }
    expect(draw(7)).toEqual(draw(7)); // seeded: the same clip draws the same kinds
    // More copies than kinds: every kind once per round.
    const five = drawKinds(['speed', 'channel'], 5, makeRng(3));
    expect(five.filter((k) => k === 'speed').length).toBeGreaterThanOrEqual(2);
    expect(five.filter((k) => k === 'channel').length).toBeGreaterThanOrEqual(2);
    expect(drawKinds([], 3, makeRng(1))).toEqual([]);
  });
});

describe('seeded randomness', () => {
  it('makeRng repeats for a seed, is uniform, and deriveSeed separates streams', () => {
    const r1 = makeRng(7);
    const r2 = makeRng(7);
    const xs = Array.from({ length: 10000 }, () => r1());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => r2()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(xs.reduce((s, v) => s + v, 0) / xs.length - 0.5)).toBeLessThan(0.01);
    const g = makeRng(3);
    const ns = Array.from({ length: 20000 }, () => normal(g));
    const mean = ns.reduce((s, v) => s + v, 0) / ns.length;
    const varc = ns.reduce((s, v) => s + (v - mean) ** 2, 0) / ns.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(varc - 1)).toBeLessThan(0.05);
    expect(deriveSeed(1, 'a.wav')).toBe(deriveSeed(1, 'a.wav'));
    expect(
      new Set([
        deriveSeed(1, 'a.wav'),
        deriveSeed(2, 'a.wav'),
        deriveSeed(1, 'b.wav'),
        deriveSeed(1, 'ab', 'c'),
        deriveSeed(1, 'a', 'bc'),
      ]).size,
    ).toBe(5);
    expect(shuffle([1, 2, 3, 4, 5, 6], makeRng(9)).sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe.skipIf(!HAVE_RAVDESS)(
  `augmented RAVDESS speech stays sane ${HAVE_RAVDESS ? '' : MISSING_DATA}`,
  () => {
    it('no NaN, no clipping, lengths as configured, levels near the original', async () => {
      const { samples: x } = await decodeFile(ravdessClip(1, '03-01-05-02-01-01-01.wav'));
      const db = (y: Float32Array) => 10 * Math.log10(power(y) / power(x));
      const checks: [string, Float32Array, number][] = [
        ['pitch +2', pitchShift(x, SR, 2), x.length],
        ['pitch -2', pitchShift(x, SR, -2), x.length],
        ['stretch 0.8', timeStretch(x, SR, 0.8), Math.round(x.length / 0.8)],
        ['stretch 1.2', timeStretch(x, SR, 1.2), Math.round(x.length / 1.2)],
        ['noise 15 dB', addNoise(x, 15, makeRng(1)), x.length],
      ];
      for (const [name, y, len] of checks) {
        expect(y.length, name).toBe(len);
        let peak = 0;
        let bad = 0;
        for (const v of y) {
          if (!Number.isFinite(v)) bad++;
          else peak = Math.max(peak, Math.abs(v));
        }
        expect(bad, name).toBe(0);
        expect(peak, name).toBeLessThan(1);
        // Phase-vocoder output loses a little energy where overlapping frames disagree in phase.
        expect(Math.abs(db(y)), name).toBeLessThan(2);
      }
    });

    it('phase locking keeps speech level better than librosa’s plain phase vocoder', async () => {
      const { samples: x } = await decodeFile(ravdessClip(10, '03-01-02-01-01-01-10.wav'));
      const db = (y: Float32Array) => 10 * Math.log10(power(y) / power(x));
      for (const rate of [0.8, 1.25]) {
        const locked = db(timeStretch(x, SR, rate));
        const plain = db(timeStretch(x, SR, rate, { phaseLock: false }));
        // Measured: locked -0.7 / -1.2 dB, plain -2.7 / -4.3 dB.
        expect(locked).toBeGreaterThan(plain + 1.5);
        expect(locked).toBeGreaterThan(-1.6);
      }
    });
  },
);
