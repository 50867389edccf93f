/**
 * The pieces of data-parallel training that need no worker: how a batch is split between
 * replicas, dropout masks per replica (the rows one thread would draw), the exchange's
 * collectives (two ranks in this one thread), and how many replicas a run gets by default.
 */
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/main/model/backend.js';
import { SerDropout } from '../../src/main/model/layers.js';
import { tf, type Tensor } from '../../src/main/model/tf.js';
import {
  DATA_PARALLEL_BY_DEFAULT,
  dataParallelReplicas,
  type ReplicaChoice,
} from '../../src/main/training/data-parallel.js';
import { normalisedSequence, sequenceSet } from '../../src/main/training/examples.js';
import { replicaRows } from '../../src/main/training/loop.js';
import { createExchangeBuffers, ReplicaExchange } from '../../src/main/training/replica-exchange.js';
import { shareSequences, shareVectors, sharedExampleSet } from '../../src/main/training/shared-examples.js';
import { makeRng } from '../../src/main/util/rng.js';
import { DEFAULT_FEATURE_CONFIG } from '../../src/shared/features.js';

describe('replicaRows', () => {
  it('splits a batch into contiguous, nearly equal parts that cover it once', () => {
    expect([0, 1].map((r) => replicaRows(32, r, 2))).toEqual([
      { offset: 0, count: 16 },
      { offset: 16, count: 16 },
    ]);
    expect([0, 1].map((r) => replicaRows(15, r, 2))).toEqual([
      { offset: 0, count: 7 },
      { offset: 7, count: 8 },
    ]);
    for (const [rows, n] of [
      [32, 1],
      [31, 3],
      [5, 4],
    ] as const) {
      const parts = Array.from({ length: n }, (_, r) => replicaRows(rows, r, n));
      expect(parts.reduce((s, p) => s + p.count, 0)).toBe(rows);
      parts.forEach((p, r) => r > 0 && expect(p.offset).toBe(parts[r - 1]!.offset + parts[r - 1]!.count));
    }
  });
});

describe('dropout in a data-parallel replica', () => {
  it("draws, for its rows, the mask one thread draws for the whole batch, and ends where that thread's generator ends", async () => {
    await initBackend('cpu');
    const mask = (layer: SerDropout, rows: number) =>
      Array.from((layer.apply(tf.ones([rows, 9]), { training: true }) as Tensor).dataSync());
    const one = new SerDropout({ rate: 0.4, seed: 77 });
    const replicas = [0, 1].map(() => new SerDropout({ rate: 0.4, seed: 77 }));
    for (let step = 0; step < 3; step++) {
      const whole = mask(one, 10);
      const parts = replicas.map((layer, r) => {
        const { offset, count } = replicaRows(10, r, 2);
        layer.batchWindow = { offset, total: 10 };
        return mask(layer, count);
      });
      expect([...parts[0]!, ...parts[1]!]).toEqual(whole);
    }
  });
});

describe('shared examples', () => {
  it('fill every batch exactly as the thread-local sets do (crops, masks, vectors)', () => {
    const width = 3;
    const mats = [5, 9, 2].map((frames, c) => ({
      frames,
      width,
      data: Float32Array.from({ length: frames * width }, (_, i) => c * 100 + i),
      columns: ['a', 'b', 'c'],
      config: DEFAULT_FEATURE_CONFIG,
    }));
    const norm = { mean: [1, 2, 3], std: [2, 2, 4] };
    const labels = Int32Array.from([0, 1, 0]);
    const crops = { randomCrop: true, mask: { freqMasks: 1, freqWidth: 1, timeMasks: 1, timeWidth: 2 } };
    const local = sequenceSet(
      mats.map((m) => normalisedSequence(m, norm)),
      labels,
      4,
      width,
      crops,
    );
    const shared = sharedExampleSet(shareSequences(mats, norm, labels, 4, width, crops));
    const batch = (set: typeof local, seed: number) => {
      const rng = makeRng(seed);
      const out = new Float32Array(3 * 4 * width);
      [2, 0, 1].forEach((i, j) => set.fill(i, out, j * 4 * width, rng));
      return Array.from(out);
    };
    for (const seed of [1, 2, 3]) expect(batch(shared, seed)).toEqual(batch(local, seed));
    const vecs = mats.map((m) => m.data.subarray(0, width));
    const v = sharedExampleSet(shareVectors(vecs, labels, width));
    const out = new Float32Array(width);
    v.fill(1, out, 0, null);
    expect(Array.from(out)).toEqual(Array.from(vecs[1]!));
  });
});

