/**
 * CREMA-D (Cao et al. 2014): ActorID_Sentence_Emotion_Level.wav, e.g. 1001_DFA_ANG_XX.wav; the
 * speaker is the first field (actors 1001-1091), the emotion one of six three-letter codes.
 */
import { DATASET_FORMATS } from '../../../shared/dataset.js';
import type { Emotion } from '../../../shared/emotions.js';
import { notInScheme, stem, unknownCode, type FileAdapter } from './types.js';

const { title, example } = DATASET_FORMATS['crema-d'];
const NAME = /^(\d{4})_([A-Z]{3})_([A-Z]{3})_([A-Z]{1,2})$/i;
const CODES: Record<string, Emotion> = {
  ANG: 'angry',
  DIS: 'disgust',
  FEA: 'fearful',
  HAP: 'happy',
  NEU: 'neutral',
  SAD: 'sad',
};

export const cremaD: FileAdapter = {
  format: 'crema-d',
  recognises: (f) => NAME.test(stem(f.rel)),
  label(f) {
    const m = NAME.exec(stem(f.rel));
    if (!m) return notInScheme(title, example);
    const code = m[3]!.toUpperCase();
    const label = CODES[code];
    if (!label) return unknownCode(title, code, Object.keys(CODES).join(' '));
    return { ok: true, source: code, label, speaker: m[1]! };
  },
};
