/** RAVDESS: MM-VV-EE-II-SS-RR-AA.wav, emotion from the third field, speaker the actor (last field). */
import { DATASET_FORMATS } from '../../../shared/dataset.js';
import { parseRavdessName, ravdessEmotion } from '../../../shared/ravdess.js';
import { fileName, notInScheme, type FileAdapter } from './types.js';

const { title } = DATASET_FORMATS.ravdess;

export const ravdess: FileAdapter = {
  format: 'ravdess',
  recognises: (f) => parseRavdessName(fileName(f.rel)) !== null,
  label(f) {
    const r = parseRavdessName(fileName(f.rel));
    if (!r) return notInScheme(title, 'MM-VV-EE-II-SS-RR-AA');
    return { ok: true, source: r.emotion, label: ravdessEmotion(r.emotion), speaker: r.actor, ravdess: r };
  },
};