describe('ReplicaExchange (two ranks in one thread)', () => {
  it('gives every replica the same row-weighted mean gradient, sums, means and decisions', async () => {
    await initBackend('cpu');
    const buffers = createExchangeBuffers(2, 5);
    const [a, b] = [new ReplicaExchange(buffers, 0), new ReplicaExchange(buffers, 1)];
    const shapes = [[2], [3]];
    const grads = (v: number[]) => [tf.tensor(v.slice(0, 2)), tf.tensor(v.slice(2))];
    for (let step = 0; step < 3; step++) {
      // 3 rows and 1 row: the whole batch's mean gradient weights them 3/4 and 1/4.
      const [ra, rb] = await Promise.all([
        a.allReduce(grads([1, 2, 3, 4, 5]), shapes, 3, 0.6, 2),
        b.allReduce(grads([5, 6, 7, 8, 9 + step]), shapes, 1, 0.2, 1),
      ]);
      const values = (r: typeof ra) => r.grads.flatMap((t) => Array.from(t.dataSync()));
      expect(values(ra)).toEqual(values(rb));
      const want = [2, 3, 4, 5, 6 + step / 4];
      values(ra).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
      expect(ra.lossSum).toBeCloseTo(0.8, 12);
      expect(ra.correct).toBe(3);
    }
    const [ma, mb] = await Promise.all([a.average([tf.tensor([1, 2])]), b.average([tf.tensor([3, 6])])]);
    expect(Array.from(ma[0]!.dataSync())).toEqual([2, 4]);
    expect(Array.from(mb[0]!.dataSync())).toEqual([2, 4]);
    expect(await Promise.all([a.decide(true), b.decide(false)])).toEqual([true, true]);
    expect(await Promise.all([a.agree(42), b.agree(42)])).toEqual([
      [42, 42],
      [42, 42],
    ]);
    await expect(Promise.all([a.agree(1), b.agree(2)])).rejects.toMatchObject({ code: 'InternalError' });
  });

  it('wakes a waiting replica with an error when another aborts', async () => {
    const buffers = createExchangeBuffers(2, 4);
    const [a, b] = [new ReplicaExchange(buffers, 0), new ReplicaExchange(buffers, 1)];
    const waiting = a.barrier();
    b.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'Cancelled' });
  });
});

describe('dataParallelReplicas: replicas per model by default', () => {
  const base: ReplicaChoice = {
    kind: 'mlp',
    models: 1,
    threads: 2,
    batchSize: 32,
    steps: 6300,
    backend: 'wasm',
  };
  const GB = 2 ** 30;
  const on = (c: Partial<ReplicaChoice>) =>
    dataParallelReplicas({ ...base, free: 16 * GB, ...c }, ['mlp', 'cnn-lstm']);

  it('is off for the model kinds not shown to pay (the recipe MLP, today every kind)', () => {
    expect(dataParallelReplicas(base)).toBe(1);
    expect(dataParallelReplicas({ ...base, kind: 'cnn-lstm' })).toBe(
      DATA_PARALLEL_BY_DEFAULT.includes('cnn-lstm') ? 2 : 1,
    );
  });

  it('where on, gives one model the spare cores, at least 16 rows a replica, as memory allows', () => {
    expect(on({})).toBe(2);
    expect(on({ threads: 8 })).toBe(2);
    expect(on({ threads: 8, batchSize: 64 })).toBe(4);
    expect(on({ batchSize: 16 })).toBe(1);
    expect(on({ threads: 8, batchSize: 64, free: 0.5 * GB })).toBe(2);
  });

  it('none when the models already fill the threads, for short runs, or on the native backend', () => {
    expect(on({ models: 2 })).toBe(1);
    expect(on({ models: 5 })).toBe(1);
    expect(on({ threads: 1 })).toBe(1);
    expect(on({ steps: 200 })).toBe(1);
    expect(on({ backend: 'tensorflow' })).toBe(1);
  });
});
