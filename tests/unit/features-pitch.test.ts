/**
 * The `pitch` feature (src/main/features/pitch.ts) against signals of known F0: a harmonic glide
 * of one octave, espeak-ng speech at a low and a high pitch setting, and what every phonetics
 * textbook says of real speech, checked on RAVDESS: men speak lower than women, and the same
 * actor's angry sentences are higher than the calm ones. Tolerances are wide enough for any
 * machine (no timing; only values).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig, type FeatureMatrix } from '../../src/shared/features.js';
import { decodeFile } from '../../src/main/audio/decode.js';
import { configHash } from '../../src/main/features/config.js';
import { extractFeatures } from '../../src/main/features/extract.js';
import { fillUnvoiced, voicedMedian, VOICED_STRENGTH } from '../../src/main/features/pitch.js';
import { HAVE_RAVDESS, MISSING_DATA, ravdessClip } from '../helpers/shared-data.js';

const cfg: FeatureConfig = { ...DEFAULT_FEATURE_CONFIG, features: ['pitch'] };

/** Each frame's [semitones re 100 Hz, voicing strength, slope]. */
function rows(m: FeatureMatrix): { st: number; v: number; slope: number }[] {
  const col = m.columns.indexOf('pitch[0]');
  return Array.from({ length: m.frames }, (_, t) => ({
    st: m.data[t * m.width + col]!,
    v: m.data[t * m.width + col + 1]!,
    slope: m.data[t * m.width + col + 2]!,
  }));
}

const hz = (st: number) => 100 * 2 ** (st / 12);

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s[s.length >> 1]!;
}

/** Median F0 in Hz of the voiced frames of a clip. */
function voicedMedianHz(m: FeatureMatrix): number {
  return hz(median(rows(m).flatMap((r) => (r.v >= VOICED_STRENGTH ? [r.st] : []))));
}

/** A tone with 12 harmonics (amplitude 1/k, like a glottal source) whose F0 follows f0(t). */
function harmonicTone(seconds: number, rate: number, f0: (t: number) => number): Float32Array {
  const y = new Float32Array(Math.round(seconds * rate));
  let phase = 0;
  for (let i = 0; i < y.length; i++) {
    const f = f0(i / rate);
    let v = 0;
    for (let k = 1; k <= 12 && k * f < rate / 2; k++) v += Math.sin(k * phase) / k;
    y[i] = 0.2 * v;
    phase += (2 * Math.PI * f) / rate;
  }
  return y;
}

describe('pitch feature: synthetic signals', () => {
  it('follows a one-octave glide 120 -> 240 Hz within a third of a semitone', () => {
    for (const rate of [16000, 22050]) {
      const glide = (t: number) => 120 * 2 ** (t / 2);
      const y = harmonicTone(2, rate, glide);
      const m = extractFeatures(y, { ...cfg, sampleRate: rate });
      expect(m.columns).toEqual(['pitch[0]', 'pitch[1]', 'pitch[2]']);
      const r = rows(m);
      // Frames whose analysis segment lies inside the tone.
      const inner = r.slice(3, -3);
      for (const [i, f] of inner.entries()) {
        const t = ((i + 3) * cfg.hopLength) / rate;
        const want = 12 * Math.log2(glide(t) / 100);
        expect(Math.abs(f.st - want), `frame ${i + 3} at ${rate} Hz`).toBeLessThan(0.35);
        expect(f.v).toBeGreaterThan(0.9);
      }
      // One octave in 2 s: 12 semitones over the frames, the same slope everywhere.
      const perFrame = (12 * cfg.hopLength) / rate / 2;
      for (const f of inner.slice(1, -1)) expect(Math.abs(f.slope - perFrame)).toBeLessThan(0.1);
    }
  });

  it('finds steady low and high voices at the ends of its range', () => {
    for (const f0 of [65, 110, 220, 440]) {
      const m = extractFeatures(
        harmonicTone(1, 16000, () => f0),
        cfg,
      );
      expect(Math.abs(12 * Math.log2(voicedMedianHz(m) / f0)), `${f0} Hz`).toBeLessThan(0.2);
    }
  });

  it('fills silence from the voiced neighbours and marks it unvoiced', () => {
    const rate = 16000;
    const tone = harmonicTone(0.5, rate, () => 150);
    const y = new Float32Array(rate * 2);
    y.set(tone, rate * 0.5); // silence 0-0.5 s, 150 Hz 0.5-1 s, silence 1-2 s
    const r = rows(extractFeatures(y, cfg));
    const want = 12 * Math.log2(150 / 100);
    for (const f of r) expect(Math.abs(f.st - want)).toBeLessThan(0.2);
    expect(r[0]!.v).toBe(0);
    expect(r.at(-1)!.v).toBe(0);
    expect(r[0]!.slope).toBe(0);
    const voiced = r.filter((f) => f.v >= VOICED_STRENGTH).length;
    expect(voiced).toBeGreaterThan(10);
    expect(voiced).toBeLessThan(20);
  });

  it('calls noise and silence unvoiced, with a constant contour', () => {
    let seed = 1;
    const noise = new Float32Array(16000).map(() => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed / 2 ** 31 - 0.5) * 0.3;
    });
    const rn = rows(extractFeatures(noise, cfg));
    expect(rn.filter((f) => f.v >= VOICED_STRENGTH).length).toBeLessThanOrEqual(2);
    const rs = rows(extractFeatures(new Float32Array(16000), cfg));
    for (const f of rs) expect(f).toEqual({ st: 0, v: 0, slope: 0 });
  });

  it('keeps the frames of the other features and its own cache key', () => {
    const y = harmonicTone(1, 16000, () => 200);
    const both = extractFeatures(y, { ...cfg, features: ['mfcc', 'pitch'] });
    const alone = extractFeatures(y, { ...cfg, features: ['mfcc'] });
    expect(both.frames).toBe(alone.frames);
    expect(both.width).toBe(alone.width + 3);
    for (let t = 0; t < both.frames; t++) {
      expect(both.data[t * both.width]).toBe(alone.data[t * alone.width]);
    }
    expect(configHash(both.config)).not.toBe(configHash(alone.config));
  });
});

