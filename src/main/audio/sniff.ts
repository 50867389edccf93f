/**
 * Format detection by magic bytes (never the extension), and duration estimates for compressed
 * files read from their headers, so a 2-hour MP3 is refused before it is decoded into memory.
 */
import { isWav } from './wav.js';

export type AudioFormat = 'wav' | 'mp3' | 'flac' | 'ogg';
export type OggCodec = 'vorbis' | 'opus' | 'flac' | 'unknown';

export interface Sniffed {
  format: AudioFormat | null;
  /** Other audio containers we recognise but do not decode (named in the error). */
  other?: string;
}

function ascii(b: Uint8Array, at: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(b[at + i] ?? 0);
  return s;
}

/** Size of an ID3v2 tag at the start (0 when none); MP3 and even FLAC files may carry one. */
export function id3v2Size(b: Uint8Array): number {
  if (b.length < 10 || ascii(b, 0, 3) !== 'ID3') return 0;
  const s = ((b[6]! & 0x7f) << 21) | ((b[7]! & 0x7f) << 14) | ((b[8]! & 0x7f) << 7) | (b[9]! & 0x7f);
  const footer = (b[5]! & 0x10) !== 0 ? 10 : 0;
  return 10 + s + footer;
}

interface MpegFrame {
  version: 1 | 2 | 2.5;
  layer: 1 | 2 | 3;
  bitrate: number;
  sampleRate: number;
  channels: number;
  length: number;
  samplesPerFrame: number;
}

