/**
 * A differentiable op with a hand-written gradient, computed lazily per input.
 *
 * tf.customGrad computes every input's gradient even when backprop needs only some of them
 * (the model input's gradient, for instance, is never used but costs as much as a forward
 * convolution). The engine's own custom-gradient path (the one tf.customGrad uses) accepts
 * one thunk per input and calls only those on the path to the variables, so we use it when
 * present and fall back to tf.customGrad otherwise. Ops run inside the forward function are
 * not recorded on the tape, which also keeps per-op bookkeeping off the hot path.
 */
import { tf, type Tensor } from './tf.js';

export type SaveFn = (tensors: Tensor[]) => void;
/** Returns one thunk per input, in input order; each computes that input's gradient. */
export type LazyGrad = (dy: Tensor, saved: Tensor[]) => Array<() => Tensor>;

interface KernelFuncInvocation {
  forwardFunc: (backend: unknown, save: SaveFn) => Tensor;
  backwardsFunc: (dy: Tensor, saved: Tensor[]) => Record<number, () => Tensor>;
  inputs: Record<number, Tensor>;
}
type EngineWithKernelFunc = { runKernelFunc?: (params: KernelFuncInvocation) => Tensor | Tensor[] };

let lazyPathWorks: boolean | null = null;

/**
 * Time per op and pass, collected while timing is on (bench:train's breakdown). It is this
 * process's CPU time, not wall time, so other jobs on the machine do not blur it (the ops run
 * on this thread; wasm uses one thread).
 */
export interface OpTiming {
  forwardMs: number;
  backwardMs: number;
  calls: number;
}
let timings: Map<string, OpTiming> | null = null;

/** Start (true) or stop collecting op timings; returns what was collected so far. */
export function opTimings(enable: boolean): Map<string, OpTiming> {
  const current = timings ?? new Map<string, OpTiming>();
  timings = enable ? (timings ?? current) : null;
  return current;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function timed<T>(name: string, pass: 'forwardMs' | 'backwardMs', fn: () => T): T {
  if (!timings) return fn();
  const t0 = cpuMs();
  const out = fn();
  let entry = timings.get(name);
  if (!entry) timings.set(name, (entry = { forwardMs: 0, backwardMs: 0, calls: 0 }));
  entry[pass] += cpuMs() - t0;
  if (pass === 'forwardMs') entry.calls++;
  return out;
}

/**
 * Force the public tf.customGrad route (true) or go back to detecting the engine's private lazy
 * path (false). The private path (engine.runKernelFunc) may vanish in a tfjs release; tests run
 * every op through the fallback too, so that release would still train correctly.
 */
export function forcePublicGradients(on: boolean): void {
  lazyPathWorks = on ? false : null;
}

/** Whether the engine's lazy custom-gradient path is available (false means tf.customGrad fallback). */
export function hasLazyGradients(): boolean {
  if (lazyPathWorks === null) {
    lazyPathWorks = typeof (tf.engine() as unknown as EngineWithKernelFunc).runKernelFunc === 'function';
  }
  return lazyPathWorks;
}

/**
 * Run `forward` as one op named `name` whose gradient is `backward`. `forward` may call
 * `save` with tensors the backward pass needs (they are kept only while a tape records).
 */
export function customOp(
  name: string,
  inputs: Tensor[],
  forward: (save: SaveFn) => Tensor,
  backward: LazyGrad,
): Tensor {
  // The scope name becomes the tape node's kernel name; a unique one never collides with a
  // registered gradient (a node named e.g. 'Max' would get Max's gradient instead of ours).
  return tf.tidy(`ser_${name}`, () => {
    if (hasLazyGradients()) {
      const engine = tf.engine() as unknown as Required<EngineWithKernelFunc>;
      const out = engine.runKernelFunc({
        forwardFunc: (_backend, save) => timed(name, 'forwardMs', () => forward(save)),
        backwardsFunc: (dy, saved) => {
          const thunks = timed(name, 'backwardMs', () => backward(dy, saved));
          const map: Record<number, () => Tensor> = {};
          thunks.forEach((fn, i) => (map[i] = () => timed(`${name}.d${i}`, 'backwardMs', fn)));
          return map;
        },
        inputs: Object.fromEntries(inputs.map((t, i) => [i, t])),
      });
      return Array.isArray(out) ? (out[0] as Tensor) : out;
    }
    const op = tf.customGrad((...args: Array<Tensor | SaveFn>) => {
      const save = args[args.length - 1] as SaveFn;
      return {
        value: forward(save),
        gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => backward(dy as Tensor, saved).map((fn) => fn()),
      };
    });
    return op(...inputs);
  });
}
