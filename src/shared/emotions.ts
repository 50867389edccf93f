/**
 * The one emotion vocabulary every corpus is mapped onto, so two corpora's clips of the same
 * emotion share a label (RAVDESS 'angry', CREMA-D 'ANG', EmoDB 'W' are all 'angry'). The order
 * is RAVDESS's code order with EmoDB's boredom last; scans and the UI list labels in it.
 *
 * Plain data only: the renderer bundles this file.
 */
export const EMOTIONS = [
  'neutral',
  'calm',
  'happy',
  'sad',
  'angry',
  'fearful',
  'disgust',
  'surprised',
  'boredom',
] as const;

export type Emotion = (typeof EMOTIONS)[number];

/**
 * Words a folder or a manifest may use for an emotion (lower case). Corpus codes (CREMA-D 'ANG',
 * EmoDB 'W', TESS 'ps') live with their adapters; these are the plain English forms.
 */
const WORDS: Record<string, Emotion> = {
  neutral: 'neutral',
  neu: 'neutral',
  calm: 'calm',
  happy: 'happy',
  happiness: 'happy',
  joy: 'happy',
  sad: 'sad',
  sadness: 'sad',
  angry: 'angry',
  anger: 'angry',
  ang: 'angry',
  fear: 'fearful',
  fearful: 'fearful',
  afraid: 'fearful',
  disgust: 'disgust',
  disgusted: 'disgust',
  surprise: 'surprised',
  surprised: 'surprised',
  bored: 'boredom',
  boredom: 'boredom',
};

/** The vocabulary's emotion a word names ('Anger' -> 'angry'), else null. */
export function toEmotion(word: string): Emotion | null {
  return WORDS[word.trim().toLowerCase()] ?? null;
}

/** Labels in the vocabulary's order, then any others (a folder's own labels) alphabetically. */
export function sortLabels(labels: Iterable<string>): string[] {
  const rank = (l: string) => {
    const i = (EMOTIONS as readonly string[]).indexOf(l);
    return i < 0 ? EMOTIONS.length : i;
  };
  return [...new Set(labels)].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}
