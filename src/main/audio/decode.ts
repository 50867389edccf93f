/**
 * Audio in: any WAV / MP3 / FLAC / OGG file to mono Float32 samples, optionally resampled.
 *
 * Limits are checked from the header before samples are read or allocated: the file size
 * (maxBytes) and the duration (maxSeconds; WAV from its data chunk, FLAC from STREAMINFO, OGG
 * from the last granule position, MP3 from its Xing/VBRI frame count or CBR size). WAV data is
 * read and converted in blocks, so memory holds the mono output, not the file.
 *
 * Every failure is a SerError naming the file: NotFound, EmptyAudio (0-byte file, no samples),
 * DecodeError (not audio, corrupt), UnsupportedFormat (ADPCM WAV, FLAC-in-OGG...),
 * FileTooLarge, SilentAudio (only with allowSilent: false).
 *
 * Truncated files: a WAV whose data chunk claims more bytes than the file holds (an interrupted
 * copy or recording) decodes the complete frames present and reports it in `warnings`; PCM
 * frames are independent, so those samples are exact, and refusing would lose a usable clip.
 * A file cut before its first sample, or inside its header, is a DecodeError. Compressed files
 * decode what the codec can read, with a warning when that is under 90% of the header's length.
 */
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { SerError } from '../../shared/errors.js';
import { decodeCompressed, mixToMono } from './compressed.js';
import { resample } from './resample.js';
import { probeCompressed, sniff, type AudioFormat } from './sniff.js';
import { NeedMoreBytes, WAVE_FORMAT_IEEE_FLOAT, convertFrames, parseWavHeader, type WavInfo } from './wav.js';

export interface DecodedAudio {
  /** Mono samples at `sampleRate` (channels averaged, then resampled if targetRate was given). */
  samples: Float32Array;
  sampleRate: number;
  /** Channels of the source. */
  channels: number;
  /** Seconds of audio. */
  duration: number;
  format: AudioFormat;
  /** Non-fatal problems, e.g. a truncated WAV data chunk of which the complete frames were kept. */
  warnings: string[];
}

export interface DecodeOptions {
  /** Resample to this rate (output is always mono). Default: keep the source rate. */
  targetRate?: number;
  /** Refuse audio longer than this many seconds (default 1800). */
  maxSeconds?: number;
  /** Refuse files larger than this many bytes (default 1 GiB). */
  maxBytes?: number;
  /** Default true; false turns all-silent audio (peak below SILENCE_PEAK) into SilentAudio. */
  allowSilent?: boolean;
}

export const DEFAULT_MAX_SECONDS = 1800;
/**
 * Sample rates we accept, checked from the header before any sample is read: 4 kHz (below it
 * there is no speech band left) to 384 kHz (the highest rate audio interfaces record). A header
 * outside is corrupt or hostile (1 Hz makes a 600 s "clip" of 600 samples; 4,294,967,295 Hz would
 * need a resampling filter of 17 million taps).
 */
export const MIN_SAMPLE_RATE = 4000;
export const MAX_SAMPLE_RATE = 384_000;
/**
 * Samples of a float file beyond this magnitude (+24 dBFS) are not audio scaled to [-1, 1]
 * (e.g. floats of 1e30, or int16 values stored as float): refused rather than fed to features.
 */
export const MAX_SAMPLE_MAGNITUDE = 16;
/**
 * A compressed header's duration is believed only if the file has at least this many bytes per
 * claimed second (8 kbit/s, below any speech codec setting); otherwise it is ignored and the
 * decoder's own count decides (a corrupt OGG granule claimed 117968435 minutes).
 */
const MIN_BYTES_PER_SECOND = 1000;
/** Compressed files are fed to the decoder in chunks of this size, counting the audio as it comes. */
const DECODE_CHUNK = 256 * 1024;
export const DEFAULT_MAX_BYTES = 1024 ** 3;
/** Peak below which a clip counts as silent: -70 dBFS, about 10 LSB of 16-bit audio (dither). */
export const SILENCE_PEAK = 10 ** (-70 / 20);

