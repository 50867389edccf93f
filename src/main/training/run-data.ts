/**
 * Data preparation of a training run: the clips chosen, their identity for the run record, the
 * split (or folds), features of every clip, augmented copies of the training clips, and the
 * per-speaker normalisation when asked for. Reports progress as TrainEvents; knows nothing of
 * models or the store.
 */
import { basename } from 'node:path';
import type { DatasetItem, DatasetScan } from '../../shared/dataset.js';
import { SerError } from '../../shared/errors.js';
import type { FeatureMatrix } from '../../shared/features.js';
import type { DatasetFingerprint } from '../../shared/runs.js';
import type { TrainConfig, TrainEvent } from '../../shared/training.js';
import type { FoldData } from './fold.js';
import { applyNormalization, preNormalizeClips, type Normalization } from './normalise.js';
import { augmentCopies, augmentItems, extractOriginals, hashItems } from './prepare.js';
import { kfoldSpeakerSplits, randomSplit, speakerSplit, type Fold, type SplitItem } from './splits.js';

export const RANDOM_SPLIT_WARNING =
  'random split: test clips come from speakers the model also trained on, so the accuracy measures voices it has ' +
  'heard; use --split actors or --split kfold for speakers it has never heard';

/** Identity of the dataset as recorded in the run, over the clips actually used. */
/** Why clips were skipped, by error code, for the summary line. */
const SKIP_WHY: Record<string, string> = {
  Duplicate: 'duplicated under another speaker',
  NoSpeech: 'with no speech',
  DecodeError: 'unreadable or corrupt',
  UnsupportedFormat: 'in an unsupported format',
  EmptyAudio: 'empty',
  FileTooLarge: 'too long',
  NotFound: 'gone',
};

/** Copies of one recording filed under a second (third...) speaker, with the copy that is kept. */
export function crossSpeakerCopies(
  items: readonly DatasetItem[],
  groups: readonly (number | undefined)[],
): { index: number; keptSpeaker: string; keptPath: string }[] {
  const first = new Map<number, number>();
  const out: { index: number; keptSpeaker: string; keptPath: string }[] = [];
  items.forEach((it, i) => {
    const g = groups[i];
    if (g === undefined) return;
    const k = first.get(g);
    if (k === undefined) first.set(g, i);
    else if (items[k]!.speaker !== it.speaker) {
      out.push({ index: i, keptSpeaker: items[k]!.speaker ?? '(none)', keptPath: items[k]!.path });
    }
  });
  return out;
}

export function fingerprint(scan: DatasetScan, items: DatasetItem[]): DatasetFingerprint {
  const countsByLabel: Record<string, number> = {};
  const countsBySpeaker: Record<string, number> = {};
  for (const it of items) {
    countsByLabel[it.label] = (countsByLabel[it.label] ?? 0) + 1;
    const s = it.speaker ?? '(none)';
    countsBySpeaker[s] = (countsBySpeaker[s] ?? 0) + 1;
  }
  return { root: scan.root, hash: scan.fingerprint, countsByLabel, countsBySpeaker };
}

/** The clips of the chosen labels; a chosen label without clips is an error naming it. */
export function selectItems(scan: DatasetScan, labels: string[]): DatasetItem[] {
  const wanted = new Set(labels);
  const items = scan.items.filter((it) => wanted.has(it.label));
  const missing = labels.filter((l) => !items.some((it) => it.label === l));
  if (missing.length) {
    const have = Object.keys(scan.countsByLabel).sort().join(', ') || 'none';
    throw new SerError(
      'DatasetError',
      `no clips labelled ${missing.join(', ')} in ${scan.root} (labels found: ${have})`,
      scan.root,
    );
  }
  return items;
}

/** The run's splits: one for `random` and `actors`, one per fold for `kfold-actors`. */
export function makeFolds(config: TrainConfig, items: SplitItem[]): Fold[] {
  const s = config.split;
  if (s.kind === 'random') {
    return [{ fold: 0, testSpeakers: [], split: randomSplit(items, s, config.seed) }];
  }
  if (s.kind === 'actors') {
    if (s.testActors.length === 0) {
      // Final fit: every clip trains (validation from valFraction of the speakers, if any).
      const all = items.map((_, i) => i);
      const split =
        s.valFraction > 0
          ? (() => {
              const r = randomSplit(items, { testFraction: 0, valFraction: s.valFraction }, config.seed);
              return { train: r.train, val: r.val, test: [] };
            })()
          : { train: all, val: [], test: [] };
      return [{ fold: 0, testSpeakers: [], split }];
    }
    const split = speakerSplit(items, s.testActors, s.valFraction, config.seed);
    return [{ fold: 0, testSpeakers: split.speakers?.test ?? s.testActors, split }];
  }
  return kfoldSpeakerSplits(items, s.folds, s.valFraction, config.seed);
}

/** Everything the member loop trains on. */
export interface RunData {
  /** The clips with usable audio (in scan order). */
  items: DatasetItem[];
  /** The clips left out and why. */
  skipped: { path: string; reason: string }[];
  /** Decode warnings of clips that were used. */
  warnings: string[];
  /** Label index of each item. */
  y: Int32Array;
  folds: Fold[];
  /** Features (normalised per speaker or utterance when asked) and augmented copies, shared by the folds. */
  data: FoldData;
  /** Per-speaker normalisation: a typical training speaker's statistics (for uncalibrated clips). */
  typical: Normalization | null;
  /**
   * Per-speaker normalisation on one split: its validation clips standardised with `typical`, as
   * inference treats a clip alone (in split.val order); null otherwise.
   */
  uncalibratedVal: FeatureMatrix[] | null;
}

export interface PrepareOptions {
  signal?: AbortSignal;
  cacheDir?: string | null;
  workers?: number;
}

