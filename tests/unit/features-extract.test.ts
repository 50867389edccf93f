/** extractFeatures, its matrix views and the FeatureConfig boundary. */
import { describe, expect, it } from 'vitest';
import { SerError } from '../../src/shared/errors.js';
import {
  ALL_FEATURES,
  DEFAULT_FEATURE_CONFIG,
  type FeatureConfig,
  featureColumns,
  frameWidth,
} from '../../src/shared/features.js';
import { decodeFile } from '../../src/main/audio/decode.js';
import { configHash, parseFeatureConfig } from '../../src/main/features/config.js';
import { extractFeatures } from '../../src/main/features/extract.js';
import { extractFile } from '../../src/main/features/index.js';
import {
  featureBlock,
  poolMatrix,
  poolStats,
  pooledVector,
  toLayout,
} from '../../src/main/features/matrix.js';
import { HAVE_RAVDESS, MISSING_DATA, ravdessClip } from '../helpers/shared-data.js';

const all: FeatureConfig = { ...DEFAULT_FEATURE_CONFIG, features: [...ALL_FEATURES] };

function tone(hz: number, seconds: number, sr = 16000, amp = 0.5): Float32Array {
  return Float32Array.from(
    { length: Math.round(seconds * sr) },
    (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / sr),
  );
}

describe('extractFeatures on synthetic signals', () => {
  it('finds a tone where it is: centroid, chroma class, RMS of a windowed sine', () => {
    const m = extractFeatures(tone(440, 1), all);
    expect(m.frames).toBe(1 + Math.floor(16000 / 512));
    const t = Math.floor(m.frames / 2);
    const at = (col: string) => m.data[t * m.width + m.columns.indexOf(col)]!;
    expect(at('centroid[0]')).toBeGreaterThan(420);
    expect(at('centroid[0]')).toBeLessThan(460);
    // A is chroma 9 (rows start at C), normalised to 1.
    expect(at('chroma[9]')).toBeCloseTo(1, 6);
    // RMS of a Hann-windowed sine of amplitude a: a * sqrt(3/8) / sqrt(2).
    expect(at('rms[0]')).toBeCloseTo((0.5 * Math.sqrt(3 / 8)) / Math.SQRT2, 3);
    expect(at('zcr[0]')).toBeCloseTo((2 * 440) / 16000, 2);
  });

  it('lays out columns in config order with deltas appended', () => {
    const cfg: FeatureConfig = { ...DEFAULT_FEATURE_CONFIG, features: ['chroma', 'rms'], deltas: 2 };
    const m = extractFeatures(tone(300, 0.5), cfg);
    expect(m.width).toBe(frameWidth(cfg));
    expect(m.width).toBe((12 + 1) * 3);
    expect(m.columns).toEqual(featureColumns(cfg));
    expect(m.columns.slice(0, 2)).toEqual(['chroma[0]', 'chroma[1]']);
    expect(m.columns[12]).toBe('rms[0]');
    expect(m.columns[13]).toBe('d1:chroma[0]');
    expect(m.columns[26]).toBe('d2:chroma[0]');
    expect(m.data.length).toBe(m.frames * m.width);
  });

  it('gives the same numbers for a feature whatever else is computed', () => {
    const y = tone(523.25, 0.7);
    const full = extractFeatures(y, all);
    for (const f of ALL_FEATURES) {
      const alone = extractFeatures(y, { ...DEFAULT_FEATURE_CONFIG, features: [f] });
      expect(featureBlock(alone, f)).toEqual(featureBlock(full, f));
    }
  });

  it('handles clips shorter than one FFT window, and digital silence', () => {
    const short = extractFeatures(tone(200, 0.02), { ...all, deltas: 1 });
    expect(short.frames).toBe(1);
    expect(Array.from(short.data).every(Number.isFinite)).toBe(true);
    const silent = extractFeatures(new Float32Array(8000), all);
    expect(Array.from(silent.data).every(Number.isFinite)).toBe(true);
    const block = featureBlock(silent, 'logmel');
    // power_to_db of all-zero power: amin (-100 dB) everywhere.
    expect(block.every((row) => row.every((v) => Math.abs(v + 100) < 1e-4))).toBe(true);
  });

  it('refuses empty or non-finite audio with a FeatureError', () => {
    expect(() => extractFeatures(new Float32Array(0), all)).toThrow(SerError);
    const bad = tone(100, 0.1);
    bad[10] = Number.NaN;
    try {
      extractFeatures(bad, all);
      expect.unreachable();
    } catch (err) {
      expect((err as SerError).code).toBe('FeatureError');
      expect((err as SerError).message).toMatch(/sample 10 is not finite/);
    }
  });
});

