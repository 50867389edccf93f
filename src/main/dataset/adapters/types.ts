/**
 * What a dataset adapter is: a corpus's naming scheme read file by file. Each adapter says
 * whether a file's name is in its scheme (detection counts these) and labels a file: its corpus
 * label ('ANG'), the emotion it maps onto ('angry') and its speaker, or why it is left out.
 */
import type { DatasetFormat, DatasetItem, SkipKind } from '../../../shared/dataset.js';

/** An audio file found under the dataset folder. */
export interface FoundFile {
  /** Path relative to the dataset folder, with forward slashes. */
  rel: string;
  abs: string;
  size: number;
}

export type Labelling =
  | {
      ok: true;
      /** The corpus's own label, as the name or folder spells it. */
      source: string;
      /** An emotion of the vocabulary (src/shared/emotions.ts), or a folder's own label. */
      label: string;
      speaker: string | null;
      ravdess?: DatasetItem['ravdess'];
    }
  /** Left out; `source` when the name parsed but its label maps onto no emotion. */
  | { ok: false; kind: SkipKind; reason: string; source?: string };

export interface FileAdapter {
  format: Exclude<DatasetFormat, 'manifest'>;
  /** True when the file's name (or path) is in this adapter's scheme. */
  recognises(f: FoundFile): boolean;
  label(f: FoundFile): Labelling;
}

/** The file name of a path relative to the dataset folder. */
export function fileName(rel: string): string {
  return rel.slice(rel.lastIndexOf('/') + 1);
}

/** The name without its extension ('1001_DFA_ANG_XX.wav' -> '1001_DFA_ANG_XX'). */
export function stem(rel: string): string {
  const name = fileName(rel);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** The skip for a file whose name is not in the scheme. */
export function notInScheme(title: string, example: string): Labelling {
  return { ok: false, kind: 'unparseable-name', reason: `name is not a ${title} name (${example})` };
}

/** The skip for a parsed name whose emotion code maps onto no emotion. */
export function unknownCode(title: string, code: string, known: string): Labelling {
  return {
    ok: false,
    kind: 'unknown-label',
    source: code,
    reason: `${title} emotion '${code}' maps onto no emotion (known: ${known})`,
  };
}
