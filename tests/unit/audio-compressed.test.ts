/**
 * MP3, FLAC and OGG (Vorbis, Opus): detection by content, correct rate / length / pitch, the
 * duration limit checked from the header, and lossless FLAC matching the WAV bit for bit.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeBuffer, decodeFile } from '../../src/main/audio/decode.js';
import { SerError } from '../../src/shared/errors.js';
import { HAVE_RAVDESS, MISSING_DATA, REPO_ROOT, ravdessClip } from '../helpers/shared-data.js';

const FIX = resolve(REPO_ROOT, 'tests', 'fixtures', 'audio');
const HAVE_SOX = spawnSync('sox', ['--version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'ser-comp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Frequency of the strongest component by a DFT scan around the expected value (0.5 Hz steps). */
function peakHz(x: Float32Array, sr: number, lo: number, hi: number): number {
  let best = 0;
  let bestF = 0;
  for (let f = lo; f <= hi; f += 0.5) {
    let re = 0;
    let im = 0;
    const w = (2 * Math.PI * f) / sr;
    for (let i = 0; i < x.length; i++) {
      re += x[i]! * Math.cos(w * i);
      im += x[i]! * Math.sin(w * i);
    }
    const p = re * re + im * im;
    if (p > best) [best, bestF] = [p, f];
  }
  return bestF;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('compressed formats through audio-decode', () => {
  const cases = [
    { file: 'tone440-16k-mono.flac', format: 'flac', rate: 16000, channels: 1, frames: 16000 },
    { file: 'tone440-16k-mono.ogg', format: 'ogg', rate: 16000, channels: 1, frames: 16000 },
    { file: 'tone440-16k-mono.opus', format: 'ogg', rate: 48000, channels: 1, frames: 48000 },
    // No LAME tag at 16 kHz / 32 kbps: 30 whole frames of 576, encoder delay included.
    { file: 'tone440-16k-mono.mp3', format: 'mp3', rate: 16000, channels: 1, frames: 17280 },
    // LAME tag present: the decoder trims delay and padding to the exact 1 s.
    { file: 'tone440-660-44k-stereo.mp3', format: 'mp3', rate: 24000, channels: 2, frames: 24000 },
  ] as const;

  for (const c of cases) {
    it(`${c.file}: ${c.format}, ${c.rate} Hz, ${c.channels} ch, ${c.frames} frames, 440 Hz`, async () => {
      const d = await decodeFile(join(FIX, c.file));
      expect(d).toMatchObject({ format: c.format, sampleRate: c.rate, channels: c.channels, warnings: [] });
      expect(d.samples.length).toBe(c.frames);
      expect(d.duration).toBeCloseTo(c.frames / c.rate, 9);
      expect(peakHz(d.samples.subarray(0, 8000), c.rate, 400, 480)).toBeCloseTo(440, 0);
      const r = await decodeFile(join(FIX, c.file), { targetRate: 16000 });
      expect(r.sampleRate).toBe(16000);
      expect(r.samples.length).toBe(Math.ceil((c.frames * 16000) / c.rate));
    });
  }

  it('detects the format from the bytes, not the name', async () => {
    const p = join(dir, 'really-a-flac.mp3');
    copyFileSync(join(FIX, 'tone440-16k-mono.flac'), p);
    expect((await decodeFile(p)).format).toBe('flac');
    const q = join(dir, 'no-extension');
    copyFileSync(join(FIX, 'tone440-16k-mono.ogg'), q);
    expect((await decodeFile(q)).format).toBe('ogg');
  });

  it('refuses over maxSeconds from the header (FLAC STREAMINFO, OGG granule, MP3 size/bitrate)', async () => {
    for (const f of [
      'tone440-16k-mono.flac',
      'tone440-16k-mono.ogg',
      'tone440-16k-mono.opus',
      'tone440-16k-mono.mp3',
    ]) {
      const err = await decodeFile(join(FIX, f), { maxSeconds: 0.5 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SerError);
      expect(String(err)).toMatch(
        new RegExp(`^FileTooLarge: audio is 1\\.[01] s, over the 0\\.5 s limit: ${f}$`),
      );
    }
  });

  it('corrupt or cut compressed files give DecodeError, never a crash', async () => {
    const flac = readFileSync(join(FIX, 'tone440-16k-mono.flac'));
    const garbage = Uint8Array.from(flac);
    for (let i = 60; i < garbage.length; i++) garbage[i] = (i * 2654435761) >>> 24;
    expect(String(await decodeBuffer(garbage, 'bad.flac').catch((e: unknown) => e))).toBe(
      'DecodeError: no decodable audio (corrupt or truncated FLAC file): bad.flac',
    );
    const ogg = readFileSync(join(FIX, 'tone440-16k-mono.ogg'));
    expect(String(await decodeBuffer(ogg.subarray(0, 200), 'cut.ogg').catch((e: unknown) => e))).toBe(
      'DecodeError: no decodable audio (corrupt or truncated OGG file): cut.ogg',
    );
    // A cut MP3 still yields the frames before the cut.
    const mp3 = readFileSync(join(FIX, 'tone440-16k-mono.mp3'));
    const half = await decodeBuffer(mp3.subarray(0, mp3.length >> 1), 'half.mp3');
    expect(half.samples.length).toBeGreaterThan(6000);
    expect(half.samples.length).toBeLessThan(10000);
  });

  it('names containers it recognises but does not decode', async () => {
    const aiff = new Uint8Array(64);
    aiff.set(
      [...'FORM'].map((c) => c.charCodeAt(0)),
      0,
    );
    aiff.set(
      [...'AIFF'].map((c) => c.charCodeAt(0)),
      8,
    );
    expect(String(await decodeBuffer(aiff, 'x.aif').catch((e: unknown) => e))).toBe(
      'UnsupportedFormat: AIFF files are not supported (use WAV/MP3/FLAC/OGG): x.aif',
    );
  });
});

describe.skipIf(!HAVE_RAVDESS || !HAVE_SOX)(
  `real speech through sox-made FLAC and Vorbis ${!HAVE_SOX ? '(skipped: sox not installed)' : HAVE_RAVDESS ? '' : MISSING_DATA}`,
  () => {
    const wav = ravdessClip(3, '03-01-05-02-01-01-03.wav');

    it('FLAC is lossless: identical samples to the WAV (16- and 24-bit)', async () => {
      const flac = join(dir, 'clip.flac');
      expect(spawnSync('sox', [wav, flac]).status).toBe(0);
      const a = await decodeFile(wav);
      const b = await decodeFile(flac);
      expect(b.format).toBe('flac');
      expect(b.samples.length).toBe(a.samples.length);
      expect(maxAbsDiff(a.samples, b.samples)).toBe(0);
      // 24-bit FLAC of the same clip: same values too (16-bit values widen exactly).
      const flac24 = join(dir, 'clip24.flac');
      expect(spawnSync('sox', [wav, '-b', '24', flac24]).status).toBe(0);
      expect(maxAbsDiff(a.samples, (await decodeFile(flac24)).samples)).toBe(0);
    });

    it('Vorbis q5 stays close to the WAV (correlation > 0.99), and a cut file decodes its first part with a warning', async () => {
      const ogg = join(dir, 'clip.ogg');
      expect(spawnSync('sox', [wav, '-C', '5', ogg]).status).toBe(0);
      const a = (await decodeFile(wav)).samples;
      const b = await decodeFile(ogg);
      expect(b.samples.length).toBe(a.length);
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let i = 0; i < a.length; i++) {
        ab += a[i]! * b.samples[i]!;
        aa += a[i]! ** 2;
        bb += b.samples[i]! ** 2;
      }
      expect(ab / Math.sqrt(aa * bb)).toBeGreaterThan(0.99);
      const bytes = readFileSync(ogg);
      const cut = await decodeBuffer(bytes.subarray(0, Math.floor(bytes.length * 0.6)), 'cut.ogg');
      expect(cut.samples.length).toBeGreaterThan(0.3 * a.length);
      expect(cut.samples.length).toBeLessThan(0.8 * a.length);
      expect(cut.warnings[0]).toMatch(
        /^decoded [\d.]+ s of the [\d.]+ s the header declares \(truncated or corrupt OGG file\)/,
      );
    });
  },
);
