/**
 * Groups of clips holding the same recording. Byte equality is not enough: RAVDESS's two
 * identical Actor_07 takes differ in every sample after SoX's dither. Only files of equal size
 * can match; within a size, envelopes pick candidates and waveform correlation confirms them.
 */
import { decodeFile } from '../audio/decode.js';

/** Two clips correlating above this are the same recording (dither or re-encoding aside). */
const DUPLICATE_R = 0.99;
const ENVELOPE = 64;

interface Sized {
  rel: string;
  abs: string;
  size: number;
}

/** Locale-independent order, so lists and fingerprints are the same on every machine. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Normalised correlation of two equal-length signals (1 = same waveform up to gain). */
function correlation(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : aa === bb ? 1 : 0;
}

/** Unit-norm RMS envelope over ENVELOPE segments: a cheap first test before full correlation. */
function envelope(x: Float32Array): Float64Array {
  const e = new Float64Array(ENVELOPE);
  const seg = x.length / ENVELOPE;
  let norm = 0;
  for (let k = 0; k < ENVELOPE; k++) {
    let sum = 0;
    const end = Math.floor((k + 1) * seg);
    for (let i = Math.floor(k * seg); i < end; i++) sum += x[i]! * x[i]!;
    e[k] = Math.sqrt(sum);
    norm += sum;
  }
  if (norm > 0) for (let k = 0; k < ENVELOPE; k++) e[k]! /= Math.sqrt(norm);
  return e;
}

export async function findDuplicates(items: readonly Sized[]): Promise<string[][]> {
  const bySize = new Map<number, Sized[]>();
  for (const it of items) bySize.set(it.size, [...(bySize.get(it.size) ?? []), it]);
  const groups: string[][] = [];
  for (const same of bySize.values()) {
    if (same.length < 2) continue;
    const decoded = await Promise.all(
      same.map((it) =>
        decodeFile(it.abs).then(
          (d) => d.samples,
          () => null,
        ),
      ),
    );
    const env = decoded.map((x) => (x ? envelope(x) : null));
    const taken = new Set<number>();
    for (let i = 0; i < same.length; i++) {
      const a = decoded[i];
      const ea = env[i];
      if (!a || !ea || taken.has(i)) continue;
      const group = [same[i]!.rel];
      for (let j = i + 1; j < same.length; j++) {
        const b = decoded[j];
        const eb = env[j];
        if (!b || !eb || taken.has(j) || b.length !== a.length) continue;
        let dot = 0;
        for (let k = 0; k < ENVELOPE; k++) dot += ea[k]! * eb[k]!;
        if (dot > DUPLICATE_R && correlation(a, b) > DUPLICATE_R) {
          group.push(same[j]!.rel);
          taken.add(j);
        }
      }
      if (group.length > 1) groups.push(group.sort());
    }
  }
  return groups.sort((a, b) => byCodePoint(a[0]!, b[0]!));
}
