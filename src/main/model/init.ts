/**
 * Seeded weight initialisation computed in plain JS, so a seed gives bit-identical starting
 * weights on every backend (tfjs's Orthogonal initializer runs a QR on the backend and
 * warns on matrices over 2000 elements; ours is a small Gram-Schmidt).
 */
import { makeRng } from '../util/rng.js';
import { tf } from './tf.js';

type Initializer = ReturnType<typeof tf.initializers.zeros>;

function normals(n: number, rand: () => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rand();
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** Glorot (Xavier) uniform: U(-l, l), l = sqrt(6 / (fanIn + fanOut)), fans as in Keras. */
export function glorotUniform(shape: number[], seed: number): Float32Array {
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const fanIn = (shape.length >= 2 ? shape[shape.length - 2]! : shape[0]!) * receptive;
  const fanOut = shape[shape.length - 1]! * receptive;
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const rand = makeRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * rand() - 1) * limit;
  return out;
}

/** [rows, cols] with orthonormal rows (rows <= cols) or columns, as Keras' Orthogonal. */
export function orthogonal(rows: number, cols: number, seed: number): Float32Array {
  // Orthonormalise the `small` vectors of length `long`, then lay them out as rows or columns.
  const small = Math.min(rows, cols);
  const long = Math.max(rows, cols);
  const v = normals(small * long, makeRng(seed));
  for (let i = 0; i < small; i++) {
    const vi = v.subarray(i * long, (i + 1) * long);
    for (let j = 0; j < i; j++) {
      const vj = v.subarray(j * long, (j + 1) * long);
      let dot = 0;
      for (let t = 0; t < long; t++) dot += vi[t]! * vj[t]!;
      for (let t = 0; t < long; t++) vi[t]! -= dot * vj[t]!;
    }
    let norm = 0;
    for (let t = 0; t < long; t++) norm += vi[t]! * vi[t]!;
    norm = Math.sqrt(norm) || 1;
    for (let t = 0; t < long; t++) vi[t]! /= norm;
  }
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < small; i++) {
    for (let t = 0; t < long; t++) {
      if (rows <= cols) out[i * cols + t] = v[i * long + t]!;
      else out[t * cols + i] = v[i * long + t]!;
    }
  }
  return out;
}

/** An initializer (duck-typed for Layer.addWeight) that fills from a JS generator. */
export function fromValues(make: (shape: number[]) => Float32Array): Initializer {
  return {
    apply: (shape: number[]) => tf.tensor(make(shape), shape, 'float32'),
    getConfig: () => ({}),
  } as unknown as Initializer;
}
