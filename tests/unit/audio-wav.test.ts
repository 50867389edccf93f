/**
 * WAV decoding: every sample format, layout quirks, and each bad input the issue lists.
 * Files are built byte by byte here so each case states exactly what is in the file.
 */
import { mkdtempSync, openSync, closeSync, ftruncateSync, writeFileSync, writeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeBuffer, decodeFile } from '../../src/main/audio/decode.js';
import { encodeWav } from '../../src/main/audio/wav-encode.js';
import { SerError } from '../../src/shared/errors.js';

interface Chunk {
  id: string;
  body: Uint8Array;
  /** Omit the RIFF pad byte after an odd-sized chunk (some writers do). */
  noPad?: boolean;
}

function chunk(id: string, body: Uint8Array, noPad = false): Chunk {
  return { id, body, noPad };
}

function riff(chunks: Chunk[], opts: { dataSize?: number; riffTag?: string } = {}): Uint8Array {
  const total =
    12 + chunks.reduce((n, c) => n + 8 + c.body.length + (c.body.length % 2 === 1 && !c.noPad ? 1 : 0), 0);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  const tag = (at: number, s: string) => [...s].forEach((ch, i) => (out[at + i] = ch.charCodeAt(0)));
  tag(0, opts.riffTag ?? 'RIFF');
  v.setUint32(4, total - 8, true);
  tag(8, 'WAVE');
  let o = 12;
  for (const c of chunks) {
    tag(o, c.id);
    v.setUint32(o + 4, c.id === 'data' && opts.dataSize !== undefined ? opts.dataSize : c.body.length, true);
    out.set(c.body, o + 8);
    o += 8 + c.body.length + (c.body.length % 2 === 1 && !c.noPad ? 1 : 0);
  }
  return out;
}

function fmtChunk(
  format: number,
  channels: number,
  rate: number,
  bits: number,
  extensibleSub?: number,
): Chunk {
  const bytes = Math.ceil(bits / 8);
  const ext = extensibleSub !== undefined;
  const body = new Uint8Array(ext ? 40 : 16);
  const v = new DataView(body.buffer);
  v.setUint16(0, ext ? 0xfffe : format, true);
  v.setUint16(2, channels, true);
  v.setUint32(4, rate, true);
  v.setUint32(8, rate * channels * bytes, true);
  v.setUint16(12, channels * bytes, true);
  v.setUint16(14, bits, true);
  if (ext) {
    v.setUint16(16, 22, true);
    v.setUint16(18, bits, true);
    v.setUint32(20, channels === 2 ? 3 : 4, true);
    // KSDATAFORMAT_SUBTYPE_{PCM,IEEE_FLOAT}: format code then the fixed GUID tail.
    body.set(
      [extensibleSub & 0xff, extensibleSub >> 8, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71],
      24,
    );
  }
  return chunk('fmt ', body);
}

