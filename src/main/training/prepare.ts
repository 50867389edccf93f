/**
 * Training inputs from a scanned dataset: content hashes (to find identical audio), features of
 * every original clip (worker pool, cached), and augmented copies of the clips that are trained
 * on (seeded per clip, cached under a key that includes the augmentation settings).
 */
import { readFile } from 'node:fs/promises';
import { SerError } from '../../shared/errors.js';
import type { DatasetItem } from '../../shared/dataset.js';
import type { FeatureConfig, FeatureMatrix } from '../../shared/features.js';
import type { AugmentConfig } from '../../shared/training.js';
import { decodeFile } from '../audio/decode.js';
import { augmentClip } from '../audio/augment.js';
import { cacheKey, contentHash, readCached, writeCached } from '../features/cache.js';
import { extractFeatures } from '../features/extract.js';
import { extractMany, isExtractError } from '../features/worker-pool.js';
import { makeRng, subSeed } from '../util/rng.js';

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

/**
 * Augmented copies of the clips at `indices`: decode, augment (rng seeded from the run seed and
 * the clip's content, copy by copy), extract. Returns matrices per index (empty for others).
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
    onProgress?: (done: number, total: number) => void;
  },
): Promise<Map<number, FeatureMatrix[]>> {
  const copies = augmentCopies(augment);
  const out = new Map<number, FeatureMatrix[]>();
  if (copies === 0) return out;
  const recipe = JSON.stringify({ augment, seed });
  let done = 0;
  for (const i of indices) {
    if (opts.signal?.aborted) throw new SerError('Cancelled', 'training cancelled');
    const clipSeed = subSeed(seed, hashSeed(hashes[i]!));
    const keys = opts.cacheDir
      ? Array.from({ length: copies }, (_, c) =>
          cacheKey(contentHash(Buffer.from(`${hashes[i]}:${recipe}:${c}`)), features),
        )
      : null;
    let mats: FeatureMatrix[] = [];
    if (keys && opts.cacheDir) {
      for (const key of keys) {
        const m = readCached(opts.cacheDir, key, features);
        if (!m) break;
        mats.push(m);
      }
    }
    if (mats.length < copies) {
      // augmentClip draws every copy from one generator, so a partial cache hit recomputes them all.
      const { samples } = await decodeFile(items[i]!.path, { targetRate: features.sampleRate });
      const clips = augmentClip(samples, features.sampleRate, augment, makeRng(clipSeed));
      mats = clips.map((a) => extractFeatures(a.samples, features));
      if (keys && opts.cacheDir) mats.forEach((m, c) => writeCached(opts.cacheDir!, keys[c]!, m));
    }
    out.set(i, mats);
    done++;
    opts.onProgress?.(done, indices.length);
    // Let a cancel message through between clips.
    if (done % 8 === 0) await new Promise<void>((r) => setImmediate(r));
  }
  return out;
}
