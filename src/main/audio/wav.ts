/**
 * RIFF/WAVE parsing without dependencies: the header walk is separate from sample conversion
 * so a caller can check duration from the header before it reads or allocates any samples.
 *
 * Sample scaling matches libsndfile / soundfile (what librosa uses): int16 / 32768,
 * int24 / 2^23, int32 / 2^31, unsigned 8-bit (u - 128) / 128, float passed through.
 */
import { SerError } from '../../shared/errors.js';

export const WAVE_FORMAT_PCM = 0x0001;
export const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
export const WAVE_FORMAT_ALAW = 0x0006;
export const WAVE_FORMAT_MULAW = 0x0007;
export const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Names of codecs users meet in WAV files that we do not decode, for the error message. */
const CODEC_NAMES: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0040: 'G.721 ADPCM',
  0x0050: 'MPEG',
  0x0055: 'MP3',
  0x0092: 'Dolby AC-3',
  0x00ff: 'AAC',
  0x0161: 'WMA',
};

/** The KSDATAFORMAT_SUBTYPE GUID tail shared by PCM, float, A-law, µ-law subformats. */
const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

export interface WavInfo {
  /** Effective format code (the EXTENSIBLE subformat when present). */
  format: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  /** Bytes per sample container (bits may be fewer, left-justified). */
  bytesPerSample: number;
  blockAlign: number;
  /** Byte offset of the first sample in the file. */
  dataOffset: number;
  /** Whole frames present in the file (never more than the header declares). */
  frames: number;
  /** Frames the data chunk header declares. */
  declaredFrames: number;
  warnings: string[];
}

/** Thrown by parseWavHeader when `head` ends before the data chunk header; read more and retry. */
export class NeedMoreBytes extends Error {
  constructor(readonly needed: number) {
    super(`need ${needed} bytes of header`);
  }
}

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at] ?? 0, b[at + 1] ?? 0, b[at + 2] ?? 0, b[at + 3] ?? 0);
}

function looksLikeChunkId(b: Uint8Array, at: number): boolean {
  if (at + 4 > b.length) return false;
  for (let i = 0; i < 4; i++) {
    const c = b[at + i] ?? 0;
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

export function isWav(head: Uint8Array): boolean {
  return head.length >= 12 && fourcc(head, 0) === 'RIFF' && fourcc(head, 8) === 'WAVE';
}

/**
 * Walk the chunks of a WAV file. `head` holds the first bytes of the file (possibly all of it),
 * `fileSize` the whole file's size. Unknown chunks are skipped, including the pad byte after an
 * odd-sized chunk (and tolerating writers that forget it).
 */
export function parseWavHeader(head: Uint8Array, name: string, fileSize: number = head.length): WavInfo {
  const fail = (msg: string): never => {
    throw new SerError('DecodeError', `${msg}: ${name}`, name);
  };
  if (head.length < 12) fail('truncated WAV header');
  const riff = fourcc(head, 0);
  if (riff === 'RF64' || riff === 'RIFX') {
    throw new SerError('UnsupportedFormat', `${riff} WAV files are not supported: ${name}`, name);
  }
  if (!isWav(head)) fail('not a WAV file');
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);

  let fmt: Omit<WavInfo, 'dataOffset' | 'frames' | 'declaredFrames' | 'warnings'> | null = null;
  let pos = 12;
  for (;;) {
    if (pos + 8 > fileSize) {
      fail(fmt ? 'truncated WAV: no data chunk' : 'truncated WAV: no fmt chunk');
    }
    if (pos + 8 > head.length) throw new NeedMoreBytes(pos + 8);
    const id = fourcc(head, pos);
    const size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === 'fmt ') {
      const need = body + Math.min(size, 40);
      if (need > head.length && head.length < fileSize && need <= fileSize) throw new NeedMoreBytes(need);
      if (size < 16) fail('malformed WAV fmt chunk');
      if (body + 16 > head.length) fail('truncated WAV fmt chunk');
      fmt = readFmt(view, body, Math.min(size, head.length - body), name);
    } else if (id === 'data') {
      if (!fmt) fail('malformed WAV: data chunk before fmt chunk');
      return dataInfo(fmt!, body, size, fileSize, name);
    }
    let next = body + size;
    if (size % 2 === 1) {
      // RIFF pads odd chunks to even size; some writers do not. Prefer the padded position
      // unless only the unpadded one looks like a chunk id.
      const padded = next + 1;
      if (padded + 8 <= head.length && !looksLikeChunkId(head, padded) && looksLikeChunkId(head, next)) {
        next = body + size;
      } else {
        next = padded;
      }
    }
    pos = next;
  }
}