describe('matrix views', () => {
  const cfg: FeatureConfig = { ...DEFAULT_FEATURE_CONFIG, features: ['mfcc', 'zcr'], nMfcc: 13, deltas: 1 };
  const m = extractFeatures(tone(250, 0.5, 16000, 0.3), cfg);

  it('pools mean and population std per column', () => {
    const s = poolStats(m);
    expect(s.columns).toEqual(m.columns);
    for (const c of [0, 5, 13, 14, 27]) {
      const col = Array.from({ length: m.frames }, (_, t) => m.data[t * m.width + c]!);
      const mean = col.reduce((a, b) => a + b, 0) / col.length;
      const std = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / col.length);
      expect(s.mean[c]).toBeCloseTo(mean, 3);
      expect(s.std[c]).toBeCloseTo(std, 3);
    }
    const v = pooledVector(s);
    expect(v.length).toBe(2 * m.width);
    expect(v[m.width]).toBe(s.std[0]);
  });

  it('pools a summary: mean, std, 10/50/90th percentiles and the spread of frame-to-frame change', () => {
    expect(poolMatrix(m)).toEqual(pooledVector(poolStats(m)));
    const v = poolMatrix(m, 'summary');
    const w = m.width;
    expect(v.length).toBe(6 * w);
    expect(Array.from(v.subarray(0, 2 * w))).toEqual(Array.from(pooledVector(poolStats(m))));
    for (const c of [0, 5, 13]) {
      const col = Array.from({ length: m.frames }, (_, t) => m.data[t * w + c]!);
      const sorted = [...col].sort((a, b) => a - b);
      const rank = (q: number) => sorted[Math.round(q * (col.length - 1))]!;
      expect(v[2 * w + c]).toBe(Math.fround(rank(0.1)));
      expect(v[3 * w + c]).toBe(Math.fround(rank(0.5)));
      expect(v[4 * w + c]).toBe(Math.fround(rank(0.9)));
      const d = col.slice(1).map((x, t) => x - col[t]!);
      const dm = d.reduce((a, b) => a + b, 0) / d.length;
      const dstd = Math.sqrt(d.reduce((a, b) => a + (b - dm) ** 2, 0) / d.length);
      expect(v[5 * w + c]).toBeCloseTo(dstd, 4);
    }
    // A column that never changes has no spread of change, and its percentiles are its value.
    const flat = { ...m, data: new Float32Array(m.data.length).fill(2) };
    const f = poolMatrix(flat, 'summary');
    expect(f[5 * w]).toBe(0);
    expect(f[3 * w]).toBe(2);
  });

  it('takes the percentiles by selection: exactly the sorted column ranks, ties and short clips included', () => {
    const ranksBySort = (mat: typeof m, c: number) => {
      const sorted = Float32Array.from({ length: mat.frames }, (_, t) => mat.data[t * mat.width + c]!).sort();
      return [0.1, 0.5, 0.9].map((q) => sorted[Math.round(q * (mat.frames - 1))]!);
    };
    const w = m.width;
    const v = poolMatrix(m, 'summary');
    for (let c = 0; c < w; c++) expect([v[2 * w + c], v[3 * w + c], v[4 * w + c]]).toEqual(ranksBySort(m, c));
    // 1 to 40 frames of few distinct values (many ties; ranks that coincide on short clips).
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let frames = 1; frames <= 40; frames++) {
      const mat = {
        ...m,
        frames,
        width: 3,
        data: Float32Array.from({ length: frames * 3 }, () => Math.floor(next() * 5)),
      };
      const p = poolMatrix(mat, 'summary');
      for (let c = 0; c < 3; c++) expect([p[6 + c], p[9 + c], p[12 + c]]).toEqual(ranksBySort(mat, c));
    }
  });

  it("writes librosa's [coefficient][frame] layout with librosa's key names", () => {
    const layout = toLayout(m, 'clip.wav');
    expect(Object.keys(layout)).toEqual(['config', 'file', 'n_frames', 'features']);
    expect(Object.keys(layout.features)).toEqual(['mfcc', 'mfcc_delta', 'zcr', 'zcr_delta']);
    expect(layout.features.mfcc!.length).toBe(13);
    expect(layout.features.mfcc![0]!.length).toBe(m.frames);
    expect(layout.features.mfcc![3]![7]).toBe(m.data[7 * m.width + 3]);
    expect(layout.features.zcr_delta![0]![2]).toBe(m.data[2 * m.width + 14 + 13]);
  });
});

