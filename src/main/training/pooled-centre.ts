/**
 * Speaker centring of pooled statistics (TrainConfig.pooledCentring, per-speaker models only):
 * after each speaker's frames are standardised by that speaker's statistics, the clip's pooled
 * vector (means, spreads, percentiles, frame-to-frame change of every column) also has the
 * speaker's average pooled vector subtracted. Frame standardisation alone leaves speaker habits
 * in the pooled values it does not reach (how much a voice varies within a clip, how fast it
 * moves); centring removes them, so the model learns how a clip differs from its speaker's usual
 * delivery (speaker-level normalisation of utterance functionals, as in the SER literature). Mean
 * only: dividing by the speakers' spread too did as well with all of a speaker's clips and worse
 * with eight (docs/BENCHMARKS.md, "Unheard speakers", fifth round). A clip alone is centred by the
 * typical speaker's centre (the mean of the training speakers'), as its frames are.
 */
import { PoolingKindSchema } from '../../shared/train-schema.js';
import type { PoolingKind } from '../../shared/training.js';
import { poolMatrix, type Poolable } from '../features/matrix.js';
import { groupBySpeaker } from './normalise.js';

/** A speaker's (or the typical speaker's) average pooled vector, per pooling kind. */
export type PooledCentres = Partial<Record<PoolingKind, number[]>>;

/** Every pooling kind, as the schema lists them: a calibration serves whichever a model uses. */
const POOLING_KINDS: readonly PoolingKind[] = PoolingKindSchema.options;

/** Mean pooled vector of `mats` (already standardised by their speaker's frame statistics), per kind. */
export function pooledCentres(mats: readonly Poolable[]): PooledCentres {
  const out: PooledCentres = {};
  for (const kind of POOLING_KINDS) {
    let sum: Float64Array | null = null;
    for (const m of mats) {
      const v = poolMatrix(m, kind);
      sum ??= new Float64Array(v.length);
      for (let c = 0; c < v.length; c++) sum[c]! += v[c]!;
    }
    if (sum) out[kind] = Array.from(sum, (s) => s / mats.length);
  }
  return out;
}

/** Each speaker's centres over its clips (`speakers[i]` of `mats[i]`; null speakers share ''). */
export function speakerCentres(
  mats: readonly Poolable[],
  speakers: readonly (string | null | undefined)[],
): Map<string, PooledCentres> {
  return new Map([...groupBySpeaker(mats, speakers)].map(([s, list]) => [s, pooledCentres(list)]));
}

/** The typical speaker's centres: the mean of the speakers' (each speaker counts once). */
export function typicalCentres(centres: readonly PooledCentres[]): PooledCentres {
  const out: PooledCentres = {};
  for (const kind of POOLING_KINDS) {
    const rows = centres.map((c) => c[kind]).filter((r): r is number[] => r !== undefined);
    if (rows.length === 0) continue;
    const mean = new Array<number>(rows[0]!.length).fill(0);
    for (const r of rows) for (let c = 0; c < r.length; c++) mean[c]! += r[c]! / rows.length;
    out[kind] = mean;
  }
  return out;
}

/** `v` minus `centre` (in place; `v` unchanged without a centre). */
export function centred(v: Float32Array, centre: readonly number[] | null | undefined): Float32Array {
  if (!centre) return v;
  if (centre.length !== v.length) {
    throw new Error(`pooled centre is ${centre.length} wide but the pooled vector ${v.length}`);
  }
  for (let c = 0; c < v.length; c++) v[c]! -= centre[c]!;
  return v;
}
