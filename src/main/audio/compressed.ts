/**
 * MP3, FLAC and OGG (Vorbis, Opus) through audio-decode's per-codec WASM decoders
 * (mpg123, libFLAC, libvorbis, libopus builds from wasm-audio-decoders). We pick the codec
 * ourselves from the magic bytes and call the codec's decoder directly.
 */
import decode from 'audio-decode';
import { SerError } from '../../shared/errors.js';
import type { OggCodec } from './sniff.js';

export interface Pcm {
  channelData: Float32Array[];
  sampleRate: number;
}

type Codec = 'mp3' | 'flac' | 'oga' | 'opus';

export async function decodeCompressed(
  bytes: Uint8Array,
  format: 'mp3' | 'flac' | 'ogg',
  oggCodec: OggCodec | undefined,
  name: string,
  flacBits?: number,
): Promise<Pcm> {
  let codec: Codec;
  if (format === 'ogg') {
    if (oggCodec === 'opus') codec = 'opus';
    else if (oggCodec === 'vorbis') codec = 'oga';
    else {
      const what = oggCodec === 'flac' ? 'FLAC in OGG' : 'unknown OGG codec';
      throw new SerError('UnsupportedFormat', `unsupported OGG content (${what}): ${name}`, name);
    }
  } else {
    codec = format;
  }
  let pcm: Pcm;
  try {
    const dec = await decode[codec]();
    try {
      const a = await dec(bytes);
      const b = await dec();
      pcm = merge(a, b);
    } catch (err) {
      dec.free();
      throw err;
    }
  } catch (err) {
    if (err instanceof SerError) throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw new SerError('DecodeError', `cannot decode ${format.toUpperCase()} (${why}): ${name}`, name);
  }
  if (codec === 'flac' && flacBits) requantize(pcm.channelData, flacBits);
  return pcm;
}

/**
 * The FLAC decoder scales integers by 1 / (2^(b-1) - 1); libsndfile (and so librosa) uses
 * 1 / 2^(b-1). Recover the exact integer and rescale, so FLAC decodes to the same values as
 * the WAV it was made from.
 */
function requantize(channels: Float32Array[], bits: number): void {
  if (bits < 4 || bits > 24) return;
  const full = 2 ** (bits - 1);
  const up = full - 1;
  for (const ch of channels) {
    for (let i = 0; i < ch.length; i++) ch[i] = Math.round(ch[i]! * up) / full;
  }
}

function merge(a: Pcm, b: Pcm): Pcm {
  if (!b.channelData.length || !b.channelData[0]?.length) return a;
  if (!a.channelData.length || !a.channelData[0]?.length) return b;
  return {
    sampleRate: a.sampleRate || b.sampleRate,
    channelData: a.channelData.map((ch, i) => {
      const tail = b.channelData[i] ?? new Float32Array(0);
      const out = new Float32Array(ch.length + tail.length);
      out.set(ch, 0);
      out.set(tail, ch.length);
      return out;
    }),
  };
}

/** Average channels (librosa.to_mono). */
export function mixToMono(channels: Float32Array[]): Float32Array {
  const first = channels[0];
  if (!first) return new Float32Array(0);
  if (channels.length === 1) return first;
  const n = Math.min(...channels.map((c) => c.length));
  const out = new Float32Array(n);
  const inv = 1 / channels.length;
  for (const ch of channels) for (let i = 0; i < n; i++) out[i]! += ch[i]!;
  for (let i = 0; i < n; i++) out[i]! *= inv;
  return out;
}
