/**
 * The dataset adapters, one per format, and how a folder's format is detected: a naming scheme
 * when most audio files carry its names (tried in DATASET_FORMATS order), else one folder per
 * emotion. Manifests are found before any walk (src/main/dataset/adapters/manifest.ts).
 */
import { DATASET_FORMATS, type DatasetFormat, type FormatDetection } from '../../../shared/dataset.js';
import { cremaD } from './crema-d.js';
import { emodb } from './emodb.js';
import { folders } from './folders.js';
import { ravdess } from './ravdess.js';
import { savee } from './savee.js';
import { tess } from './tess.js';
import type { FileAdapter, FoundFile } from './types.js';

/** The naming schemes, in detection order; one folder per emotion is the fallback. */
export const NAME_ADAPTERS: readonly FileAdapter[] = [ravdess, cremaD, tess, savee, emodb];

export const FILE_ADAPTERS: Record<Exclude<DatasetFormat, 'manifest'>, FileAdapter> = {
  ravdess,
  'crema-d': cremaD,
  tess,
  savee,
  emodb,
  folders,
};

const titled = (format: DatasetFormat) =>
  `${DATASET_FORMATS[format].title} names (${DATASET_FORMATS[format].example})`;

/** The format of a folder's audio files, with the counts that decided it. */
export function detectFormat(files: readonly FoundFile[]): FormatDetection {
  const n = files.length;
  let best: { adapter: FileAdapter; count: number } | null = null;
  for (const adapter of NAME_ADAPTERS) {
    const count = files.filter((f) => adapter.recognises(f)).length;
    if (count > (best?.count ?? 0)) best = { adapter, count };
  }
  if (best && best.count * 2 > n) {
    return {
      format: best.adapter.format,
      reason: `${best.count} of ${n} audio files have ${titled(best.adapter.format)}`,
      given: false,
    };
  }
  const inEmotionFolders = files.filter((f) => folders.recognises(f)).length;
  const closest = best
    ? `; closest naming scheme: ${DATASET_FORMATS[best.adapter.format].title}, ${best.count} of ${n}`
    : '';
  return {
    format: 'folders',
    reason:
      inEmotionFolders > 0
        ? `${inEmotionFolders} of ${n} audio files are in folders named for an emotion${closest}`
        : `no naming scheme fits most of the ${n} audio files${closest}: labels from folder names`,
    given: false,
  };
}