/** Interleave per-channel sample arrays into little-endian bytes of the given kind. */
function pcmBytes(channels: number[][], kind: 'u8' | 's16' | 's24' | 's32' | 'f32' | 'f64'): Uint8Array {
  const size = { u8: 1, s16: 2, s24: 3, s32: 4, f32: 4, f64: 8 }[kind];
  const frames = channels[0]!.length;
  const out = new Uint8Array(frames * channels.length * size);
  const v = new DataView(out.buffer);
  let o = 0;
  for (let f = 0; f < frames; f++) {
    for (const ch of channels) {
      const x = ch[f]!;
      if (kind === 'u8') v.setUint8(o, x);
      else if (kind === 's16') v.setInt16(o, x, true);
      else if (kind === 's24') {
        v.setUint8(o, x & 0xff);
        v.setUint8(o + 1, (x >> 8) & 0xff);
        v.setInt8(o + 2, x >> 16);
      } else if (kind === 's32') v.setInt32(o, x, true);
      else if (kind === 'f32') v.setFloat32(o, x, true);
      else v.setFloat64(o, x, true);
      o += size;
    }
  }
  return out;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(SerError);
    return `${(err as SerError).code}: ${(err as SerError).message}`;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'ser-wav-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WAV sample formats decode to the values libsndfile/librosa give', () => {
  const ints16 = [0, 1, -1, 32767, -32768, 12345, -23456];

  it('16-bit PCM: int16 / 32768, exactly', async () => {
    const d = await decodeBuffer(
      riff([fmtChunk(1, 1, 16000, 16), chunk('data', pcmBytes([ints16], 's16'))]),
      'a.wav',
    );
    expect(Array.from(d.samples)).toEqual(ints16.map((x) => x / 32768));
    expect(d).toMatchObject({ sampleRate: 16000, channels: 1, format: 'wav', warnings: [] });
    expect(d.duration).toBeCloseTo(ints16.length / 16000, 12);
  });

  it('8-bit unsigned PCM: (u - 128) / 128', async () => {
    const u8 = [0, 128, 255, 1, 200];
    const d = await decodeBuffer(
      riff([fmtChunk(1, 1, 8000, 8), chunk('data', pcmBytes([u8], 'u8'))]),
      'a.wav',
    );
    // 5 bytes of data: odd chunk, padded.
    expect(Array.from(d.samples)).toEqual(u8.map((x) => (x - 128) / 128));
  });

  it('24-bit PCM: int24 / 2^23, including the extremes', async () => {
    const s24 = [0, 1, -1, 8388607, -8388608, 1234567, -7654321];
    const d = await decodeBuffer(
      riff([fmtChunk(1, 1, 48000, 24), chunk('data', pcmBytes([s24], 's24'))]),
      'a.wav',
    );
    expect(Array.from(d.samples)).toEqual(s24.map((x) => Math.fround(x / 8388608)));
  });

  it('32-bit PCM: int32 / 2^31', async () => {
    const s32 = [0, 1, -1, 2147483647, -2147483648, 123456789];
    const d = await decodeBuffer(
      riff([fmtChunk(1, 1, 44100, 32), chunk('data', pcmBytes([s32], 's32'))]),
      'a.wav',
    );
    expect(Array.from(d.samples)).toEqual(s32.map((x) => Math.fround(x / 2147483648)));
  });

  it('IEEE float 32 and 64 pass through (values above 1 are kept, not clipped)', async () => {
    const f = [0, 0.5, -0.25, 1.5, -1e-6];
    for (const [kind, bits] of [
      ['f32', 32],
      ['f64', 64],
    ] as const) {
      const d = await decodeBuffer(
        riff([fmtChunk(3, 1, 22050, bits), chunk('data', pcmBytes([f], kind))]),
        'a.wav',
      );
      expect(Array.from(d.samples)).toEqual(f.map((x) => Math.fround(x)));
    }
  });

  it('WAVE_FORMAT_EXTENSIBLE with PCM and float subformats', async () => {
    const pcm = await decodeBuffer(
      riff([
        fmtChunk(1, 2, 48000, 24, 1),
        chunk(
          'data',
          pcmBytes(
            [
              [4194304, 0],
              [4194304, -8388608],
            ],
            's24',
          ),
        ),
      ]),
      'ext.wav',
    );
    expect(Array.from(pcm.samples)).toEqual([0.5, -0.5]);
    expect(pcm.channels).toBe(2);
    const flt = await decodeBuffer(
      riff([fmtChunk(3, 4, 16000, 32, 3), chunk('data', pcmBytes([[1], [0.5], [0], [-0.5]], 'f32'))]),
      'ext.wav',
    );
    expect(Array.from(flt.samples)).toEqual([0.25]);
  });

  it('mixes any channel count to mono by averaging (librosa.to_mono)', async () => {
    const chans = [
      [1000, -2000, 300],
      [3000, 2000, -300],
      [-1000, 0, 0],
      [0, 4000, 600],
      [2000, 0, 0],
      [1000, 2000, 0],
    ];
    const d = await decodeBuffer(
      riff([fmtChunk(1, 6, 16000, 16), chunk('data', pcmBytes(chans, 's16'))]),
      '6ch.wav',
    );
    const expected = [0, 1, 2].map((f) => Math.fround(chans.reduce((s, c) => s + c[f]! / 32768, 0) / 6));
    expect(d.channels).toBe(6);
    d.samples.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 7));
  });

  it('skips unknown chunks before and after data, with and without the odd-size pad byte', async () => {
    const odd = new TextEncoder().encode('odd-sized LIST!'); // 15 bytes
    const body = pcmBytes([ints16], 's16');
    const padded = riff([
      chunk('JUNK', new Uint8Array(28)),
      chunk('LIST', odd),
      fmtChunk(1, 1, 16000, 16),
      chunk('bext', new Uint8Array(603)),
      chunk('data', body),
      chunk('_PMX', odd),
    ]);
    const unpadded = riff([fmtChunk(1, 1, 16000, 16), chunk('FLLR', odd, true), chunk('data', body)]);
    for (const bytes of [padded, unpadded]) {
      const d = await decodeBuffer(bytes, 'chunks.wav');
      expect(Array.from(d.samples)).toEqual(ints16.map((x) => x / 32768));
    }
  });

  it('reads from disk in blocks and past large metadata chunks exactly as from memory', async () => {
    // 3-channel 24-bit, 2.5 s at 48 kHz: 1.08 MB of samples (several read blocks), after a 100 KB
    // LIST chunk (beyond the first header read).
    const frames = 120000;
    const chans = [0, 1, 2].map((c) =>
      Array.from({ length: frames }, (_, i) => Math.round(4e6 * Math.sin((i * (c + 1)) / 50))),
    );
    const bytes = riff([
      chunk('LIST', new Uint8Array(100_001)),
      fmtChunk(1, 3, 48000, 24, 1),
      chunk('data', pcmBytes(chans, 's24')),
    ]);
    const p = join(dir, 'big.wav');
    writeFileSync(p, bytes);
    const fromFile = await decodeFile(p);
    const fromMemory = await decodeBuffer(bytes, 'big.wav');
    expect(fromFile.samples.length).toBe(frames);
    expect(fromFile.samples).toEqual(fromMemory.samples);
    const i = 77777;
    expect(fromFile.samples[i]).toBeCloseTo((chans[0]![i]! + chans[1]![i]! + chans[2]![i]!) / 3 / 8388608, 7);
  });

  it('reads A-law and µ-law (G.711) as libsndfile does', async () => {
    // 0xd5 / 0xff are the zero codes; 0x80 / 0x00 are the largest magnitudes.
    const alaw = await decodeBuffer(
      riff([fmtChunk(6, 1, 8000, 8), chunk('data', Uint8Array.from([0xd5, 0x55, 0xaa, 0x2a]))]),
      'a.wav',
    );
    expect(Array.from(alaw.samples)).toEqual([8, -8, 32256, -32256].map((x) => x / 32768));
    const ulaw = await decodeBuffer(
      riff([fmtChunk(7, 1, 8000, 8), chunk('data', Uint8Array.from([0xff, 0x7f, 0x80, 0x00]))]),
      'u.wav',
    );
    expect(Array.from(ulaw.samples)).toEqual([0, 0, 32124, -32124].map((x) => x / 32768));
  });

  it('round-trips encodeWav exactly at 16-bit resolution, clipping out-of-range values', async () => {
    const x = Float32Array.from([0, 0.25, -0.5, 0.999, -1, 1.5, -2, 0.4 / 32768]);
    const d = await decodeBuffer(encodeWav(x, 16000), 'enc.wav');
    expect(Array.from(d.samples)).toEqual([0, 0.25, -0.5, 32735 / 32768, -1, 32767 / 32768, -1, 0]);
  });
});