describe('pitch feature: contour helpers', () => {
  it('interpolates unvoiced gaps, holds the edges, and is 0 with nothing voiced', () => {
    const v = Float64Array.from([9, 1, 9, 9, 4, 9]);
    fillUnvoiced(v, Uint8Array.from([0, 1, 0, 0, 1, 0]));
    expect([...v]).toEqual([1, 1, 2, 3, 4, 4]);
    const none = Float64Array.from([5, 6]);
    fillUnvoiced(none, Uint8Array.from([0, 0]));
    expect([...none]).toEqual([0, 0]);
  });

  it('removes an isolated octave jump and ignores unvoiced frames', () => {
    const v = Float64Array.from([5, 5, 17, 5, 5, -40]);
    const out = voicedMedian(v, Uint8Array.from([1, 1, 1, 1, 1, 0]), 2);
    expect([...out]).toEqual([5, 5, 5, 5, 5, -40]);
  });
});

const HAVE_ESPEAK = spawnSync('espeak-ng', ['--version']).status === 0;

describe.skipIf(!HAVE_ESPEAK)(
  `pitch feature: espeak-ng speech${HAVE_ESPEAK ? '' : ' (skipped: espeak-ng not installed)'}`,
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'ser-pitch-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('hears the -p 80 voice several semitones above the -p 20 voice', async () => {
      const medians: number[] = [];
      for (const p of ['20', '80']) {
        const wav = join(dir, `p${p}.wav`);
        const text = 'The kids are talking by the door, and the dogs are sitting by the door.';
        expect(spawnSync('espeak-ng', ['-w', wav, '-p', p, text]).status).toBe(0);
        const audio = await decodeFile(wav, { targetRate: 16000 });
        medians.push(voicedMedianHz(extractFeatures(audio.samples, cfg)));
      }
      const [low, high] = medians as [number, number];
      // Measured 75 and 135 Hz with espeak-ng 1.51 (YIN in numpy agrees).
      expect(low).toBeGreaterThan(55);
      expect(high).toBeLessThan(220);
      expect(12 * Math.log2(high / low)).toBeGreaterThan(5);
    });
  },
);

describe.skipIf(!HAVE_RAVDESS)(`pitch feature: RAVDESS voices ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  /** Median voiced F0 over an actor's clips of one emotion and intensity (both statements, both takes). */
  async function actorMedian(actor: number, emotion: string, intensity: string): Promise<number> {
    const st: number[] = [];
    for (const statement of ['01', '02']) {
      for (const take of ['01', '02']) {
        const name = `03-01-${emotion}-${intensity}-${statement}-${take}-${String(actor).padStart(2, '0')}.wav`;
        const audio = await decodeFile(ravdessClip(actor, name), { targetRate: 16000 });
        st.push(12 * Math.log2(voicedMedianHz(extractFeatures(audio.samples, cfg)) / 100));
      }
    }
    return hz(median(st));
  }

  it('men lower than women; angry higher than calm for every actor', async () => {
    // Measured over all 60 clips per actor: men 103-169 Hz, women 220-296 Hz; calm 93-229 Hz,
    // strong anger 169-393 Hz, above calm for all 20 actors.
    for (const actor of [1, 2, 3, 4, 9, 10]) {
      const calm = await actorMedian(actor, '02', '01');
      const angry = await actorMedian(actor, '05', '02');
      const male = actor % 2 === 1;
      if (male) expect(calm, `actor ${actor} (male), calm`).toBeLessThan(160);
      else expect(calm, `actor ${actor} (female), calm`).toBeGreaterThan(170);
      expect(calm, `actor ${actor}, calm`).toBeGreaterThan(75);
      expect(angry, `actor ${actor}, angry`).toBeLessThan(450);
      expect(12 * Math.log2(angry / calm), `actor ${actor}: angry vs calm`).toBeGreaterThan(2);
    }
  });
});
