/** Classification items as the Classify view keeps them, and their CSV export. */
import type { SerErrorData } from '../../../shared/errors.js';
import type { Prediction } from '../../../shared/training.js';
import { toCsv } from './download.js';

export interface ClassifyItem {
  id: number;
  name: string;
  bytes: Uint8Array<ArrayBuffer>;
  status: 'pending' | 'done' | 'error';
  prediction?: Prediction;
  error?: SerErrorData | string;
  /** Labels of the model that classified it, in the model's order. */
  labels?: string[];
  /** The model that classified it (id, and its name when it classified). */
  model?: string;
  modelName?: string;
  /** The emotion the file name encodes (RAVDESS names), else null. */
  truth?: string | null;
}

export function confidence(p: Prediction): number {
  return p.probabilities[p.label] ?? 0;
}

/** One row per file: prediction, confidence, one probability column per label, or the error. */
export function resultsCsv(items: ClassifyItem[], labels: string[]): string {
  const header = [
    'file',
    'status',
    'prediction',
    'true_label',
    'confidence',
    'duration_s',
    ...labels.map((l) => `p_${l}`),
    'model',
    'error',
  ];
  const rows = items.map((it) => {
    const p = it.prediction;
    const err =
      it.error === undefined
        ? ''
        : typeof it.error === 'string'
          ? it.error
          : `${it.error.code}: ${it.error.message}`;
    return [
      it.name,
      it.status === 'done' ? 'ok' : it.status,
      p?.label ?? '',
      it.truth ?? '',
      p ? confidence(p).toFixed(4) : '',
      p ? p.duration.toFixed(3) : '',
      ...labels.map((l) =>
        p && p.probabilities[l] !== undefined ? (p.probabilities[l] ?? 0).toFixed(4) : '',
      ),
      it.modelName ?? it.model ?? '',
      err,
    ];
  });
  return toCsv(header, rows);
}
