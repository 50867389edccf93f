/**
 * What the replicas of one data-parallel model (data-parallel.ts) share: a SharedArrayBuffer with
 * one gradient slot per replica, a few counters for an Atomics barrier, and the collective
 * operations the training loop needs: average the gradients of a step, average the batch-norm
 * moving statistics at the end of an epoch, and hand the leader's stop decision to the others.
 *
 * Every replica computes the same weighted sum of all slots, in rank order, with the same code, so
 * all of them get a bit-identical average and (applying the identical Adam update) keep
 * bit-identical weights without ever sending weights.
 *
 * Slots are double-buffered: collective operation k uses half k % 2, so a replica may write the
 * next operation's slot while another is still reading this one's; the barrier of operation k + 1
 * separates the readers of k from the writers of k + 2.
 *
 * Waits are Atomics.waitAsync, not Atomics.wait: the leader is often the process's main thread,
 * whose event loop must keep running while it waits (a replica worker's 'error' or 'exit' event is
 * how a crashed replica is noticed: its handler calls `abort`, which wakes every waiter).
 */
import { SerError } from '../../shared/errors.js';
import { float32View, tensorFilledBy, wasmHeapBackend } from '../model/wasm-heap.js';
import type { Tensor } from '../model/tf.js';

/** Int32 control words. */
const COUNT = 0; // replicas arrived at the current barrier
const GENERATION = 1; // barriers completed (the value waiters sleep on)
const ABORTED = 2; // 1: a replica failed or the run was cancelled; every wait throws
const STOP = 3; // the leader's decision at the end of an epoch (1: stop training)
const CONTROL_WORDS = 4;
/** Float64 values a replica reports with each step: its rows, summed loss, correct predictions. */
const METRICS = 3;

/**
 * weightedSum's two-replica case in WebAssembly SIMD: out = a * wa + b * wb over float32 arrays
 * at those byte offsets of a shared memory, 4 lanes at a time (bytes a multiple of 16). 2.3 ms
 * in JavaScript over the recipe MLP's 707k gradients, ~0.2 ms here. Assembled with wabt's
 * `wat2wasm --enable-threads` from:
 *   (import "env" "memory" (memory 1 65536 shared))
 *   loop: store(out + i, f32x4.add(f32x4.mul(load(a + i), splat wa), f32x4.mul(load(b + i), splat wb)));
 *         i += 16 while i < bytes
 */
const SUM2_WASM =
  'AGFzbQEAAAABCgFgBn9/f399fQACEgEDZW52Bm1lbW9yeQIDAYCABAMCAQAHCAEEc3VtMgAAClIBUAIBfwJ7IAT9EyEHIAX9EyEIAkADQCAGIANPDQEgAiAGaiAAIAZq/QACACAH/eYBIAEgBmr9AAIAIAj95gH95AH9CwIAIAZBEGohBgwACwsL';

type Sum2 = (a: number, b: number, out: number, bytes: number, wa: number, wb: number) => void;

/** The SIMD sum bound to `memory`, or null where wasm SIMD is missing (then JavaScript sums). */
function simdSum2(memory: WebAssembly.Memory): Sum2 | null {
  try {
    const module = new WebAssembly.Module(Buffer.from(SUM2_WASM, 'base64'));
    return new WebAssembly.Instance(module, { env: { memory } }).exports['sum2'] as Sum2;
  } catch {
    return null;
  }
}

/**
 * Structured-clone friendly: the leader creates it, replica workers get it as workerData. The
 * gradient slots live in a shared WebAssembly memory so the SIMD sum can read them: [2 halves]
 * [replicas][values] slots, then one [values] sum area per replica.
 */
export interface ExchangeBuffers {
  replicas: number;
  /** Float32 values per slot (a multiple of 4): the model's trainable parameters, or more. */
  values: number;
  control: Int32Array;
  memory: WebAssembly.Memory;
  /** [2 halves][replicas][METRICS]. */
  metrics: Float64Array;
}

export function createExchangeBuffers(replicas: number, values: number): ExchangeBuffers {
  const v = Math.ceil(values / 4) * 4;
  const pages = Math.ceil((3 * replicas * v * 4) / 65536);
  return {
    replicas,
    values: v,
    control: new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4)),
    memory: new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }),
    metrics: new Float64Array(new SharedArrayBuffer(2 * replicas * METRICS * 8)),
  };
}

