/**
 * The dataset browser and map: what the engine reports about each clip (length, level, pooled
 * features), and the projections that place clips on a 2-D map: PCA (below; checked against
 * ml-pca in the tests) and UMAP through umap-js (MIT, maintained, plain JS: it runs in the
 * renderer and in tests).
 *
 * A mislabelled clip shows as a point of one colour among another's; `neighbourDisagreement`
 * puts a number on it (the share of a clip's nearest neighbours, in feature space, that carry
 * another label), and `groupIsolation` does the same for a speaker who stands apart.
 */
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

/**
 * Standardised rows projected on their first `dims` principal components, by subspace iteration
 * on the p x p covariance (Q <- orthonormal(C Q), 40 rounds; the top 20 of 374 components
 * converge long before). ml-pca gives the same components (tests/unit/dataset-map.test.ts checks
 * it) but took 10 s for 1,200 clips x 374 values (its eigen-decomposition of the full covariance);
 * this takes a fraction of a second.
 */
export function pcaScores(rows: readonly ArrayLike<number>[], dims: number): number[][] {
  const z = standardise(rows);
  const n = z.length;
  const p = z[0]?.length ?? 0;
  const k = Math.max(1, Math.min(dims, n - 1, p));
  if (n === 0 || p === 0) return z.map(() => new Array<number>(k).fill(0));
  // Covariance (columns already centred by standardise).
  const cov = new Float64Array(p * p);
  for (const zr of z) {
    const r = Float64Array.from(zr);
    for (let i = 0; i < p; i++) {
      const ri = r[i]!;
      if (ri === 0) continue;
      const row = i * p;
      for (let j = i; j < p; j++) cov[row + j]! += ri * r[j]!;
    }
  }
  for (let i = 0; i < p; i++)
    for (let j = i; j < p; j++) cov[j * p + i] = cov[i * p + j]! /= Math.max(1, n - 1);
  // Start from a fixed pseudo-random basis so the map is the same every time.
  const rand = seeded(7);
  let q: Float64Array[] = Array.from({ length: k }, () =>
    Float64Array.from({ length: p }, () => rand() - 0.5),
  );
  orthonormalise(q);
  for (let round = 0; round < 40; round++) {
    q = q.map((v) => {
      const out = new Float64Array(p);
      for (let i = 0; i < p; i++) {
        let s = 0;
        const row = i * p;
        for (let j = 0; j < p; j++) s += cov[row + j]! * v[j]!;
        out[i] = s;
      }
      return out;
    });
    orthonormalise(q);
  }
  q = rayleighRitz(cov, q);
  return z.map((r) =>
    q.map((v) => {
      let s = 0;
      for (let j = 0; j < p; j++) s += r[j]! * v[j]!;
      return s;
    }),
  );
}

/**
 * Rotate an orthonormal basis Q of an invariant subspace of C into C's eigenvectors, largest
 * eigenvalue first: the eigenvectors of the small matrix Q^T C Q (Jacobi rotations).
 */
function rayleighRitz(cov: Float64Array, q: Float64Array[]): Float64Array[] {
  const k = q.length;
  const p = q[0]?.length ?? 0;
  const cq = q.map((v) => {
    const out = new Float64Array(p);
    for (let i = 0; i < p; i++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += cov[i * p + j]! * v[j]!;
      out[i] = s;
    }
    return out;
  });
  const h = Array.from({ length: k }, (_, a) =>
    Array.from({ length: k }, (_, b) => q[a]!.reduce((s, x, j) => s + x * cq[b]![j]!, 0)),
  );
  const vecs: number[][] = Array.from({ length: k }, (_, a) =>
    Array.from({ length: k }, (_, b) => (a === b ? 1 : 0)),
  );
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++) off += h[a]![b]! ** 2;
    if (off < 1e-18) break;
    for (let a = 0; a < k; a++) {
      for (let b = a + 1; b < k; b++) {
        const hab = h[a]![b]!;
        if (Math.abs(hab) < 1e-300) continue;
        const theta = (h[b]![b]! - h[a]![a]!) / (2 * hab);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let m = 0; m < k; m++) {
          const x = h[m]![a]!;
          const y = h[m]![b]!;
          h[m]![a] = c * x - sn * y;
          h[m]![b] = sn * x + c * y;
        }
        for (let m = 0; m < k; m++) {
          const x = h[a]![m]!;
          const y = h[b]![m]!;
          h[a]![m] = c * x - sn * y;
          h[b]![m] = sn * x + c * y;
        }
        for (let m = 0; m < k; m++) {
          const x = vecs[m]![a]!;
          const y = vecs[m]![b]!;
          vecs[m]![a] = c * x - sn * y;
          vecs[m]![b] = sn * x + c * y;
        }
      }
    }
  }
  const order = Array.from({ length: k }, (_, a) => a).sort((a, b) => h[b]![b]! - h[a]![a]!);
  return order.map((col) => {
    const out = new Float64Array(p);
    for (let m = 0; m < k; m++) {
      const w = vecs[m]![col]!;
      for (let j = 0; j < p; j++) out[j]! += w * q[m]![j]!;
    }
    return out;
  });
}

