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

/**
 * Decode chunk by chunk. `onProgress(frames, rate)` sees the running length after each chunk and
 * may throw to stop (a length limit), so a file never decodes further than the limit allows.
 */
export async function decodeCompressed(
  chunks: AsyncIterable<Uint8Array>,
  format: 'mp3' | 'flac' | 'ogg',
  oggCodec: OggCodec | undefined,
  name: string,
  flacBits?: number,
  onProgress?: (frames: number, rate: number) => void,
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
    const parts: Pcm[] = [];
    let frames = 0;
    let rate = 0;
    const add = (p: Pcm) => {
      if (!p.channelData[0]?.length) return;
      parts.push(p);
      frames += p.channelData[0].length;
      rate = p.sampleRate || rate;
      onProgress?.(frames, rate);
    };
    try {
      for await (const chunk of chunks) add(await dec(chunk));
      add(await dec());
    } catch (err) {
      dec.free();
      throw err;
    }
    pcm = concat(parts, rate);
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

/** Join the decoded pieces into one buffer per channel. */
function concat(parts: Pcm[], sampleRate: number): Pcm {
  if (parts.length === 1) return parts[0]!;
  const channels = Math.max(0, ...parts.map((p) => p.channelData.length));
  const frames = parts.reduce((n, p) => n + (p.channelData[0]?.length ?? 0), 0);
  const channelData = Array.from({ length: channels }, () => new Float32Array(frames));
  let at = 0;
  for (const p of parts) {
    const n = p.channelData[0]?.length ?? 0;
    for (let c = 0; c < channels; c++)
      channelData[c]!.set((p.channelData[c] ?? p.channelData[0]!).subarray(0, n), at);
    at += n;
  }
  return { channelData, sampleRate };
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