const BITRATES: Record<string, number[]> = {
  V1L1: [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  V1L2: [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  V1L3: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  V2L1: [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  V2L2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
BITRATES['V2L3'] = BITRATES['V2L2']!;

export function mpegFrameAt(b: Uint8Array, at: number): MpegFrame | null {
  if (at + 4 > b.length) return null;
  const h1 = b[at]!;
  const h2 = b[at + 1]!;
  const h3 = b[at + 2]!;
  const h4 = b[at + 3]!;
  if (h1 !== 0xff || (h2 & 0xe0) !== 0xe0) return null;
  const vBits = (h2 >> 3) & 3;
  const lBits = (h2 >> 1) & 3;
  const brIdx = (h3 >> 4) & 0xf;
  const srIdx = (h3 >> 2) & 3;
  if (vBits === 1 || lBits === 0 || brIdx === 0 || brIdx === 15 || srIdx === 3) return null;
  const version = vBits === 3 ? 1 : vBits === 2 ? 2 : 2.5;
  const layer = (4 - lBits) as 1 | 2 | 3;
  const key = `${version === 1 ? 'V1' : 'V2'}L${layer}`;
  const bitrate = BITRATES[key]![brIdx]! * 1000;
  const baseRate = [44100, 48000, 32000][srIdx]!;
  const sampleRate = version === 1 ? baseRate : version === 2 ? baseRate / 2 : baseRate / 4;
  const padding = (h3 >> 1) & 1;
  const samplesPerFrame = layer === 1 ? 384 : layer === 3 && version !== 1 ? 576 : 1152;
  const length =
    layer === 1
      ? (Math.floor((12 * bitrate) / sampleRate) + padding) * 4
      : Math.floor(((samplesPerFrame / 8) * bitrate) / sampleRate) + padding;
  const channels = h4 >> 6 === 3 ? 1 : 2;
  return { version, layer, bitrate, sampleRate, channels, length, samplesPerFrame };
}

/** The first MPEG audio frame whose successor is also a frame (guards against random 0xFFEx bytes). */
function firstMpegFrame(b: Uint8Array, from: number, scan: number): { at: number; frame: MpegFrame } | null {
  const end = Math.min(b.length - 4, from + scan);
  for (let at = from; at < end; at++) {
    if (b[at] !== 0xff) continue;
    const frame = mpegFrameAt(b, at);
    if (!frame || frame.length < 4) continue;
    const next = at + frame.length;
    if (next + 4 > b.length) {
      // A file with a single frame: accept only right at the start of the audio.
      if (at === from) return { at, frame };
      continue;
    }
    if (mpegFrameAt(b, next)) return { at, frame };
  }
  return null;
}

export function sniff(head: Uint8Array): Sniffed {
  if (isWav(head)) return { format: 'wav' };
  const tag = ascii(head, 0, 4);
  if (tag === 'RF64' || tag === 'RIFX') return { format: 'wav' };
  if (tag === 'fLaC') return { format: 'flac' };
  if (tag === 'OggS') return { format: 'ogg' };
  if (tag === 'FORM' && (ascii(head, 8, 4) === 'AIFF' || ascii(head, 8, 4) === 'AIFC')) {
    return { format: null, other: 'AIFF' };
  }
  if (ascii(head, 4, 4) === 'ftyp') return { format: null, other: 'MP4/M4A' };
  if (tag === '\x1aE\xdf\xa3') return { format: null, other: 'WebM/Matroska' };
  const id3 = id3v2Size(head);
  if (id3 > 0) {
    // ID3 is used by MP3 mostly, but FLAC files sometimes carry one too.
    if (ascii(head, id3, 4) === 'fLaC') return { format: 'flac' };
    if (id3 >= head.length) return { format: 'mp3' };
    return firstMpegFrame(head, id3, 4096) ? { format: 'mp3' } : { format: null };
  }
  // Bare MPEG audio must start with a frame (tiny leading junk tolerated).
  return firstMpegFrame(head, 0, 512) ? { format: 'mp3' } : { format: null };
}

export interface CompressedProbe {
  sampleRate: number;
  channels: number;
  /** Estimated duration in seconds, or null when the header does not say. */
  duration: number | null;
  /** For OGG: which codec the first logical stream carries. */
  codec?: OggCodec;
  /** For FLAC: bits per sample of the integer source. */
  bitsPerSample?: number;
}

/** FLAC STREAMINFO: exact total samples when the encoder wrote them (0 = unknown). */
function probeFlac(head: Uint8Array): CompressedProbe | null {
  const at = id3v2Size(head);
  const si = at + 8; // "fLaC" + metadata block header
  if (si + 18 > head.length || ascii(head, at, 4) !== 'fLaC') return null;
  const b = (i: number) => head[si + i]!;
  const sampleRate = (b(10) << 12) | (b(11) << 4) | (b(12) >> 4);
  const channels = ((b(12) >> 1) & 7) + 1;
  const bitsPerSample = (((b(12) & 1) << 4) | (b(13) >> 4)) + 1;
  const total = (b(13) & 0x0f) * 2 ** 32 + ((b(14) << 24) >>> 0) + (b(15) << 16) + (b(16) << 8) + b(17);
  return {
    sampleRate,
    channels,
    bitsPerSample,
    duration: total > 0 && sampleRate > 0 ? total / sampleRate : null,
  };
}

/** OGG: codec and rate from the identification header, length from the last page's granule. */
function probeOgg(head: Uint8Array, tail: Uint8Array): CompressedProbe | null {
  if (head.length < 28 + 19) return null;
  const segs = head[26]!;
  const p = 27 + segs;
  let codec: OggCodec = 'unknown';
  let sampleRate = 0;
  let channels = 0;
  let preSkip = 0;
  if (ascii(head, p, 7) === '\x01vorbis') {
    codec = 'vorbis';
    channels = head[p + 11]!;
    sampleRate = new DataView(head.buffer, head.byteOffset).getUint32(p + 12, true);
  } else if (ascii(head, p, 8) === 'OpusHead') {
    codec = 'opus';
    channels = head[p + 9]!;
    preSkip = head[p + 10]! | (head[p + 11]! << 8);
    sampleRate = 48000; // Opus granule positions always count 48 kHz samples.
  } else if (ascii(head, p, 5) === '\x7fFLAC') {
    codec = 'flac';
  }
  let duration: number | null = null;
  for (let i = tail.length - 27; i >= 0 && sampleRate > 0; i--) {
    if (tail[i] === 0x4f && ascii(tail, i, 4) === 'OggS') {
      const dv = new DataView(tail.buffer, tail.byteOffset + i + 6, 8);
      const granule = dv.getUint32(0, true) + dv.getUint32(4, true) * 2 ** 32;
      if (granule > 0 && granule < 2 ** 52) duration = Math.max(0, granule - preSkip) / sampleRate;
      break;
    }
  }
  return { sampleRate, channels, duration, codec };
}

/** MP3: Xing/Info or VBRI frame count when present, otherwise a CBR estimate from the file size. */
function probeMp3(head: Uint8Array, fileSize: number): CompressedProbe | null {
  const start = id3v2Size(head);
  const first = firstMpegFrame(head, start, 4096);
  if (!first) return null;
  const { at, frame } = first;
  const dv = new DataView(head.buffer, head.byteOffset);
  const sideInfo = frame.version === 1 ? (frame.channels === 1 ? 17 : 32) : frame.channels === 1 ? 9 : 17;
  const xing = at + 4 + sideInfo;
  let frames: number | null = null;
  const tag = ascii(head, xing, 4);
  if ((tag === 'Xing' || tag === 'Info') && xing + 12 <= head.length && (head[xing + 7]! & 1) !== 0) {
    frames = dv.getUint32(xing + 8, false);
  } else if (ascii(head, at + 36, 4) === 'VBRI' && at + 36 + 18 <= head.length) {
    frames = dv.getUint32(at + 36 + 14, false);
  }
  const duration =
    frames !== null
      ? (frames * frame.samplesPerFrame) / frame.sampleRate
      : ((fileSize - at) * 8) / frame.bitrate;
  return { sampleRate: frame.sampleRate, channels: frame.channels, duration };
}

export function probeCompressed(
  format: Exclude<AudioFormat, 'wav'>,
  head: Uint8Array,
  tail: Uint8Array,
  fileSize: number,
): CompressedProbe | null {
  switch (format) {
    case 'flac':
      return probeFlac(head);
    case 'ogg':
      return probeOgg(head, tail);
    case 'mp3':
      return probeMp3(head, fileSize);
  }
}
