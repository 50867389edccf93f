/**
 * The dataset browser and map: what the engine reports about each clip (length, level, pooled
 * features), and the projections that place clips on a 2-D map. PCA through ml-pca and UMAP
 * through umap-js (both MIT, maintained, plain JS: they run in the renderer and in tests).
 *
 * A mislabelled clip shows as a point of one colour among another's; `neighbourDisagreement`
 * puts a number on it (the share of a clip's nearest neighbours, in feature space, that carry
 * another label), and `groupIsolation` does the same for a speaker who stands apart.
 */
import { PCA } from 'ml-pca';
import { UMAP } from 'umap-js';
import type { SerErrorData } from './errors.js';

/** One clip as the dataset browser shows it. */
export type ClipInfo =
  | {
      path: string;
      ok: true;
      /** Seconds. */
      duration: number;
      /** RMS level over the whole clip, dBFS. */
      rmsDbfs: number;
      peakDbfs: number;
      /** Mean and standard deviation of every feature column (the default features), or null if not asked. */
      pooled: number[] | null;
    }
  | { path: string; ok: false; error: SerErrorData };

/** Clips per dataset.clips call: small enough to show progress, large enough to amortise the workers. */
export const CLIP_INFO_BATCH = 150;

/** Components kept by the PCA that the neighbour search and UMAP start from. */
const PCA_DIMS = 20;
/** Neighbours used by the disagreement and isolation scores. */
export const MAP_NEIGHBOURS = 10;
/** Share of neighbours with another label above which a clip is flagged as possibly mislabelled. */
export const SUSPECT_DISAGREEMENT = 0.8;

export type Point = [number, number];

/** Columns scaled to zero mean and unit variance (constant columns become 0). */
export function standardise(rows: readonly ArrayLike<number>[]): number[][] {
  const n = rows.length;
  const w = rows[0]?.length ?? 0;
  const mean = new Float64Array(w);
  const sd = new Float64Array(w);
  for (const r of rows) for (let j = 0; j < w; j++) mean[j]! += r[j]! / n;
  for (const r of rows) for (let j = 0; j < w; j++) sd[j]! += (r[j]! - mean[j]!) ** 2 / n;
  for (let j = 0; j < w; j++) sd[j] = Math.sqrt(sd[j]!);
  return rows.map((r) =>
    Array.from({ length: w }, (_, j) => (sd[j]! > 1e-12 ? (r[j]! - mean[j]!) / sd[j]! : 0)),
  );
}

/** Standardised rows projected on their first `dims` principal components. */
export function pcaScores(rows: readonly ArrayLike<number>[], dims: number): number[][] {
  const z = standardise(rows);
  const k = Math.max(1, Math.min(dims, z.length - 1, z[0]?.length ?? 1));
  const pca = new PCA(z, { center: true, scale: false });
  return pca.predict(z, { nComponents: k }).to2DArray();
}

/** The first two principal components of the standardised features. */
export function projectPca(rows: readonly ArrayLike<number>[]): Point[] {
  return pcaScores(rows, 2).map((r) => [r[0] ?? 0, r[1] ?? 0]);
}

/** Deterministic random numbers for UMAP (mulberry32), so a map looks the same every time. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface UmapOptions {
  seed?: number;
  /** Optimisation epochs (umap-js picks 500 for small sets; 200 is enough for a stable picture). */
  epochs?: number;
  /** Called every few epochs with the layout so far; return false to stop early. */
  onEpoch?: (epoch: number, total: number) => boolean | void;
}

/** UMAP of the first PCA_DIMS principal components (the usual PCA-then-UMAP recipe). */
export async function projectUmap(
  rows: readonly ArrayLike<number>[],
  opts: UmapOptions = {},
): Promise<Point[]> {
  const x = pcaScores(rows, PCA_DIMS);
  if (x.length < 4) return x.map((r) => [r[0] ?? 0, r[1] ?? 0]);
  const epochs = opts.epochs ?? 200;
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: Math.min(15, x.length - 1),
    minDist: 0.1,
    nEpochs: epochs,
    random: seeded(opts.seed ?? 13),
  });
  await umap.fitAsync(x, (epoch) => {
    const go = opts.onEpoch?.(epoch, epochs);
    return go !== false;
  });
  return umap.getEmbedding().map((r) => [r[0] ?? 0, r[1] ?? 0]);
}

/** Indices of the k nearest rows to each row (Euclidean, itself excluded). */
export function nearestNeighbours(x: readonly number[][], k: number): number[][] {
  const n = x.length;
  const d = new Float64Array(n);
  return x.map((a, i) => {
    for (let j = 0; j < n; j++) {
      let s = 0;
      const b = x[j]!;
      for (let c = 0; c < a.length; c++) s += (a[c]! - b[c]!) ** 2;
      d[j] = j === i ? Infinity : s;
    }
    const idx = Array.from({ length: n }, (_, j) => j);
    idx.sort((p, q) => d[p]! - d[q]!);
    return idx.slice(0, Math.min(k, n - 1));
  });
}

/** For each clip, the share of its nearest neighbours (PCA space) whose key differs from its own. */
export function neighbourDisagreement(
  rows: readonly ArrayLike<number>[],
  keys: readonly (string | null)[],
  k = MAP_NEIGHBOURS,
): number[] {
  const nn = nearestNeighbours(pcaScores(rows, PCA_DIMS), k);
  return nn.map((js, i) => (js.length ? js.filter((j) => keys[j] !== keys[i]).length / js.length : 0));
}

/**
 * For each group (speaker), the share of its clips' nearest neighbours that belong to the group
 * itself: near its share of the data for a speaker who mixes with the others, near 1 for one who
 * stands apart (another microphone, room or corpus).
 */
export function groupIsolation(
  rows: readonly ArrayLike<number>[],
  groups: readonly (string | null)[],
  k = MAP_NEIGHBOURS,
): Record<string, number> {
  const dis = neighbourDisagreement(rows, groups, k);
  const sum: Record<string, { s: number; n: number }> = {};
  groups.forEach((g, i) => {
    const key = g ?? '(none)';
    sum[key] ??= { s: 0, n: 0 };
    sum[key].s += 1 - dis[i]!;
    sum[key].n += 1;
  });
  return Object.fromEntries(Object.entries(sum).map(([g, { s, n }]) => [g, s / n]));
}
