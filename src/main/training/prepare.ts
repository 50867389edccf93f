/**
 * Training inputs from a scanned dataset: content hashes (to find identical audio), features of
 * every original clip (worker pool, cached), and augmented copies of the clips that are trained
 * on (seeded per clip, cached under a key that includes the augmentation settings).
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { SerError } from '../../shared/errors.js';
import type { DatasetItem } from '../../shared/dataset.js';
import { featureColumns, type FeatureConfig, type FeatureMatrix } from '../../shared/features.js';
import type { AugmentConfig } from '../../shared/training.js';
import { decodeFile } from '../audio/decode.js';
import { AUGMENT_VERSION, augmentClip } from '../audio/augment.js';
import { cacheKey, contentHash, readCached, writeCached } from '../features/cache.js';
import { extractFeatures } from '../features/extract.js';
import { extractMany, isExtractError } from '../features/worker-pool.js';
import { makeRng, subSeed } from '../util/rng.js';
import { runTasks } from '../util/task-pool.js';

export interface HashedItems {
  /** sha256 of each file's bytes. */
  hashes: string[];
  /** Group id for files whose audio has a twin (same bytes), undefined otherwise. */
  groups: (number | undefined)[];
  /** Sets of paths with identical bytes. */
  duplicates: string[][];
}

/** Hash every file; files with the same bytes get one group id so splits keep them together. */
export async function hashItems(items: readonly DatasetItem[], signal?: AbortSignal): Promise<HashedItems> {
  const hashes: string[] = [];
  for (const it of items) {
    if (signal?.aborted) throw new SerError('Cancelled', 'training cancelled');
    try {
      hashes.push(contentHash(await readFile(it.path)));
    } catch {
      // Unreadable files fail again, with a proper reason, in feature extraction.
      hashes.push(`unreadable:${it.path}`);
    }
  }
  const byHash = new Map<string, number[]>();
  hashes.forEach((h, i) => byHash.set(h, [...(byHash.get(h) ?? []), i]));
  const groups = new Array<number | undefined>(items.length).fill(undefined);
  const duplicates: string[][] = [];
  let g = 0;
  for (const idx of byHash.values()) {
    if (idx.length < 2) continue;
    for (const i of idx) groups[i] = g;
    duplicates.push(idx.map((i) => items[i]!.path));
    g++;
  }
  return { hashes, groups, duplicates };
}

export interface OriginalFeatures {
  /** Per item: its matrix, or null when the file could not be used. */
  matrices: (FeatureMatrix | null)[];
  dropped: { path: string; reason: string; code: string }[];
  /** Decode warnings of clips that were used (e.g. truncated files). */
  warnings: string[];
}

