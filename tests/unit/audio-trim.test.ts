/**
 * Silence trimming (src/main/audio/trim.ts, FeatureConfig.trimDb): the features describe the
 * utterance, not the pauses around it, so the same clip with more silence around it gives the same
 * features; configs without the field keep their features and cache keys.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig } from '../../src/shared/features.js';
import { trimRange, trimSilence } from '../../src/main/audio/trim.js';
import { decodeFile } from '../../src/main/audio/decode.js';
import { configKey, parseFeatureConfig } from '../../src/main/features/config.js';
import { extractFeatures } from '../../src/main/features/extract.js';
import { makeRng, normal } from '../../src/main/util/rng.js';
import { HAVE_RAVDESS, MISSING_DATA, ravdessClip } from '../helpers/shared-data.js';

const SR = 16000;
const HOP = 512;
const TRIMMED: FeatureConfig = { ...DEFAULT_FEATURE_CONFIG, levelDbfs: -23, trimDb: 40 };

/** `x` with `before` and `after` samples of faint noise (-80 dBFS) around it. */
function padded(x: Float32Array, before: number, after: number): Float32Array {
  const out = new Float32Array(before + x.length + after);
  const rng = makeRng(3);
  for (let i = 0; i < out.length; i++) out[i] = 1e-4 * normal(rng);
  out.set(x, before);
  return out;
}

describe('silence trimming', () => {
  it('keeps a tone burst and the frames that overlap it, and nothing else', () => {
    const tone = new Float32Array(SR);
    for (let i = 0; i < SR; i++) tone[i] = 0.3 * Math.sin((2 * Math.PI * 220 * i) / SR);
    const x = padded(tone, SR, 2 * SR);
    const [start, end] = trimRange(x, 40, 2048, HOP);
    // Centred 2048-sample frames reach 1024 samples either side of their centre: the first kept
    // frame is the first whose window touches the tone, to one hop.
    expect(start).toBeGreaterThanOrEqual(SR - 1024 - HOP);
    expect(start).toBeLessThanOrEqual(SR);
    expect(end).toBeGreaterThanOrEqual(2 * SR);
    expect(end).toBeLessThanOrEqual(2 * SR + 1024 + HOP);
    expect(start % HOP).toBe(0);
  });

  it('keeps digital silence whole (the speech check refuses it, not the trim)', () => {
    const silent = new Float32Array(SR);
    expect(trimRange(silent, 40, 2048, HOP)).toEqual([0, SR]);
    expect(trimSilence(silent, 40, 2048, HOP)).toBe(silent);
  });

  it.skipIf(!HAVE_RAVDESS)(
    `a RAVDESS clip with more silence around it gives the same features ${HAVE_RAVDESS ? '' : MISSING_DATA}`,
    async () => {
      const clip = (await decodeFile(ravdessClip(3, '03-01-05-02-01-01-03.wav'), { targetRate: SR })).samples;
      // Whole hops of extra silence shift the frame grid by whole frames, so the trimmed samples are
      // the same samples.
      const longer = padded(clip, 40 * HOP, 25 * HOP);
      const a = extractFeatures(clip, TRIMMED);
      const b = extractFeatures(longer, TRIMMED);
      expect(b.frames).toBe(a.frames);
      let d = 0;
      for (let i = 0; i < a.data.length; i++) d = Math.max(d, Math.abs(a.data[i]! - b.data[i]!));
      expect(d).toBeLessThan(1e-3);
      // Untrimmed, the extra silence adds frames (and moves the pooled statistics).
      const untrimmed = { ...TRIMMED, trimDb: null };
      expect(extractFeatures(longer, untrimmed).frames).toBe(extractFeatures(clip, untrimmed).frames + 65);
      // RAVDESS clips open with about a second of room noise: trimming removes most of it.
      expect(a.frames).toBeLessThan(extractFeatures(clip, untrimmed).frames * 0.8);
    },
  );

  it('configs without trimDb keep their cache keys; the field is validated', () => {
    const { trimDb: _, ...withoutField } = DEFAULT_FEATURE_CONFIG;
    expect(configKey(withoutField as FeatureConfig)).toBe(configKey(DEFAULT_FEATURE_CONFIG));
    expect(configKey(TRIMMED)).not.toBe(configKey({ ...TRIMMED, trimDb: null }));
    expect(parseFeatureConfig({ trimDb: 40 }).trimDb).toBe(40);
    expect(() => parseFeatureConfig({ trimDb: 2 })).toThrow(/trimDb/);
  });
});
