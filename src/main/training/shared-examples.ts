/**
 * Training examples in shared memory, for the replicas of a data-parallel model
 * (data-parallel.ts): the leader builds its example set on a SharedArrayBuffer and hands the
 * same memory to its replica workers, which rebuild the identical ExampleSet from it (no copy per
 * worker: a CNN-LSTM's normalised frames with augmented copies are hundreds of megabytes).
 */
import type { FeatureMatrix } from '../../shared/features.js';
import type { MaskConfig } from '../../shared/training.js';
import { sequenceSet, vectorSet, type ExampleSet, type SequenceSource } from './examples.js';
import { applyNormalization, type Normalization } from './normalise.js';

/** An example set as plain data (structured-clone friendly; `values` on a SharedArrayBuffer). */
export type SharedExamples =
  | { kind: 'vectors'; values: Float32Array; labels: Int32Array; width: number }
  | {
      kind: 'sequences';
      values: Float32Array;
      /** [offset in values, frames] of each example. */
      spots: Array<[number, number]>;
      labels: Int32Array;
      frames: number;
      width: number;
      randomCrop: boolean;
      mask: MaskConfig | null;
    };

/** Pooled vectors (already normalised), copied into one shared buffer. */
export function shareVectors(
  vectors: readonly Float32Array[],
  labels: Int32Array,
  width: number,
): SharedExamples {
  const values = new Float32Array(new SharedArrayBuffer(vectors.length * width * 4));
  vectors.forEach((v, i) => values.set(v, i * width));
  return { kind: 'vectors', values, labels, width };
}

/** Feature matrices normalised straight into one shared buffer (one copy, not two). */
export function shareSequences(
  matrices: readonly FeatureMatrix[],
  norm: Normalization,
  labels: Int32Array,
  frames: number,
  width: number,
  opts: { randomCrop: boolean; mask: MaskConfig | null },
): SharedExamples {
  const total = matrices.reduce((n, m) => n + m.data.length, 0);
  const values = new Float32Array(new SharedArrayBuffer(total * 4));
  const spots: Array<[number, number]> = [];
  let at = 0;
  for (const m of matrices) {
    applyNormalization(m.data, norm, values.subarray(at, at + m.data.length));
    spots.push([at, m.frames]);
    at += m.data.length;
  }
  return { kind: 'sequences', values, spots, labels, frames, width, ...opts };
}

/** The ExampleSet over shared examples (the same in every thread that holds them). */
export function sharedExampleSet(s: SharedExamples): ExampleSet {
  if (s.kind === 'vectors') {
    const vectors = Array.from({ length: s.labels.length }, (_, i) =>
      s.values.subarray(i * s.width, (i + 1) * s.width),
    );
    return vectorSet(vectors, s.labels, s.width);
  }
  const sources: SequenceSource[] = s.spots.map(([offset, frames]) => ({
    data: s.values.subarray(offset, offset + frames * s.width),
    frames,
  }));
  return sequenceSet(sources, s.labels, s.frames, s.width, { randomCrop: s.randomCrop, mask: s.mask });
}