function readFmt(view: DataView, at: number, size: number, name: string) {
  let format = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bitsPerSample = view.getUint16(at + 14, true);
  if (format === WAVE_FORMAT_EXTENSIBLE) {
    if (size < 40)
      throw new SerError('DecodeError', `malformed WAVE_FORMAT_EXTENSIBLE header: ${name}`, name);
    const sub = new Uint8Array(view.buffer, view.byteOffset + at + 24, 16);
    const tailOk = GUID_TAIL.every((b, i) => sub[i + 2] === b);
    format = tailOk ? (sub[0] ?? 0) | ((sub[1] ?? 0) << 8) : -1;
    if (!tailOk) {
      throw new SerError('UnsupportedFormat', `unsupported WAVE_FORMAT_EXTENSIBLE subformat: ${name}`, name);
    }
  }
  const codec = (f: number) => CODEC_NAMES[f] ?? `format 0x${f.toString(16).padStart(4, '0')}`;
  if (![WAVE_FORMAT_PCM, WAVE_FORMAT_IEEE_FLOAT, WAVE_FORMAT_ALAW, WAVE_FORMAT_MULAW].includes(format)) {
    throw new SerError('UnsupportedFormat', `unsupported WAV codec (${codec(format)}): ${name}`, name);
  }
  if (channels === 0) throw new SerError('DecodeError', `WAV header declares 0 channels: ${name}`, name);
  if (sampleRate === 0) throw new SerError('DecodeError', `WAV header declares sample rate 0: ${name}`, name);
  const container = blockAlign > 0 && blockAlign % channels === 0 ? blockAlign / channels : 0;
  const bytesPerSample = container || Math.ceil(bitsPerSample / 8);
  const ok =
    format === WAVE_FORMAT_PCM
      ? bytesPerSample >= 1 && bytesPerSample <= 4 && bitsPerSample <= bytesPerSample * 8
      : format === WAVE_FORMAT_IEEE_FLOAT
        ? bytesPerSample === 4 || bytesPerSample === 8
        : bytesPerSample === 1;
  if (!ok) {
    throw new SerError(
      'UnsupportedFormat',
      `unsupported WAV sample size (${bitsPerSample}-bit ${format === WAVE_FORMAT_IEEE_FLOAT ? 'float' : 'PCM'}): ${name}`,
      name,
    );
  }
  return {
    format,
    channels,
    sampleRate,
    bitsPerSample,
    bytesPerSample,
    blockAlign: bytesPerSample * channels,
  };
}

function dataInfo(
  fmt: Omit<WavInfo, 'dataOffset' | 'frames' | 'declaredFrames' | 'warnings'>,
  dataOffset: number,
  declared: number,
  fileSize: number,
  name: string,
): WavInfo {
  const warnings: string[] = [];
  const available = Math.max(0, fileSize - dataOffset);
  // 0xFFFFFFFF is the "unknown length" placeholder streaming writers (ffmpeg to a pipe) leave.
  const streaming = declared === 0xffffffff;
  let bytes = streaming ? available : declared;
  if (!streaming && declared > available) {
    // Truncated download / interrupted recording: PCM frames are independent, so the frames that
    // are there decode exactly. We keep them and say so rather than refuse a usable clip.
    bytes = available;
    warnings.push(
      `truncated WAV: data chunk declares ${declared} bytes but the file holds ${available}; decoded the ${Math.floor(available / fmt.blockAlign)} complete frames present`,
    );
    if (Math.floor(available / fmt.blockAlign) === 0) {
      throw new SerError(
        'DecodeError',
        `truncated WAV: data chunk declares ${declared} bytes but the file ends before the first sample: ${name}`,
        name,
      );
    }
  }
  return {
    ...fmt,
    dataOffset,
    frames: Math.floor(bytes / fmt.blockAlign),
    declaredFrames: streaming
      ? Math.floor(available / fmt.blockAlign)
      : Math.floor(declared / fmt.blockAlign),
    warnings,
  };
}

