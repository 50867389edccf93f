/**
 * One folder per emotion: the label is the parent folder (DIR/angry/x.wav), mapped onto the
 * vocabulary when it names an emotion ('Anger' -> 'angry') and kept as it is otherwise (a
 * user's own classes); the speaker is the folder above when that is obviously a speaker
 * (DIR/Actor_03/angry/x.wav).
 */
import { toEmotion } from '../../../shared/emotions.js';
import type { FileAdapter } from './types.js';

/** Folder names that are obviously a speaker: Actor_01, speaker3, spk-12, p225, s01, 1001. */
const SPEAKER_DIR = /^(?:(?:actor|speaker|spk|subject|talker|s|p|sp)[ _-]?\d+|\d+)$/i;

export const folders: FileAdapter = {
  format: 'folders',
  /** Detection counts files under a folder that names an emotion. */
  recognises(f) {
    const parts = f.rel.split('/');
    return parts.length >= 2 && toEmotion(parts[parts.length - 2]!) !== null;
  },
  label(f) {
    const parts = f.rel.split('/');
    if (parts.length < 2) return { ok: false, kind: 'no-label-folder', reason: 'not inside a label folder' };
    const source = parts[parts.length - 2]!.trim();
    const label = toEmotion(source) ?? source.toLowerCase();
    const above = parts.length >= 3 ? parts[parts.length - 3]! : null;
    return { ok: true, source, label, speaker: above && SPEAKER_DIR.test(above) ? above : null };
  },
};