/** Atomics.waitAsync (Node 16+; not in TypeScript's ES2023 lib). */
type WaitAsync = (
  a: Int32Array,
  index: number,
  value: number,
  timeout?: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** One step's reduced values: the averaged gradients and the whole batch's summed loss and hits. */
export interface ReducedStep {
  grads: Tensor[];
  lossSum: number;
  correct: number;
}

export class ReplicaExchange {
  private op = 0;
  /** Wall milliseconds this replica spent in the exchange: copying its slot, waiting, summing. */
  readonly time = { copy: 0, wait: 0, reduce: 0 };
  private readonly floats: Float32Array;
  private readonly sum2: Sum2 | null;

  constructor(
    readonly buffers: ExchangeBuffers,
    readonly rank: number,
  ) {
    if (rank < 0 || rank >= buffers.replicas) throw new Error(`replica rank ${rank} of ${buffers.replicas}`);
    this.floats = new Float32Array(buffers.memory.buffer);
    this.sum2 = buffers.replicas === 2 ? simdSum2(buffers.memory) : null;
  }

  get replicas(): number {
    return this.buffers.replicas;
  }

  /** Wake every replica's waits with an error (a failure or a cancel anywhere). */
  abort(): void {
    const c = this.buffers.control;
    Atomics.store(c, ABORTED, 1);
    Atomics.add(c, GENERATION, 1);
    Atomics.notify(c, GENERATION);
  }

  get aborted(): boolean {
    return Atomics.load(this.buffers.control, ABORTED) === 1;
  }

  /** Resolves when every replica has arrived (a counting barrier; the last one releases the rest). */
  async barrier(): Promise<void> {
    const c = this.buffers.control;
    this.throwIfAborted();
    const t0 = performance.now();
    const generation = Atomics.load(c, GENERATION);
    if (Atomics.add(c, COUNT, 1) === this.replicas - 1) {
      Atomics.store(c, COUNT, 0);
      Atomics.add(c, GENERATION, 1);
      Atomics.notify(c, GENERATION);
    } else {
      // A pending waitAsync does not keep a thread's event loop alive: a replica worker with
      // nothing else to do would exit (code 13, unsettled top-level await) while the leader
      // validates. A timer holds it open for the wait.
      const keepAlive = setInterval(() => {}, 60_000);
      try {
        while (Atomics.load(c, GENERATION) === generation) {
          const w = waitAsync(c, GENERATION, generation);
          if (w.async) await w.value;
        }
      } finally {
        clearInterval(keepAlive);
      }
    }
    this.time.wait += performance.now() - t0;
    this.throwIfAborted();
  }

  private throwIfAborted(): void {
    if (this.aborted)
      throw new SerError(
        'Cancelled',
        'data-parallel training stopped (a replica failed or the run was cancelled)',
      );
  }

  /** Float index of replica `rank`'s slot in half `half`. */
  private slotAt(half: number, rank: number): number {
    return (half * this.replicas + rank) * this.buffers.values;
  }

  /** Float index of this replica's sum area. */
  private get sumAt(): number {
    return (2 * this.replicas + this.rank) * this.buffers.values;
  }

  /**
   * Σ_r weights[r] · slot_r over the first `n` values of half `half`, into this replica's sum area
   * (returned as a view). Every replica runs the same code on the same slots: the same bits.
   */
  private sumSlots(half: number, weights: readonly number[], n: number): Float32Array {
    const out = this.floats.subarray(this.sumAt, this.sumAt + n);
    const lanes = Math.ceil(n / 4) * 4; // slots and sum areas are padded to a multiple of 4
    if (this.sum2) {
      const [a, b] = [this.slotAt(half, 0), this.slotAt(half, 1)];
      this.sum2(a * 4, b * 4, this.sumAt * 4, lanes * 4, weights[0]!, weights[1]!);
    } else {
      const slots = weights.map((_, r) =>
        this.floats.subarray(this.slotAt(half, r), this.slotAt(half, r) + n),
      );
      weightedSum(slots, weights, 0, n, out);
    }
    return out;
  }

  /**
   * Average one step's gradients over the replicas. `grads` are this replica's mean gradients over
   * its `rows` of the batch (null: no gradient); the result is Σ rows_r · grad_r / Σ rows_r, the
   * gradient of the whole batch's mean loss (what one thread computes, up to batch norm's
   * per-replica statistics). `lossSum` and `correct` are summed over the replicas. The caller owns
   * (and disposes) the returned tensors.
   */
  async allReduce(
    grads: ReadonlyArray<Tensor | null>,
    shapes: ReadonlyArray<number[]>,
    rows: number,
    lossSum: number,
    correct: number,
  ): Promise<ReducedStep> {
    const half = this.op++ & 1;
    const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total > this.buffers.values)
      throw new Error(`allReduce: ${total} values, slots hold ${this.buffers.values}`);
    const wasm = wasmHeapBackend();
    const t0 = performance.now();
    const mine = this.slotAt(half, this.rank);
    let at = 0;
    grads.forEach((g, i) => {
      if (g) this.floats.set(float32View(g, wasm), mine + at);
      else this.floats.fill(0, mine + at, mine + at + sizes[i]!);
      at += sizes[i]!;
    });
    const m = this.buffers.metrics;
    m.set([rows, lossSum, correct], (half * this.replicas + this.rank) * METRICS);
    this.time.copy += performance.now() - t0;
    await this.barrier();
    const t1 = performance.now();

    let allRows = 0;
    let allLoss = 0;
    let allCorrect = 0;
    const counts: number[] = [];
    for (let r = 0; r < this.replicas; r++) {
      const o = (half * this.replicas + r) * METRICS;
      counts.push(m[o]!);
      allRows += m[o]!;
      allLoss += m[o + 1]!;
      allCorrect += m[o + 2]!;
    }
    const sum = this.sumSlots(
      half,
      counts.map((c) => c / allRows),
      total,
    );
    const out: Tensor[] = [];
    at = 0;
    for (const [i, shape] of shapes.entries()) {
      const from = at;
      out.push(tensorFilledBy(shape, wasm, (dst) => dst.set(sum.subarray(from, from + sizes[i]!))));
      at += sizes[i]!;
    }
    this.time.reduce += performance.now() - t1;
    return { grads: out, lossSum: allLoss, correct: allCorrect };
  }

  /**
   * The replicas' mean of each of `values` (the batch-norm moving statistics: each replica's moving
   * averages saw only its own part of every batch). Every replica gets the same new tensors.
   */
  async average(values: ReadonlyArray<Tensor>): Promise<Tensor[]> {
    const half = this.op++ & 1;
    const sizes = values.map((t) => t.size);
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total > this.buffers.values)
      throw new Error(`average: ${total} values, slots hold ${this.buffers.values}`);
    const wasm = wasmHeapBackend();
    const mine = this.slotAt(half, this.rank);
    let at = 0;
    values.forEach((t, i) => {
      this.floats.set(float32View(t, wasm), mine + at);
      at += sizes[i]!;
    });
    await this.barrier();
    const sum = this.sumSlots(half, new Array<number>(this.replicas).fill(1 / this.replicas), total);
    at = 0;
    return values.map((t, i) => {
      const from = at;
      at += sizes[i]!;
      return tensorFilledBy(t.shape, wasm, (dst) => dst.set(sum.subarray(from, from + sizes[i]!)));
    });
  }

  /** Every replica's `value` (e.g. a weights fingerprint), in rank order; throws if they differ. */
  async agree(value: number): Promise<number[]> {
    const half = this.op++ & 1;
    const m = this.buffers.metrics;
    m[(half * this.replicas + this.rank) * METRICS] = value;
    await this.barrier();
    const all = Array.from({ length: this.replicas }, (_, r) => m[(half * this.replicas + r) * METRICS]!);
    if (all.some((v) => v !== all[0])) {
      throw new SerError(
        'InternalError',
        `data-parallel replicas diverged (weight fingerprints ${all.join(', ')})`,
      );
    }
    return all;
  }

  /** The leader's (rank 0's) `stop`, seen by every replica. */
  async decide(stop: boolean): Promise<boolean> {
    // Written before the leader arrives, read after everyone has: the barrier orders the two.
    if (this.rank === 0) Atomics.store(this.buffers.control, STOP, stop ? 1 : 0);
    this.op++;
    await this.barrier();
    return Atomics.load(this.buffers.control, STOP) === 1;
  }
}

