/**
 * EmoDB (Berlin database of emotional speech, Burkhardt et al. 2005): 03a01Wa.wav = speaker 03,
 * text a01, emotion letter (German initial), version a. Letters: W Wut (angry), L Langeweile
 * (boredom), E Ekel (disgust), A Angst (fearful), F Freude (happy), T Trauer (sad), N neutral.
 */
import { DATASET_FORMATS } from '../../../shared/dataset.js';
import type { Emotion } from '../../../shared/emotions.js';
import { notInScheme, stem, unknownCode, type FileAdapter } from './types.js';

const { title, example } = DATASET_FORMATS.emodb;
const NAME = /^(\d{2})([ab]\d{2})([A-Z])([a-z])$/;
const LETTERS: Record<string, Emotion> = {
  W: 'angry',
  L: 'boredom',
  E: 'disgust',
  A: 'fearful',
  F: 'happy',
  T: 'sad',
  N: 'neutral',
};

export const emodb: FileAdapter = {
  format: 'emodb',
  recognises: (f) => NAME.test(stem(f.rel)),
  label(f) {
    const m = NAME.exec(stem(f.rel));
    if (!m) return notInScheme(title, example);
    const letter = m[3]!;
    const label = LETTERS[letter];
    if (!label) return unknownCode(title, letter, Object.keys(LETTERS).join(' '));
    return { ok: true, source: letter, label, speaker: m[1]! };
  },
};
