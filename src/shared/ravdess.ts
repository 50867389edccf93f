/**
 * RAVDESS file names: MM-VV-EE-II-SS-RR-AA.ext = modality, vocal channel, emotion, intensity,
 * statement, repetition, actor (Livingstone & Russo 2018). Shared: the scanner labels datasets with it, Classify shows a file's true emotion..
 */
import { RAVDESS_EMOTIONS, type DatasetItem } from './dataset.js';

export type RavdessFields = NonNullable<DatasetItem['ravdess']>;

const NAME = /^(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)\.[A-Za-z0-9]+$/;

/** Valid code ranges per field; a name outside them is not a RAVDESS name. */
const RANGES: [keyof RavdessFields, number, number][] = [
  ['modality', 1, 3],
  ['channel', 1, 2],
  ['emotion', 1, 8],
  ['intensity', 1, 2],
  ['statement', 1, 2],
  ['repetition', 1, 2],
  ['actor', 1, 99], // the release has 24 actors; other corpora reuse the scheme with more
];

export function parseRavdessName(fileName: string): RavdessFields | null {
  const m = NAME.exec(fileName);
  if (!m) return null;
  const fields = {} as RavdessFields;
  for (let i = 0; i < RANGES.length; i++) {
    const [key, lo, hi] = RANGES[i]!;
    const code = m[i + 1]!;
    const v = Number(code);
    if (v < lo || v > hi) return null;
    fields[key] = code;
  }
  return fields;
}

/** The emotion name of a RAVDESS emotion code ('03' -> 'happy'). */
export function ravdessEmotion(code: string): string {
  const name = RAVDESS_EMOTIONS[code];
  if (!name) throw new RangeError(`not a RAVDESS emotion code: ${code}`);
  return name;
}

/** RAVDESS emotion names in code order (neutral, calm, happy, sad, angry, fearful, disgust, surprised). */
export const RAVDESS_ORDER: readonly string[] = Object.keys(RAVDESS_EMOTIONS)
  .sort()
  .map((c) => RAVDESS_EMOTIONS[c]!);

/** The emotion a RAVDESS file name encodes ('03-01-05-01-02-01-12.wav' -> 'angry'), else null. */
export function ravdessLabel(fileName: string): string | null {
  const r = parseRavdessName(fileName.split(/[\\/]/).pop() ?? fileName);
  return r ? (RAVDESS_EMOTIONS[r.emotion] ?? null) : null;
}