/** Gram-Schmidt in place; the order of the vectors is kept (largest component first). */
function orthonormalise(q: Float64Array[]): void {
  for (let a = 0; a < q.length; a++) {
    const v = q[a]!;
    for (let b = 0; b < a; b++) {
      const u = q[b]!;
      let d = 0;
      for (let j = 0; j < v.length; j++) d += v[j]! * u[j]!;
      for (let j = 0; j < v.length; j++) v[j]! -= d * u[j]!;
    }
    let norm = 0;
    for (let j = 0; j < v.length; j++) norm += v[j]! * v[j]!;
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < v.length; j++) v[j]! /= norm;
  }
}

/** What the map draws from: the clips' first MAP_DIMS principal components and their neighbours. */
export interface MapBasis {
  /** [clip][component], MAP_DIMS components (fewer for tiny sets). */
  scores: number[][];
  /** The MAP_NEIGHBOURS nearest clips of each clip in that space. */
  neighbours: number[][];
}

export function mapBasis(rows: readonly ArrayLike<number>[], k = MAP_NEIGHBOURS): MapBasis {
  const scores = pcaScores(rows, PCA_DIMS);
  return { scores, neighbours: nearestNeighbours(scores, k) };
}

/** The first two principal components (the PCA map). */
export function projectPca(basis: MapBasis): Point[] {
  return basis.scores.map((r) => [r[0] ?? 0, r[1] ?? 0]);
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
export async function projectUmap(basis: MapBasis, opts: UmapOptions = {}): Promise<Point[]> {
  const x = basis.scores;
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

/** Indices of the k nearest rows to each row (Euclidean, itself excluded), nearest first. */
export function nearestNeighbours(x: readonly number[][], k: number): number[][] {
  const n = x.length;
  const kk = Math.min(k, n - 1);
  return x.map((a, i) => {
    // Keep the k best in a small sorted list: O(n k) a row instead of sorting all n.
    const best: number[] = [];
    const dist: number[] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const b = x[j]!;
      let s = 0;
      for (let c = 0; c < a.length; c++) s += (a[c]! - b[c]!) ** 2;
      if (best.length < kk) {
        best.push(j);
        dist.push(s);
      } else if (s < dist[kk - 1]!) {
        best[kk - 1] = j;
        dist[kk - 1] = s;
      } else continue;
      for (let at = best.length - 1; at > 0 && dist[at - 1]! > dist[at]!; at--) {
        [best[at - 1], best[at]] = [best[at]!, best[at - 1]!];
        [dist[at - 1], dist[at]] = [dist[at]!, dist[at - 1]!];
      }
    }
    return best;
  });
}

/** For each clip, the share of its nearest neighbours whose key (label) differs from its own. */
export function neighbourDisagreement(basis: MapBasis, keys: readonly (string | null)[]): number[] {
  return basis.neighbours.map((js, i) =>
    js.length ? js.filter((j) => keys[j] !== keys[i]).length / js.length : 0,
  );
}

/**
 * For each group (speaker), the share of its clips' nearest neighbours that belong to the group
 * itself: near its share of the data for a speaker who mixes with the others, near 1 for one who
 * stands apart (another microphone, room or corpus).
 */
export function groupIsolation(basis: MapBasis, groups: readonly (string | null)[]): Record<string, number> {
  const dis = neighbourDisagreement(basis, groups);
  const sum: Record<string, { s: number; n: number }> = {};
  groups.forEach((g, i) => {
    const key = g ?? '(none)';
    sum[key] ??= { s: 0, n: 0 };
    sum[key].s += 1 - dis[i]!;
    sum[key].n += 1;
  });
  return Object.fromEntries(Object.entries(sum).map(([g, { s, n }]) => [g, s / n]));
}