/**
 * dst[i] = Σ_r weights[r] · slots[r][from + i], in rank order and double precision, rounded once
 * to float32: the same code on the same values gives every replica the same bits.
 */
export function weightedSum(
  slots: ReadonlyArray<Float32Array>,
  weights: ReadonlyArray<number>,
  from: number,
  n: number,
  dst: Float32Array,
): void {
  if (slots.length === 2) {
    // The common case, unrolled (this loop runs over every parameter at every step).
    const [a, b] = [slots[0]!, slots[1]!];
    const [wa, wb] = [weights[0]!, weights[1]!];
    for (let i = 0; i < n; i++) dst[i] = a[from + i]! * wa + b[from + i]! * wb;
    return;
  }
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let r = 0; r < slots.length; r++) s += slots[r]![from + i]! * weights[r]!;
    dst[i] = s;
  }
}

/**
 * A 32-bit FNV-1a hash of the float32 bits of `tensors` (in order): equal weights give equal
 * fingerprints, and any differing bit almost surely a different one.
 */
export function weightsFingerprint(tensors: ReadonlyArray<Tensor>): number {
  let h = 0x811c9dc5;
  for (const t of tensors) {
    const words = new Uint32Array(Float32Array.from(t.dataSync() as Float32Array).buffer);
    for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i]!, 0x01000193) >>> 0;
  }
  return h;
}