describe('FeatureConfig validation', () => {
  const bad = (input: unknown) => {
    try {
      parseFeatureConfig(input, 'cfg.json');
    } catch (err) {
      expect(err).toBeInstanceOf(SerError);
      expect((err as SerError).code).toBe('ValidationError');
      return (err as SerError).message;
    }
    throw new Error('accepted');
  };

  it('fills defaults and accepts partial configs', () => {
    expect(parseFeatureConfig({})).toEqual(DEFAULT_FEATURE_CONFIG);
    expect(parseFeatureConfig({ nMels: 64, deltas: 1 })).toEqual({
      ...DEFAULT_FEATURE_CONFIG,
      nMels: 64,
      deltas: 1,
    });
  });

  it('names the bad field in its message', () => {
    expect(bad({ nFft: 1000 })).toBe('cfg.json: nFft: must be a power of two');
    expect(bad({ hopLength: 0 })).toMatch(/^cfg\.json: hopLength: /);
    expect(bad({ sampleRate: '16000' })).toMatch(/^cfg\.json: sampleRate: /);
    expect(bad({ features: ['mfcc', 'jitter'] })).toMatch(/^cfg\.json: features\.1: /);
    expect(bad({ features: [] })).toMatch(/features: must name at least one feature/);
    expect(bad({ features: ['rms', 'rms'] })).toMatch(/features: must not repeat/);
    expect(bad({ deltas: 3 })).toMatch(/^cfg\.json: deltas: /);
    expect(bad({ nfft: 512 })).toBe('cfg.json: unknown field(s) nfft');
    expect(bad({ nMfcc: 200 })).toMatch(/nMfcc: must not exceed nMels/);
    expect(bad({ fmax: 9000 })).toMatch(/fmax: must not exceed half the sample rate/);
    expect(bad({ sampleRate: 8000, contrastFmin: 1000 })).toMatch(
      /contrastBands: the top band starts at 32000 Hz/,
    );
  });

  it('is enforced by extractFeatures too', () => {
    expect(() => extractFeatures(tone(100, 0.1), { ...DEFAULT_FEATURE_CONFIG, nFft: 1000 })).toThrow(
      'feature config: nFft: must be a power of two',
    );
  });

  it('hashes equal configs equally and different ones differently', () => {
    const a = parseFeatureConfig({ nMels: 64 });
    const b = parseFeatureConfig({ deltas: 0, nMels: 64 });
    expect(configHash(a)).toBe(configHash(b));
    expect(configHash(a)).not.toBe(configHash({ ...a, deltas: 1 }));
    expect(configHash(a)).not.toBe(configHash({ ...a, features: [...a.features].reverse() }));
  });
});

describe.skipIf(!HAVE_RAVDESS)(`extractFeatures on RAVDESS ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  it('extractFile decodes at the config rate and extracts', async () => {
    const path = ravdessClip(3, '03-01-04-01-01-01-03.wav');
    const m = await extractFile(path, DEFAULT_FEATURE_CONFIG);
    const y = (await decodeFile(path, { targetRate: 16000 })).samples;
    expect(m.data).toEqual(extractFeatures(y, DEFAULT_FEATURE_CONFIG).data);
    // At 8 kHz the same clip has the same duration, so the same number of hop-256 frames.
    const m8 = await extractFile(
      path,
      parseFeatureConfig({ sampleRate: 8000, nFft: 1024, hopLength: 256, nMels: 64, contrastBands: 5 }),
    );
    expect(m8.frames).toBe(m.frames);
  });
});