/** Hash, extract, split, augment and (per speaker) normalise the chosen clips. */
export async function prepareRunData(
  scan: DatasetScan,
  allItems: DatasetItem[],
  cfg: TrainConfig,
  opts: PrepareOptions,
  emit: (e: TrainEvent) => void,
): Promise<RunData> {
  const { signal } = opts;
  if (cfg.split.kind === 'random') emit({ type: 'log', level: 'warn', message: RANDOM_SPLIT_WARNING });

  const hashed = await hashItems(allItems, signal);
  for (const d of hashed.duplicates) {
    emit({
      type: 'log',
      level: 'info',
      message: `identical audio in ${d.length} files, kept on one side of every split: ${d.map((p) => p.slice(scan.root.length + 1) || p).join(', ')}`,
    });
  }

  emit({ type: 'stage', stage: 'features', message: `extracting features of ${allItems.length} clips` });
  const orig = await extractOriginals(allItems, cfg.features, {
    signal,
    cacheDir: opts.cacheDir ?? null,
    workers: opts.workers,
    onProgress: (done, total) => emit({ type: 'progress', stage: 'features', done, total }),
  });
  // A split by speaker cannot keep one recording on one side when it is filed under two
  // speakers: keep the first speaker's copies, drop the others, and say so.
  if (cfg.split.kind !== 'random') {
    for (const d of crossSpeakerCopies(allItems, hashed.groups)) {
      if (orig.matrices[d.index] === null) continue;
      orig.matrices[d.index] = null;
      const path = allItems[d.index]!.path;
      orig.dropped.push({
        path,
        code: 'Duplicate',
        reason: `Duplicate: identical audio is also filed under speaker ${d.keptSpeaker} (${basename(d.keptPath)}), kept there: ${basename(path)}`,
      });
    }
  }
  if (orig.dropped.length) {
    const byCode = new Map<string, number>();
    for (const d of orig.dropped) byCode.set(d.code, (byCode.get(d.code) ?? 0) + 1);
    const why = [...byCode].map(([code, n]) => `${n} ${SKIP_WHY[code] ?? code}`).join(', ');
    emit({
      type: 'log',
      level: 'warn',
      message: `skipped ${orig.dropped.length} of ${allItems.length} clips: ${why}`,
    });
  }
  for (const d of orig.dropped.slice(0, 20))
    emit({ type: 'log', level: 'warn', message: `skipped ${d.reason}` });
  if (orig.dropped.length > 20)
    emit({ type: 'log', level: 'warn', message: `skipped ${orig.dropped.length - 20} more files` });
  for (const w of orig.warnings) emit({ type: 'log', level: 'warn', message: w });
  const keep = orig.matrices.map((m, i) => (m ? i : -1)).filter((i) => i >= 0);
  if (keep.length === 0) throw new SerError('DatasetError', `no usable audio in ${scan.root}`, scan.root);
  const items = keep.map((i) => allItems[i]!);
  const hashes = keep.map((i) => hashed.hashes[i]!);
  const matrices = keep.map((i) => orig.matrices[i]!);
  const y = Int32Array.from(items, (it) => cfg.labels.indexOf(it.label));
  const splitItems: SplitItem[] = items.map((it, j) => {
    const g = hashed.groups[keep[j]!];
    return g === undefined
      ? { label: it.label, speaker: it.speaker }
      : { label: it.label, speaker: it.speaker, group: g };
  });
  const folds = makeFolds(cfg, splitItems);
  for (const f of folds) {
    const s = f.split;
    const who = f.testSpeakers.length ? ` (test speakers ${f.testSpeakers.join(',')})` : '';
    emit({
      type: 'log',
      level: 'info',
      message: `${folds.length > 1 ? `fold ${f.fold + 1}: ` : ''}${s.train.length} train, ${s.val.length} validation, ${s.test.length} test clips${who}`,
    });
  }

  // Augment every clip that some fold trains on, once; folds share the copies.
  const trainClips = [...new Set(folds.flatMap((f) => f.split.train))].sort((a, b) => a - b);
  const copies = augmentCopies(cfg.augment);
  let augmented = new Map<number, FeatureMatrix[]>();
  if (copies > 0) {
    emit({
      type: 'stage',
      stage: 'augment',
      message: `augmenting ${trainClips.length} training clips x ${copies} (${cfg.augment.kinds.join(', ')})`,
    });
    augmented = await augmentItems(items, hashes, trainClips, cfg.augment, cfg.features, cfg.seed, {
      signal,
      cacheDir: opts.cacheDir ?? null,
      workers: opts.workers,
      onProgress: (done, total) => emit({ type: 'progress', stage: 'augment', done, total }),
    });
  }

  const pre = preNormalizeClips(
    cfg.normalization ?? 'global',
    matrices,
    augmented,
    items.map((it) => it.speaker),
    // A saved model's typical speaker comes from its training speakers only.
    new Set(folds[0]!.split.test),
  );
  if (pre.message) emit({ type: 'log', level: 'info', message: pre.message });

  return {
    items,
    skipped: orig.dropped.map(({ path, reason }) => ({ path, reason })),
    warnings: orig.warnings,
    y,
    folds,
    data: {
      matrices: pre.matrices,
      augmented: pre.augmented,
      y,
      width: pre.matrices[0]!.width,
      speakers: items.map((it) => it.speaker ?? null),
    },
    typical: pre.typical,
    // Per speaker, the validation clips as a single clip reaches inference (the typical speaker's
    // statistics, not their own), for the temperature fit.
    uncalibratedVal:
      pre.typical && folds.length === 1
        ? folds[0]!.split.val.map((i) => ({
            ...matrices[i]!,
            data: applyNormalization(matrices[i]!.data, pre.typical!),
          }))
        : null,
  };
}