export async function extractOriginals(
  items: readonly DatasetItem[],
  cfg: FeatureConfig,
  opts: {
    signal?: AbortSignal;
    cacheDir?: string | null;
    workers?: number;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<OriginalFeatures> {
  const warnings: string[] = [];
  const results = await extractMany(
    items.map((it) => it.path),
    cfg,
    {
      signal: opts.signal,
      cacheDir: opts.cacheDir ?? null,
      workers: opts.workers,
      onProgress: (done, total, file) => {
        if (file.warnings) warnings.push(...file.warnings);
        opts.onProgress?.(done, total);
      },
    },
  );
  const dropped: OriginalFeatures['dropped'] = [];
  const matrices = results.map((r, i) => {
    if (isExtractError(r)) {
      dropped.push({ path: items[i]!.path, reason: `${r.code}: ${r.message}`, code: r.code });
      return null;
    }
    return r;
  });
  return { matrices, dropped, warnings };
}

/** Copies actually made per clip: none without kinds. */
export function augmentCopies(cfg: AugmentConfig): number {
  return cfg.kinds.length > 0 ? Math.max(0, Math.floor(cfg.copiesPerClip)) : 0;
}

/** A number from the first 8 hex digits of a content hash, so a clip's seed survives renames. */
function hashSeed(hash: string): number {
  const n = Number.parseInt(hash.slice(0, 8), 16);
  return Number.isFinite(n) ? n : 0;
}

/** One clip for the augmentation workers (augment-worker.ts). */
export interface AugmentTask {
  path: string;
  clipSeed: number;
}
export interface AugmentInit {
  augment: AugmentConfig;
  features: FeatureConfig;
}
/** The copies' feature values and frame counts (columns and config are the run's). */
export interface AugmentResult {
  copies: Array<{ frames: number; width: number; data: Float32Array }>;
}

/** Decode, augment (every copy from one generator seeded `clipSeed`) and extract one clip. */
export async function augmentOne(task: AugmentTask, init: AugmentInit): Promise<FeatureMatrix[]> {
  const { samples } = await decodeFile(task.path, { targetRate: init.features.sampleRate });
  const clips = augmentClip(samples, init.features.sampleRate, init.augment, makeRng(task.clipSeed));
  return clips.map((a) => extractFeatures(a.samples, init.features));
}

const AUGMENT_WORKER_URL = new URL('./augment-worker.ts', import.meta.url);

/**
 * Augmented copies of the clips at `indices`: decode, augment (rng seeded from the run seed and
 * the clip's content, copy by copy), extract. Returns matrices per index (empty for others).
 * Cached copies are read here; the rest are made in `workers` worker threads (default one per
 * core; 1: in this thread), with the same seeds, so the same copies either way.
 */
export async function augmentItems(
  items: readonly DatasetItem[],
  hashes: readonly string[],
  indices: readonly number[],
  augment: AugmentConfig,
  features: FeatureConfig,
  seed: number,
  opts: {
    signal?: AbortSignal;
    cacheDir?: string | null;
    workers?: number;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<Map<number, FeatureMatrix[]>> {
  const copies = augmentCopies(augment);
  const out = new Map<number, FeatureMatrix[]>();
  if (copies === 0) return out;
  // The algorithm's version too: copies cached before a change to augmentation are not reused.
  const recipe = JSON.stringify({ augment, seed, version: AUGMENT_VERSION });
  const keysOf = (i: number) =>
    Array.from({ length: copies }, (_, c) =>
      cacheKey(contentHash(Buffer.from(`${hashes[i]}:${recipe}:${c}`)), features),
    );
  let done = 0;
  const finished = (i: number, mats: FeatureMatrix[]) => {
    out.set(i, mats);
    opts.onProgress?.(++done, indices.length);
  };
  const missing: number[] = [];
  for (const i of indices) {
    if (opts.signal?.aborted) throw new SerError('Cancelled', 'training cancelled');
    const mats: FeatureMatrix[] = [];
    if (opts.cacheDir) {
      for (const key of keysOf(i)) {
        const m = readCached(opts.cacheDir, key, features);
        if (!m) break;
        mats.push(m);
      }
    }
    // augmentClip draws every copy from one generator, so a partial cache hit recomputes them all.
    if (mats.length < copies) missing.push(i);
    else finished(i, mats);
  }
  const store = (i: number, mats: FeatureMatrix[]) => {
    if (opts.cacheDir) keysOf(i).forEach((key, c) => writeCached(opts.cacheDir!, key, mats[c]!));
    finished(i, mats);
  };
  const tasks = missing.map((i) => ({ path: items[i]!.path, clipSeed: subSeed(seed, hashSeed(hashes[i]!)) }));
  const init: AugmentInit = { augment, features };
  const workers = Math.min(opts.workers ?? availableParallelism(), tasks.length);
  if (workers <= 1) {
    for (const [j, t] of tasks.entries()) {
      if (opts.signal?.aborted) throw new SerError('Cancelled', 'training cancelled');
      store(missing[j]!, await augmentOne(t, init));
      // Let a cancel message through between clips.
      if (j % 8 === 7) await new Promise<void>((r) => setImmediate(r));
    }
    return out;
  }
  const columns = featureColumns(features);
  await runTasks<AugmentTask, AugmentResult>(AUGMENT_WORKER_URL, tasks, {
    workers,
    init: init as unknown as Record<string, unknown>,
    signal: opts.signal,
    cancelMessage: 'training cancelled',
    onResult: (j, r) =>
      store(
        missing[j]!,
        r.copies.map((m) => ({ ...m, columns, config: features })),
      ),
  });
  return out;
}
