/**
 * TESS (Toronto emotional speech set): Speaker_word_emotion.wav, e.g. OAF_back_angry.wav; two
 * speakers (OAF, YAF), seven emotions, 'ps' being pleasant surprise. The release's folders
 * (OAF_angry/...) carry nothing the names lack.
 */
import { DATASET_FORMATS } from '../../../shared/dataset.js';
import type { Emotion } from '../../../shared/emotions.js';
import { notInScheme, stem, unknownCode, type FileAdapter } from './types.js';

const { title, example } = DATASET_FORMATS.tess;
const NAME = /^([A-Z]{3})_([A-Za-z]+)_([A-Za-z]+)$/i;
const WORDS: Record<string, Emotion> = {
  angry: 'angry',
  disgust: 'disgust',
  fear: 'fearful',
  happy: 'happy',
  neutral: 'neutral',
  ps: 'surprised',
  sad: 'sad',
};

export const tess: FileAdapter = {
  format: 'tess',
  // The shape alone is common (a_b_c.wav); detection also wants one of TESS's words.
  recognises: (f) => (NAME.exec(stem(f.rel))?.[3]?.toLowerCase() ?? '') in WORDS,
  label(f) {
    const m = NAME.exec(stem(f.rel));
    if (!m) return notInScheme(title, example);
    const word = m[3]!.toLowerCase();
    const label = WORDS[word];
    if (!label) return unknownCode(title, word, Object.keys(WORDS).join(' '));
    return { ok: true, source: word, label, speaker: m[1]!.toUpperCase() };
  },
};
