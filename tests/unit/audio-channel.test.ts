/**
 * Channel effects used for robustness tests and augmentation, measured on tones and noise: the
 * telephone band passes 1 kHz and attenuates 100 Hz and 3.9 kHz; a synthetic room decays 60 dB over
 * its RT60; clipping and level do what they say; babble lands at the asked SNR.
 */
import { describe, expect, it } from 'vitest';
import {
  CLIP_OVER_DB,
  GAIN_DB,
  bandLimit,
  centreCut,
  gainDb,
  hardClip,
  mixAt,
  randomChannel,
  rms,
  roomResponse,
  telephone,
} from '../../src/main/audio/channel.js';
import { augmentClip } from '../../src/main/audio/augment.js';
import { DEFAULT_AUGMENT_CONFIG } from '../../src/shared/training.js';
import { makeRng } from '../../src/main/util/rng.js';

const SR = 16000;
const tone = (f: number, seconds = 1, sr = SR) =>
  Float32Array.from(
    { length: Math.round(seconds * sr) },
    (_, i) => 0.5 * Math.sin((2 * Math.PI * f * i) / sr),
  );
const db = (a: number, b: number) => 20 * Math.log10(a / b);
/** RMS after the first 0.1 s (filter settling). */
const steady = (x: Float32Array, sr: number) => rms(x.subarray(Math.round(0.1 * sr)));

describe('channel effects', () => {
  it('telephone: 8 kHz output, 1 kHz within 1 dB, 100 Hz 30 dB down, 3.9 kHz 8 dB down (24 dB/octave)', () => {
    const pass = telephone(tone(1000), SR);
    expect(pass.length).toBe(8000);
    expect(Math.abs(db(steady(pass, 8000), steady(tone(1000, 1, 8000), 8000)))).toBeLessThan(1);
    expect(db(steady(telephone(tone(100), SR), 8000), steady(tone(100, 1, 8000), 8000))).toBeLessThan(-30);
    expect(db(steady(bandLimit(tone(3900), SR, 300, 3400), SR), steady(tone(3900), SR))).toBeLessThan(-8);
  });

  it('a synthetic room decays by 60 dB over its RT60', () => {
    const h = roomResponse(SR, 0.6, makeRng(1));
    expect(h.length).toBe(9600);
    const early = rms(h.subarray(1, 800));
    const late = rms(h.subarray(8800, 9600));
    // 0.05 s windows 0.5 s apart: about 50 dB of the 60 dB decay.
    expect(db(late, early)).toBeLessThan(-40);
    expect(db(late, early)).toBeGreaterThan(-60);
  });

  it('level, clipping, cuts and babble', () => {
    const x = tone(440);
    expect(db(rms(gainDb(x, -25)), rms(x))).toBeCloseTo(-25, 3);
    const c = hardClip(x, 12);
    expect(Math.max(...c)).toBe(1);
    expect(c.filter((v) => Math.abs(v) === 1).length / c.length).toBeGreaterThan(0.5);
    expect(centreCut(x, SR, 0.25).length).toBe(4000);
    const noise = Float32Array.from({ length: 4000 }, (_, i) => Math.sin(i * 0.37) * 0.1);
    const mixed = mixAt(x, [noise], 10);
    const added = Float32Array.from(mixed, (v, i) => v - x[i]!);
    expect(db(rms(x), rms(added))).toBeCloseTo(10, 3);
  });

  it('the random channel includes hard clipping (3-15 dB over full scale) and a 16-bit take at another level', () => {
    const x = tone(300, 0.5);
    const seen = new Map<string, number>();
    for (let s = 0; s < 120; s++) {
      const { samples, draw } = randomChannel(x, SR, makeRng(s));
      seen.set(draw.effect, (seen.get(draw.effect) ?? 0) + 1);
      if (draw.effect === 'gain') {
        // A take at another level through a 16-bit converter: quantised and within full scale.
        expect(draw.value).toBeGreaterThanOrEqual(GAIN_DB[0]);
        expect(draw.value).toBeLessThanOrEqual(GAIN_DB[1]);
        expect(
          samples.every((v) => Math.abs(v * 32767 - Math.round(v * 32767)) < 1e-3 && Math.abs(v) <= 1),
        ).toBe(true);
      }
      if (draw.effect === 'clip') {
        expect(draw.value).toBeGreaterThanOrEqual(CLIP_OVER_DB[0]);
        expect(draw.value).toBeLessThanOrEqual(CLIP_OVER_DB[1]);
        expect(Math.max(...samples)).toBe(1);
        expect(samples.filter((v) => Math.abs(v) === 1).length / samples.length).toBeGreaterThan(0.2);
      }
    }
    expect([...seen.keys()].sort()).toEqual(['clip', 'eq', 'gain', 'rate', 'reverb', 'telephone']);
  });

  it('augmentation kinds speed, crop and channel make deterministic, finite copies', () => {
    const x = tone(300, 3);
    const cfg = {
      ...DEFAULT_AUGMENT_CONFIG,
      kinds: ['speed' as const, 'crop' as const, 'channel' as const],
      copiesPerClip: 3,
    };
    const a = augmentClip(x, SR, cfg, makeRng(7));
    const b = augmentClip(x, SR, cfg, makeRng(7));
    expect(a.map((c) => c.kind).sort()).toEqual(['channel', 'crop', 'speed']);
    expect(a.map((c) => c.samples.length)).toEqual(b.map((c) => c.samples.length));
    const speed = a.find((c) => c.kind === 'speed')!;
    expect(speed.samples.length / x.length).toBeCloseTo(1 / speed.value, 2);
    const crop = a.find((c) => c.kind === 'crop')!;
    expect(crop.samples.length).toBe(Math.round(crop.value * SR));
    expect(crop.value).toBeGreaterThanOrEqual(1.5);
    for (const c of a) expect(c.samples.every(Number.isFinite)).toBe(true);
  });
});
