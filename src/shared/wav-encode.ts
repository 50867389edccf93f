/** 16-bit PCM mono WAV writer: previews, augmented clips, test fixtures and microphone recordings. */

/**
 * Encode mono samples as a 16-bit PCM WAV. Values are clipped to [-1, 1) and rounded to the
 * nearest step, so a decode returns round(x * 32768) / 32768 (exact for 16-bit sources).
 */
export function encodeWav(samples: Float32Array, sampleRate: number): Uint8Array<ArrayBuffer> {
  if (!(Number.isInteger(sampleRate) && sampleRate > 0)) {
    throw new RangeError(`sample rate must be a positive integer (got ${sampleRate})`);
  }
  const dataBytes = samples.length * 2;
  const out = new Uint8Array(44 + dataBytes);
  const v = new DataView(out.buffer);
  const tag = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) v.setUint8(at + i, s.charCodeAt(i));
  };
  tag(0, 'RIFF');
  v.setUint32(4, 36 + dataBytes, true);
  tag(8, 'WAVE');
  tag(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true); // PCM
  v.setUint16(22, 1, true); // mono
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  tag(36, 'data');
  v.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.round((samples[i] ?? 0) * 32768);
    v.setInt16(44 + i * 2, s > 32767 ? 32767 : s < -32768 ? -32768 : s, true);
  }
  return out;
}