const HEAD_BYTES = 64 * 1024;
const TAIL_BYTES = 64 * 1024;
/** WAV data is read in blocks of about this size. */
const BLOCK_BYTES = 1 << 20;

function notAudio(name: string, other?: string): SerError {
  return other
    ? new SerError(
        'UnsupportedFormat',
        `${other} files are not supported (use WAV/MP3/FLAC/OGG): ${name}`,
        name,
      )
    : new SerError('DecodeError', `not a WAV/MP3/FLAC/OGG file: ${name}`, name);
}

function tooLong(seconds: number, max: number, name: string): SerError {
  const fmt = (s: number) => (s >= 120 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(1)} s`);
  return new SerError('FileTooLarge', `audio is ${fmt(seconds)}, over the ${fmt(max)} limit: ${name}`, name);
}

function tooBig(bytes: number, max: number, name: string): SerError {
  const mb = (b: number) => `${(b / 1024 ** 2).toFixed(1)} MB`;
  return new SerError('FileTooLarge', `file is ${mb(bytes)}, over the ${mb(max)} limit: ${name}`, name);
}

function checkRate(rate: number, name: string): void {
  if (!(rate >= MIN_SAMPLE_RATE && rate <= MAX_SAMPLE_RATE)) {
    throw new SerError(
      'DecodeError',
      `sample rate ${rate} Hz is outside the supported ${MIN_SAMPLE_RATE}-${MAX_SAMPLE_RATE} Hz (corrupt header?): ${name}`,
      name,
    );
  }
}

/** Refuse NaN / Infinity and absurd magnitudes before any feature sees them. */
function checkSamples(mono: Float32Array, name: string): void {
  let peak = 0;
  for (let i = 0; i < mono.length; i++) {
    const v = mono[i]!;
    if (!Number.isFinite(v)) {
      throw new SerError(
        'DecodeError',
        `audio holds non-finite samples (${v} at sample ${i}): ${name}`,
        name,
      );
    }
    const a = v < 0 ? -v : v;
    if (a > peak) peak = a;
  }
  if (peak > MAX_SAMPLE_MAGNITUDE) {
    throw new SerError(
      'DecodeError',
      `sample values reach ${peak.toPrecision(3)}, far outside [-1, 1] (not scaled audio): ${name}`,
      name,
    );
  }
}

function limits(opts: DecodeOptions) {
  return {
    maxSeconds: opts.maxSeconds ?? DEFAULT_MAX_SECONDS,
    maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES,
  };
}

/** A random-access byte source: a file handle or a buffer in memory. */
interface Source {
  size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

function bufferSource(bytes: Uint8Array): Source {
  return { size: bytes.length, read: async (o, l) => bytes.subarray(o, Math.min(bytes.length, o + l)) };
}

async function decodeSource(
  src: Source,
  name: string,
  path: string,
  opts: DecodeOptions,
): Promise<DecodedAudio> {
  const { maxSeconds, maxBytes } = limits(opts);
  if (src.size === 0) throw new SerError('EmptyAudio', `file is empty (0 bytes): ${name}`, path);
  if (src.size > maxBytes) throw tooBig(src.size, maxBytes, name);
  const head = await src.read(0, HEAD_BYTES);
  const { format, other } = sniff(head);
  if (!format) throw notAudio(name, other);

  const decoded =
    format === 'wav'
      ? await readWav(src, head, name, maxSeconds)
      : await readCompressed(src, head, format, name, maxSeconds);
  let { mono, rate } = decoded;
  const { channels, warnings } = decoded;
  if (!decoded.bounded) checkSamples(mono, name);

  const duration = mono.length / rate;
  if (opts.allowSilent === false) {
    let peak = 0;
    for (let i = 0; i < mono.length; i++) {
      const a = Math.abs(mono[i]!);
      if (a > peak) peak = a;
    }
    if (!(peak >= SILENCE_PEAK)) {
      const db = peak > 0 ? `${(20 * Math.log10(peak)).toFixed(1)} dBFS` : 'digital silence';
      throw new SerError('SilentAudio', `audio is silent (peak ${db}): ${name}`, path);
    }
  }
  const target = opts.targetRate;
  if (target !== undefined && target !== rate) {
    mono = resample(mono, rate, target);
    rate = target;
  }
  return { samples: mono, sampleRate: rate, channels, duration, format, warnings };
}

interface Raw {
  mono: Float32Array;
  rate: number;
  channels: number;
  warnings: string[];
  /**
   * Every sample finite and within [-1, 1] by construction (integer PCM and G.711 WAV, and their
   * channel means): checkSamples, a pass over the clip, has nothing to find.
   */
  bounded?: boolean;
}

async function readWav(src: Source, head: Uint8Array, name: string, maxSeconds: number): Promise<Raw> {
  const info = await wavHeader(src, head, name);
  checkRate(info.sampleRate, name);
  if (info.frames === 0)
    throw new SerError('EmptyAudio', `no audio samples (empty data chunk): ${name}`, name);
  const seconds = info.frames / info.sampleRate;
  if (seconds > maxSeconds) throw tooLong(seconds, maxSeconds, name);
  return {
    mono: await readWavFrames(src, info, name),
    rate: info.sampleRate,
    channels: info.channels,
    warnings: info.warnings.map((w) => `${w}: ${name}`),
    bounded: info.format !== WAVE_FORMAT_IEEE_FLOAT,
  };
}

async function readCompressed(
  src: Source,
  head: Uint8Array,
  format: Exclude<AudioFormat, 'wav'>,
  name: string,
  maxSeconds: number,
): Promise<Raw> {
  const tail = await src.read(Math.max(0, src.size - TAIL_BYTES), TAIL_BYTES);
  const probe = probeCompressed(format, head, tail, src.size);
  if (probe?.sampleRate) checkRate(probe.sampleRate, name);
  // Believe the header's length only when the file is big enough to hold it (see
  // MIN_BYTES_PER_SECOND); a real 2-hour MP3 is still refused before decoding.
  const claimed = probe?.duration ?? null;
  const believable = claimed != null && src.size >= claimed * MIN_BYTES_PER_SECOND;
  if (believable && claimed > maxSeconds) throw tooLong(claimed, maxSeconds, name);
  const pcm = await decodeCompressed(
    (async function* chunks() {
      for (let at = 0; at < src.size; at += DECODE_CHUNK) yield await src.read(at, DECODE_CHUNK);
    })(),
    format,
    probe?.codec,
    name,
    probe?.bitsPerSample,
    // The decoder's running count stops a file whose header lied about its length.
    (frames, rate) => {
      if (rate > 0 && frames / rate > maxSeconds) throw tooLong(frames / rate, maxSeconds, name);
    },
  );
  const channels = pcm.channelData.length || (probe?.channels ?? 0);
  const rate = pcm.sampleRate || (probe?.sampleRate ?? 0);
  const frames = pcm.channelData[0]?.length ?? 0;
  if (frames > 0) checkRate(rate, name);
  const kind = format.toUpperCase();
  if (frames === 0 || rate === 0) {
    // A header that promises audio and a decoder that finds none means a broken file.
    if (probe?.duration === 0)
      throw new SerError('EmptyAudio', `no audio samples in ${kind} file: ${name}`, name);
    throw new SerError(
      'DecodeError',
      `no decodable audio (corrupt or truncated ${kind} file): ${name}`,
      name,
    );
  }
  if (frames / rate > maxSeconds) throw tooLong(frames / rate, maxSeconds, name);
  const warnings: string[] = [];
  const declared = probe?.duration;
  if (declared != null && declared > 0.5 && frames / rate < declared * 0.9) {
    warnings.push(
      believable
        ? `decoded ${(frames / rate).toFixed(2)} s of the ${declared.toFixed(2)} s the header declares (truncated or corrupt ${kind} file): ${name}`
        : `header claims ${declared.toFixed(0)} s, which the file is too small to hold; decoded ${(frames / rate).toFixed(2)} s (corrupt ${kind} header): ${name}`,
    );
  }
  return { mono: mixToMono(pcm.channelData), rate, channels, warnings };
}

async function wavHeader(src: Source, head: Uint8Array, name: string): Promise<WavInfo> {
  let buf = head;
  for (;;) {
    try {
      return parseWavHeader(buf, name, src.size);
    } catch (err) {
      if (!(err instanceof NeedMoreBytes)) throw err;
      // Large metadata chunks (cover art, long LIST) before the data chunk: read further.
      const more = await src.read(0, Math.max(err.needed, buf.length * 4));
      if (more.length <= buf.length) throw new SerError('DecodeError', `truncated WAV header: ${name}`, name);
      buf = more;
    }
  }
}

async function readWavFrames(src: Source, info: WavInfo, name: string): Promise<Float32Array> {
  const out = new Float32Array(info.frames);
  const framesPerBlock = Math.max(1, Math.floor(BLOCK_BYTES / info.blockAlign));
  for (let f = 0; f < info.frames; f += framesPerBlock) {
    const n = Math.min(framesPerBlock, info.frames - f);
    const bytes = await src.read(info.dataOffset + f * info.blockAlign, n * info.blockAlign);
    if (bytes.length < n * info.blockAlign) {
      throw new SerError('DecodeError', `file changed while it was being read: ${name}`, name);
    }
    convertFrames(info, bytes, 0, n, out, f);
  }
  return out;
}

function validate(opts: DecodeOptions): void {
  const { targetRate, maxSeconds, maxBytes } = opts;
  if (targetRate !== undefined && !(Number.isInteger(targetRate) && targetRate > 0)) {
    throw new SerError('ValidationError', `targetRate must be a positive integer (got ${targetRate})`);
  }
  if (maxSeconds !== undefined && !(maxSeconds > 0)) {
    throw new SerError('ValidationError', `maxSeconds must be positive (got ${maxSeconds})`);
  }
  if (maxBytes !== undefined && !(maxBytes > 0)) {
    throw new SerError('ValidationError', `maxBytes must be positive (got ${maxBytes})`);
  }
}

export async function decodeFile(path: string, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  validate(opts);
  const name = basename(path);
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) {
      throw new SerError('NotFound', `not a file: ${name}${st.isDirectory() ? ' (a folder)' : ''}`, path);
    }
    size = st.size;
  } catch (err) {
    if (err instanceof SerError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new SerError('NotFound', `file not found: ${path}`, path);
    throw new SerError('DecodeError', `cannot read file (${code ?? String(err)}): ${name}`, path);
  }
  const fh = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new SerError('DecodeError', `cannot read file (${err.code ?? err.message}): ${name}`, path);
  });
  try {
    const src: Source = {
      size,
      async read(offset, length) {
        const len = Math.max(0, Math.min(length, size - offset));
        const buf = new Uint8Array(len);
        let got = 0;
        while (got < len) {
          const { bytesRead } = await fh.read(buf, got, len - got, offset + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return got === len ? buf : buf.subarray(0, got);
      },
    };
    return await decodeSource(src, name, path, opts).catch(withPath(path));
  } finally {
    await fh.close();
  }
}

export async function decodeBuffer(
  bytes: Uint8Array,
  name: string,
  opts: DecodeOptions = {},
): Promise<DecodedAudio> {
  validate(opts);
  return decodeSource(bufferSource(bytes), basename(name), name, opts).catch(withPath(name));
}

/** Messages carry the short name; the error's path field carries the full path for tools. */
function withPath(path: string) {
  return (err: unknown): never => {
    if (err instanceof SerError && err.path !== path) throw new SerError(err.code, err.message, path);
    throw err;
  };
}
