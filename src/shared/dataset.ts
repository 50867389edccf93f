/** Datasets as scanned from a folder: a corpus's naming scheme, one folder per label, or a manifest. */

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

/**
 * The dataset formats the scanner reads, one adapter each (src/main/dataset/adapters), in the
 * order detection tries the naming schemes. `title` and `example` are for people.
 */
export const DATASET_FORMATS = {
  ravdess: { title: 'RAVDESS', example: '03-01-05-01-02-01-12.wav' },
  'crema-d': { title: 'CREMA-D', example: '1001_DFA_ANG_XX.wav' },
  tess: { title: 'TESS', example: 'OAF_back_angry.wav' },
  savee: { title: 'SAVEE', example: 'DC_a01.wav or DC/a01.wav' },
  emodb: { title: 'EmoDB', example: '03a01Wa.wav' },
  folders: { title: 'one folder per emotion', example: 'angry/x.wav' },
  manifest: { title: 'CSV/TSV manifest', example: 'path,emotion,speaker[,corpus]' },
} as const;

export type DatasetFormat = keyof typeof DATASET_FORMATS;
export const DATASET_FORMAT_IDS = Object.keys(DATASET_FORMATS) as [DatasetFormat, ...DatasetFormat[]];

export interface DatasetItem {
  /** Absolute path. */
  path: string;
  /** The emotion (src/shared/emotions.ts), or a folder's or manifest's own label outside it. */
  label: string;
  /**
   * The corpus the clip comes from (a folder's name, or a manifest's corpus column). Absent in
   * items recorded before corpora existed: one corpus.
   */
  corpus?: string;
  /**
   * Speaker id ("01".."24" for RAVDESS; the parent folder name or null for generic layouts). When
   * a scan holds several corpora, prefixed with the corpus ("crema-d/1001"), so two corpora's
   * speaker 03 stay two speakers.
   */
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
  | 'not-audio'
  | 'unreadable'
  | 'hidden'
  | 'unparseable-name'
  | 'no-label-folder'
  | 'label-filtered'
  /** The name parses but its emotion code maps onto no emotion (the adapter dropped it). */
  | 'unknown-label'
  /** A manifest row that cannot be used (missing field, file not found, outside the allowed folders). */
  | 'bad-row';

export interface SkippedFile {
  path: string;
  kind: SkipKind;
  /** One line for a user, e.g. `not a WAV/MP3/FLAC/OGG file`. */
  reason: string;
}

/** Which format a folder was read as, and why (detected from its files, or given with --format). */
export interface FormatDetection {
  format: DatasetFormat;
  /** One line, e.g. "1180 of 1200 audio files have CREMA-D names (1001_DFA_ANG_XX.wav)". */
  reason: string;
  /** True when the caller chose the format (`--format`) instead of detection. */
  given: boolean;
}

/** How one corpus label became an emotion (label null: dropped, its clips skipped as unknown-label). */
export interface LabelMapping {
  /** The corpus's own label: 'ANG', 'W', 'ps', a folder name. */
  source: string;
  label: string | null;
  clips: number;
}

/** One corpus of a scan: where it is, how it was read, and what it holds. */
export interface CorpusScan {
  name: string;
  root: string;
  detection: FormatDetection;
  /** Clips kept per label (after the labels filter). */
  countsByLabel: Record<string, number>;
  /** Every label seen and what it became, in the corpus's order of first appearance. */
  labelMap: LabelMapping[];
  speakers: number;
}

export interface DatasetScan {
  root: string;
  /** One entry per corpus (one for a single folder; a manifest's corpus column may make more). */
  corpora: CorpusScan[];
  /** Labels present, in a stable order: the `labels` filter's order, else the emotion vocabulary's. */
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
