/**
 * SAVEE (Surrey audio-visual expressed emotion): four speakers (DC, JE, JK, KL), seven emotions
 * coded a, d, f, h, n, sa, su before a take number. The release files them under speaker folders
 * (AudioData/DC/a01.wav); copies are often flattened with the speaker as a prefix (DC_a01.wav).
 */
import { DATASET_FORMATS } from '../../../shared/dataset.js';
import { toEmotion, type Emotion } from '../../../shared/emotions.js';
import { notInScheme, stem, unknownCode, type FileAdapter, type FoundFile } from './types.js';

const { title, example } = DATASET_FORMATS.savee;
/** Prefixed (DC_a01) or bare (a01, speaker from the folder). */
const PREFIXED = /^([A-Z]{2})_([a-z]{1,2})(\d{2})$/i;
const BARE = /^([a-z]{1,2})(\d{2})$/;
const CODES: Record<string, Emotion> = {
  a: 'angry',
  d: 'disgust',
  f: 'fearful',
  h: 'happy',
  n: 'neutral',
  sa: 'sad',
  su: 'surprised',
};

/** Speaker and emotion code of a SAVEE name, or null. */
function parse(f: FoundFile): { speaker: string; code: string } | null {
  const name = stem(f.rel);
  const p = PREFIXED.exec(name);
  if (p) return { speaker: p[1]!.toUpperCase(), code: p[2]!.toLowerCase() };
  const b = BARE.exec(name);
  const parts = f.rel.split('/');
  const folder = parts.length >= 2 ? parts[parts.length - 2]! : null;
  // A bare name needs a speaker folder; under an emotion folder it belongs to that layout.
  if (!b || !folder || toEmotion(folder)) return null;
  return { speaker: folder, code: b[1]! };
}

export const savee: FileAdapter = {
  format: 'savee',
  recognises: (f) => parse(f) !== null,
  label(f) {
    const p = parse(f);
    if (!p) return notInScheme(title, example);
    const label = CODES[p.code];
    if (!label) return unknownCode(title, p.code, Object.keys(CODES).join(' '));
    return { ok: true, source: p.code, label, speaker: p.speaker };
  },
};