function alawToLinear(a: number): number {
  a ^= 0x55;
  const sign = a & 0x80;
  const exp = (a >> 4) & 0x07;
  const mant = a & 0x0f;
  let v = exp === 0 ? (mant << 4) + 8 : ((mant << 4) + 0x108) << (exp - 1);
  v = sign ? v : -v;
  return v / 32768;
}

function mulawToLinear(u: number): number {
  u = ~u & 0xff;
  const sign = u & 0x80;
  const exp = (u >> 4) & 0x07;
  const mant = u & 0x0f;
  const v = (((mant << 3) + 0x84) << exp) - 0x84;
  return (sign && v ? -v : v) / 32768;
}

let G711: { alaw: Float32Array; mulaw: Float32Array } | null = null;
function g711Tables() {
  if (!G711) {
    const alaw = new Float32Array(256);
    const mulaw = new Float32Array(256);
    for (let i = 0; i < 256; i++) {
      alaw[i] = alawToLinear(i);
      mulaw[i] = mulawToLinear(i);
    }
    G711 = { alaw, mulaw };
  }
  return G711;
}

/**
 * Convert `frames` whole frames starting at `bytes[offset]` into mono samples at `out[outOffset]`.
 * Channels are averaged (librosa.to_mono); a mono source is copied exactly.
 */
/** WAV data is little-endian; typed arrays use the host's order. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function convertFrames(
  info: WavInfo,
  bytes: Uint8Array,
  offset: number,
  frames: number,
  out: Float32Array,
  outOffset: number,
): void {
  const { channels, bytesPerSample, format } = info;
  const n = frames * channels;
  const at = bytes.byteOffset + offset;
  if (channels === 1 && format === WAVE_FORMAT_PCM && bytesPerSample === 2 && LITTLE_ENDIAN && at % 2 === 0) {
    // The common case (16-bit mono, the 16 kHz clips the app and training read): the samples
    // as an Int16Array, the same values as DataView.getInt16 / 32768 without a call per sample.
    const s = new Int16Array(bytes.buffer, at, n);
    for (let i = 0; i < n; i++) out[outOffset + i] = s[i]! / 32768;
    return;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, frames * info.blockAlign);
  // One decode loop per sample type keeps the hot loop monomorphic.
  const read = sampleReader(format, bytesPerSample, view, bytes, bytes.byteOffset + offset);
  if (channels === 1) {
    for (let i = 0; i < n; i++) out[outOffset + i] = read(i);
    return;
  }
  const inv = 1 / channels;
  for (let f = 0, s = 0; f < frames; f++) {
    let acc = 0;
    for (let c = 0; c < channels; c++, s++) acc += read(s);
    out[outOffset + f] = acc * inv;
  }
}

function sampleReader(
  format: number,
  bytesPerSample: number,
  view: DataView,
  bytes: Uint8Array,
  base: number,
): (i: number) => number {
  const local = base - bytes.byteOffset;
  if (format === WAVE_FORMAT_IEEE_FLOAT) {
    return bytesPerSample === 4 ? (i) => view.getFloat32(i * 4, true) : (i) => view.getFloat64(i * 8, true);
  }
  if (format === WAVE_FORMAT_ALAW) {
    const t = g711Tables().alaw;
    return (i) => t[bytes[local + i] ?? 0] ?? 0;
  }
  if (format === WAVE_FORMAT_MULAW) {
    const t = g711Tables().mulaw;
    return (i) => t[bytes[local + i] ?? 0] ?? 0;
  }
  switch (bytesPerSample) {
    case 1:
      return (i) => ((bytes[local + i] ?? 128) - 128) / 128;
    case 2:
      return (i) => view.getInt16(i * 2, true) / 32768;
    case 3:
      return (i) => {
        const p = i * 3;
        return (view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getInt8(p + 2) << 16)) / 8388608;
      };
    default:
      return (i) => view.getInt32(i * 4, true) / 2147483648;
  }
}

/** Decode a whole WAV held in memory to mono. */
export function decodeWavBytes(bytes: Uint8Array, name: string): { info: WavInfo; samples: Float32Array } {
  const info = parseWavHeader(bytes, name, bytes.length);
  const samples = new Float32Array(info.frames);
  convertFrames(info, bytes, info.dataOffset, info.frames, samples, 0);
  return { info, samples };
}
