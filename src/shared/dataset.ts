/** Datasets as scanned from a folder: RAVDESS names or one folder per label. */

/** The six emotions of the seed, in the order the seed used. */
export const SEED_EMOTIONS = ['calm', 'happy', 'fearful', 'disgust', 'angry', 'sad'] as const;

/** RAVDESS emotion codes (third field of the file name). */
export const RAVDESS_EMOTIONS: Record<string, string> = {
  '01': 'neutral',
  '02': 'calm',
  '03': 'happy',
  '04': 'sad',
  '05': 'angry',
  '06': 'fearful',
  '07': 'disgust',
  '08': 'surprised',
};

export interface DatasetItem {
  /** Absolute path. */
  path: string;
  label: string;
  /** Speaker id ("01".."24" for RAVDESS; the parent folder name or null for generic layouts). */
  speaker: string | null;
  /** RAVDESS metadata when the name parses. */
  ravdess?: {
    modality: string;
    channel: string;
    emotion: string;
    intensity: string;
    statement: string;
    repetition: string;
    actor: string;
  };
}

/** Why a file under the dataset folder was left out. */
export type SkipKind =
  'not-audio' | 'unreadable' | 'hidden' | 'unparseable-name' | 'no-label-folder' | 'label-filtered';

export interface SkippedFile {
  path: string;
  kind: SkipKind;
  /** One line for a user, e.g. `not a WAV/MP3/FLAC/OGG file`. */
  reason: string;
}

export interface DatasetScan {
  root: string;
  layout: 'ravdess' | 'folders';
  /** Labels present, in a stable order: the `labels` filter's order, RAVDESS code order, or sorted. */
  labels: string[];
  items: DatasetItem[];
  /** Every file left out, with why (items + skipped = every file under root). */
  skipped: SkippedFile[];
  skippedByKind: Partial<Record<SkipKind, number>>;
  countsByLabel: Record<string, number>;
  countsBySpeaker: Record<string, number>;
  /** Balanced class weights: n / (k * count), as sklearn's compute_class_weight('balanced'). */
  classWeights: Record<string, number>;
  /** sha256 over sorted relative paths, sizes and labels: identifies the dataset in a run. */
  fingerprint: string;
  /** Non-fatal observations (very few clips for a label, imbalance, identical files, labels not found, ...). */
  warnings: string[];
}
