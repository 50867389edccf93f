/**
 * Loudness normalisation (src/main/audio/level.ts, FeatureConfig.levelDbfs): a clip and the same
 * clip 25 dB quieter give the same features when the config asks for it; configs and model
 * folders without the field (every model saved before it) keep their features and cache keys.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig } from '../../src/shared/features.js';
import { activeRms, normaliseLevel } from '../../src/main/audio/level.js';
import { gainDb } from '../../src/main/audio/channel.js';
import { decodeFile } from '../../src/main/audio/decode.js';
import { configHash, configKey, parseFeatureConfig } from '../../src/main/features/config.js';
import { extractFeatures } from '../../src/main/features/extract.js';
import { parseModelMeta } from '../../src/main/model/folder.js';
import { makeRng, normal } from '../../src/main/util/rng.js';
import { HAVE_RAVDESS, MISSING_DATA, REPO_ROOT, ravdessClip } from '../helpers/shared-data.js';

const SR = 16000;
const LEVELLED: FeatureConfig = { ...DEFAULT_FEATURE_CONFIG, levelDbfs: -23 };
const dbfs = (x: number) => 20 * Math.log10(x);

/**
 * Half a second of silence, a 1 s voiced-like burst (harmonics of 150 Hz over a little noise, so
 * spectral valleys are not float rounding), silence again.
 */
function burst(): Float32Array {
  const x = new Float32Array(2 * SR);
  const rng = makeRng(5);
  for (let i = SR / 2; i < 1.5 * SR; i++) {
    let v = 0;
    for (let h = 1; h <= 10; h++) v += Math.sin((2 * Math.PI * 150 * h * i) / SR) / h;
    x[i] = 0.1 * v + 1e-3 * normal(rng);
  }
  return x;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

describe('loudness normalisation', () => {
  it('measures the active part only and moves exactly with gain', () => {
    const x = burst();
    const speech = x.subarray(SR / 2, 1.5 * SR);
    const whole = Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
    const active = activeRms(x, SR);
    // The silence around the burst does not count (the whole clip's RMS is 3 dB lower).
    expect(dbfs(active)).toBeCloseTo(
      dbfs(Math.sqrt(speech.reduce((s, v) => s + v * v, 0) / speech.length)),
      1,
    );
    expect(dbfs(active) - dbfs(whole)).toBeGreaterThan(2.5);
    expect(dbfs(activeRms(gainDb(x, -25), SR)) - dbfs(active)).toBeCloseTo(-25, 4);
    expect(dbfs(activeRms(normaliseLevel(gainDb(x, -25), SR, -23), SR))).toBeCloseTo(-23, 4);
    expect(normaliseLevel(new Float32Array(800), SR, -23)).toEqual(new Float32Array(800));
  });

  it('a clip at -25 dB and at 0 dB give the same features with levelDbfs, different without', () => {
    const x = burst();
    const quiet = gainDb(x, -25);
    const a = extractFeatures(x, LEVELLED);
    const b = extractFeatures(quiet, LEVELLED);
    expect(a.columns).toEqual(b.columns);
    expect(maxAbsDiff(a.data, b.data)).toBeLessThan(1e-2);
    // librosa's behaviour (no levelDbfs): the log-mel and MFCC move with the level.
    const c = extractFeatures(x, DEFAULT_FEATURE_CONFIG);
    const d = extractFeatures(quiet, DEFAULT_FEATURE_CONFIG);
    expect(maxAbsDiff(c.data, d.data)).toBeGreaterThan(20);
  });

  it.skipIf(!HAVE_RAVDESS)(
    `a RAVDESS clip at -25 dB gives its own features ${HAVE_RAVDESS ? '' : MISSING_DATA}`,
    async () => {
      const { samples } = await decodeFile(ravdessClip(1, '03-01-05-01-01-01-01.wav'), { targetRate: SR });
      const a = extractFeatures(samples, LEVELLED);
      const b = extractFeatures(gainDb(samples, -25), LEVELLED);
      // dB-scaled features (log-mel, MFCC, contrast) agree to float rounding.
      expect(maxAbsDiff(a.data, b.data)).toBeLessThan(1e-2);
    },
  );

  it('configs and model folders without levelDbfs keep their features and cache keys', () => {
    // A model folder saved before the field existed: the bundled model's meta.json without it.
    const saved = JSON.parse(
      readFileSync(resolve(REPO_ROOT, 'resources/models/default/meta.json'), 'utf8'),
    ) as { featureConfig: Record<string, unknown> };
    delete saved.featureConfig.levelDbfs;
    const meta = parseModelMeta(saved);
    expect(meta.featureConfig.levelDbfs ?? null).toBeNull();
    const { levelDbfs: _, ...withoutField } = DEFAULT_FEATURE_CONFIG;
    expect(configKey(withoutField)).toBe(configKey(DEFAULT_FEATURE_CONFIG));
    expect(configHash(meta.featureConfig)).toBe(configHash(withoutField));
    expect(configHash(LEVELLED)).not.toBe(configHash(DEFAULT_FEATURE_CONFIG));
    const x = burst();
    expect(extractFeatures(x, meta.featureConfig).data).toEqual(
      extractFeatures(x, DEFAULT_FEATURE_CONFIG).data,
    );
    expect(parseFeatureConfig({ levelDbfs: -23 }).levelDbfs).toBe(-23);
    expect(() => parseFeatureConfig({ levelDbfs: 6 })).toThrow(/levelDbfs/);
  });
});