describe('bad WAV input gives a typed error naming the file', () => {
  const tone = Float32Array.from({ length: 1600 }, (_, i) => 0.3 * Math.sin(i / 5));

  it('a missing path is NotFound; a folder is NotFound', async () => {
    expect(await codeOf(decodeFile(join(dir, 'nope.wav')))).toBe(
      `NotFound: file not found: ${join(dir, 'nope.wav')}`,
    );
    expect(await codeOf(decodeFile(dir))).toMatch(/^NotFound: not a file: /);
  });

  it('an empty file is EmptyAudio', async () => {
    const p = join(dir, 'empty.wav');
    writeFileSync(p, '');
    expect(await codeOf(decodeFile(p))).toBe('EmptyAudio: file is empty (0 bytes): empty.wav');
  });

  it('a text file renamed .wav is a DecodeError', async () => {
    const p = join(dir, 'notes.wav');
    writeFileSync(p, 'Meeting notes\nbring the microphone\n');
    const err = await decodeFile(p).catch((e: unknown) => e);
    expect(String(err)).toBe('DecodeError: not a WAV/MP3/FLAC/OGG file: notes.wav');
    expect((err as SerError).path).toBe(p);
  });

  it('an unsupported codec (ADPCM) is UnsupportedFormat naming the codec', async () => {
    const bytes = riff([fmtChunk(2, 1, 8000, 4), chunk('data', new Uint8Array(256))]);
    expect(await codeOf(decodeBuffer(bytes, 'adpcm.wav'))).toBe(
      'UnsupportedFormat: unsupported WAV codec (Microsoft ADPCM): adpcm.wav',
    );
    const rf64 = riff([fmtChunk(1, 1, 8000, 16), chunk('data', new Uint8Array(2))], { riffTag: 'RF64' });
    expect(await codeOf(decodeBuffer(rf64, 'big.wav'))).toMatch(
      /^UnsupportedFormat: RF64 WAV files are not supported/,
    );
  });

  it('zero-length audio (empty data chunk) is EmptyAudio', async () => {
    const bytes = riff([fmtChunk(1, 1, 16000, 16), chunk('data', new Uint8Array(0))]);
    expect(await codeOf(decodeBuffer(bytes, 'zero.wav'))).toBe(
      'EmptyAudio: no audio samples (empty data chunk): zero.wav',
    );
  });

  it('headers cut short are DecodeErrors', async () => {
    const full = encodeWav(tone, 16000);
    expect(await codeOf(decodeBuffer(full.subarray(0, 8), 'h.wav'))).toBe(
      'DecodeError: not a WAV/MP3/FLAC/OGG file: h.wav',
    );
    expect(await codeOf(decodeBuffer(full.subarray(0, 30), 'h.wav'))).toBe(
      'DecodeError: truncated WAV fmt chunk: h.wav',
    );
    expect(await codeOf(decodeBuffer(full.subarray(0, 40), 'h.wav'))).toBe(
      'DecodeError: truncated WAV: no data chunk: h.wav',
    );
    expect(await codeOf(decodeBuffer(full.subarray(0, 45), 'h.wav'))).toMatch(
      /^DecodeError: truncated WAV: data chunk declares 3200 bytes but the file ends before the first sample/,
    );
  });

  it('a truncated data chunk keeps the complete frames present and says so in warnings', async () => {
    const full = encodeWav(tone, 16000);
    const cut = full.subarray(0, 44 + 1001); // 500 whole frames and half of one
    const d = await decodeBuffer(cut, 'cut.wav');
    expect(d.samples.length).toBe(500);
    const whole = await decodeBuffer(full, 'full.wav');
    expect(Array.from(d.samples)).toEqual(Array.from(whole.samples.subarray(0, 500)));
    expect(d.warnings).toEqual([
      'truncated WAV: data chunk declares 3200 bytes but the file holds 1001; decoded the 500 complete frames present: cut.wav',
    ]);
    expect(whole.warnings).toEqual([]);
  });

  it('all-silent audio is SilentAudio only when allowSilent is false', async () => {
    const silent = encodeWav(new Float32Array(16000), 16000);
    expect((await decodeBuffer(silent, 's.wav')).samples.length).toBe(16000);
    expect(await codeOf(decodeBuffer(silent, 's.wav', { allowSilent: false }))).toBe(
      'SilentAudio: audio is silent (peak digital silence): s.wav',
    );
    // Dither-level noise (+-3 LSB) is still silence; a quiet -50 dBFS tone is not.
    const dither = Float32Array.from({ length: 16000 }, (_, i) => (((i * 7919) % 7) - 3) / 32768);
    expect(await codeOf(decodeBuffer(encodeWav(dither, 16000), 'd.wav', { allowSilent: false }))).toMatch(
      /^SilentAudio: audio is silent \(peak -80\.8 dBFS\): d\.wav$/,
    );
    const quiet = tone.map((x) => (x / 0.3) * 10 ** (-50 / 20));
    expect(await codeOf(decodeBuffer(encodeWav(quiet, 16000), 'q.wav', { allowSilent: false }))).toBe('ok');
  });

  it('refuses a 2-hour file from its header, before reading or allocating its samples', async () => {
    // A real 2-hour 48 kHz stereo header on a sparse file of the full size (1.38 GB, no disk used).
    const frames = 2 * 3600 * 48000;
    const header = riff([fmtChunk(1, 2, 48000, 16), chunk('data', new Uint8Array(0))], {
      dataSize: frames * 4,
    });
    const p = join(dir, 'two-hours.wav');
    const fd = openSync(p, 'w');
    writeSync(fd, header);
    ftruncateSync(fd, header.length + frames * 4);
    closeSync(fd);
    const before = process.memoryUsage().arrayBuffers;
    expect(await codeOf(decodeFile(p, { maxBytes: 4 * 1024 ** 3 }))).toBe(
      'FileTooLarge: audio is 120.0 min, over the 30.0 min limit: two-hours.wav',
    );
    // The default byte limit (1 GiB) catches it even earlier; a raised duration limit is honoured.
    expect(await codeOf(decodeFile(p))).toBe(
      'FileTooLarge: file is 1318.4 MB, over the 1024.0 MB limit: two-hours.wav',
    );
    expect(await codeOf(decodeFile(p, { maxSeconds: 600, maxBytes: 2 ** 32 }))).toMatch(
      /over the 10\.0 min limit/,
    );
    // Never read: no 1.38 GB (nor any large part of it) was allocated.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 ** 2);
  });

  it('never throws anything but a SerError on mangled WAV bytes', async () => {
    const good = encodeWav(tone, 16000);
    let state = 12345;
    const rnd = () => (state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let trial = 0; trial < 300; trial++) {
      const bytes = good.slice(0, 44 + Math.floor(rnd() * 200));
      for (let k = 0; k < 4; k++) bytes[Math.floor(rnd() * 44)] = Math.floor(rnd() * 256);
      const r = await codeOf(decodeBuffer(bytes, 'fuzz.wav'));
      expect(r).toMatch(/^(ok|(DecodeError|UnsupportedFormat|EmptyAudio|FileTooLarge): .*fuzz\.wav)$/);
    }
  });
});
