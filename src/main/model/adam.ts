/**
 * Adam in one pass over each weight array, instead of tfjs's ~12 element-wise kernels per
 * variable (each allocating a tensor the size of the weights: over the MLP's 707k parameters
 * the stock update took 38.5 s of a default run).
 *
 * Same update rule and defaults as tf.train.adam (beta1 0.9, beta2 0.999, epsilon = the
 * backend's, 1e-7 for float32; bias correction with beta^t):
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * On wasm the update is a small SIMD WebAssembly function (ADAM_WASM below) working on the
 * backend's own heap: the moments are heap buffers, the weights and gradients are read where they
 * are and the new weights written into a fresh heap buffer that the variable then takes (no
 * copies; 4.1 -> 1.0 ms a step over the MLP's 707k weights, docs/BENCHMARKS.md). It computes in
 * float32 like tf.train.adam's kernels (the JavaScript loop computes in float64 and rounds).
 * Elsewhere the moments are JS Float32Arrays and the loop is JavaScript. Not in place: the wasm MatMul and Conv2D cache XNNPACK's packed
 * copy of a weight by its buffer, so a weight changed in place would keep being multiplied
 * with its old values. Other backends compute from copies and assign.
 */
import { tf, type Tensor } from './tf.js';
import { wasmHeapBackend, type WasmHeapBackend } from './wasm-heap.js';

/**
 * adam(w, g, m, v, out, bytes, b1, b2, stepSize, vScale, eps) over float32 arrays at those heap
 * byte offsets, 4 lanes at a time (bytes a multiple of 16), importing the backend's memory.
 * Assembled with wabt's wat2wasm from:
 *   loop: gi = load(g+i); mi = b1 * load(m+i) + (1 - b1) * gi; vi = b2 * load(v+i) + (1 - b2) * gi * gi
 *         store(m+i, mi); store(v+i, vi); store(out+i, load(w+i) - step * mi / (sqrt(vi * vScale) + eps))
 * (f32x4 splat/add/sub/mul/div/sqrt, v128 load/store align=4; i += 16 while i < bytes).
 */
const ADAM_WASM =
  'AGFzbQEAAAABDwFgC39/f39/f319fX19AAIPAQNlbnYGbWVtb3J5AgAAAwIBAAcIAQRhZGFtAAAK3QEB2gECAX8KeyAG/RMhDEMAAIA/IAaT/RMhDSAH/RMhDkMAAIA/IAeT/RMhDyAI/RMhECAJ/RMhESAK/RMhEgJAA0AgCyAFTw0BIAEgC2r9AAIAIRMgDCACIAtq/QACAP3mASANIBP95gH95AEhFCAOIAMgC2r9AAIA/eYBIA8gE/3mASAT/eYB/eQBIRUgAiALaiAU/QsCACADIAtqIBX9CwIAIAQgC2ogACALav0AAgAgECAU/eYBIBUgEf3mAf3jASAS/eQB/ecB/eUB/QsCACALQRBqIQsMAAsLCw==';

type AdamKernel = (
  w: number,
  g: number,
  m: number,
  v: number,
  out: number,
  bytes: number,
  b1: number,
  b2: number,
  stepSize: number,
  vScale: number,
  eps: number,
) => void;

const kernels = new WeakMap<object, AdamKernel | null>();

/** The SIMD Adam bound to this wasm backend's memory, or null (no SIMD, or a shared memory). */
function simdAdam(backend: WasmHeapBackend): AdamKernel | null {
  let k = kernels.get(backend);
  if (k !== undefined) return k;
  k = null;
  try {
    const memory = backend.wasm.asm?.memory;
    if (memory instanceof WebAssembly.Memory && !(memory.buffer instanceof SharedArrayBuffer)) {
      const module = new WebAssembly.Module(Buffer.from(ADAM_WASM, 'base64'));
      const instance = new WebAssembly.Instance(module, { env: { memory } });
      k = instance.exports['adam'] as AdamKernel;
    }
  } catch {
    k = null; // no wasm SIMD here: the JavaScript loop
  }
  kernels.set(backend, k);
  return k;
}

/** A variable's moments: JS arrays, or heap buffers (byte offsets) for the SIMD kernel. */
type Moments =
  { m: Float32Array; v: Float32Array } | { mPtr: number; vPtr: number; backend: WasmHeapBackend };

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export class FusedAdam {
  /** Read at every update: a schedule may change it between steps. */
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private readonly moments = new Map<tf.Variable, Moments>();
  private steps = 0;

  constructor(learningRate: number, opts: AdamOptions = {}) {
    this.learningRate = learningRate;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? tf.backend().epsilon();
  }

  /** The loss of `f` (kept when `returnCost`), after one update of `vars` along its gradient. */
  minimize(f: () => tf.Scalar, returnCost: true, vars: tf.Variable[]): tf.Scalar;
  minimize(f: () => tf.Scalar, returnCost: boolean, vars: tf.Variable[]): tf.Scalar | null {
    const { value, grads } = tf.variableGrads(f, vars);
    try {
      this.applyGradients(vars.map((v) => [v, grads[v.name] ?? null] as const));
    } finally {
      tf.dispose(Object.values(grads));
    }
    if (returnCost) return value;
    value.dispose();
    return null;
  }

  /** One Adam step; variables without a gradient (null) are left as they are. */
  applyGradients(pairs: ReadonlyArray<readonly [tf.Variable, Tensor | null]>): void {
    this.steps++;
    const { beta1: b1, beta2: b2, epsilon: eps } = this;
    // lr / (1 - b1^t) and 1 / (1 - b2^t), folded once per step.
    const stepSize = this.learningRate / (1 - b1 ** this.steps);
    const vScale = 1 / (1 - b2 ** this.steps);
    const wasm = wasmHeapBackend();
    for (const [variable, grad] of pairs) {
      if (!grad) continue;
      if (variable.dtype !== 'float32') throw new Error(`FusedAdam: ${variable.name} is ${variable.dtype}`);
      const kernel = wasm ? simdAdam(wasm) : null;
      let state = this.moments.get(variable);
      if (!state) {
        state =
          wasm && kernel
            ? { mPtr: heapZeros(wasm, variable.size), vPtr: heapZeros(wasm, variable.size), backend: wasm }
            : { m: new Float32Array(variable.size), v: new Float32Array(variable.size) };
        this.moments.set(variable, state);
      }
      let updated: Tensor;
      if (wasm) {
        // Allocate first: growing the heap would detach views taken before.
        const info = wasm.makeOutput(variable.shape, 'float32');
        if ('mPtr' in state && kernel) {
          const n = variable.size;
          const lanes = n - (n % 4);
          const at = (t: tf.TensorInfo) => wasm.dataIdMap.get(t.dataId).memoryOffset;
          const [w, g, out] = [at(variable), at(grad), at(info)];
          kernel(w, g, state.mPtr, state.vPtr, out, lanes * 4, b1, b2, stepSize, vScale, eps);
          if (lanes < n) {
            // The last n % 4 values, in JavaScript on views of the same buffers.
            const view = (ptr: number) =>
              new Float32Array(wasm.wasm.asm!.memory!.buffer, ptr + lanes * 4, n - lanes);
            const moments = { m: view(state.mPtr), v: view(state.vPtr) };
            adamStep(view(w), view(g), moments, view(out), b1, b2, stepSize, vScale, eps);
          }
        } else {
          const jsState = state as { m: Float32Array; v: Float32Array };
          const w = wasm.typedArrayFromHeap(variable);
          adamStep(
            w,
            wasm.typedArrayFromHeap(grad),
            jsState,
            wasm.typedArrayFromHeap(info),
            b1,
            b2,
            stepSize,
            vScale,
            eps,
          );
        }
        updated = tf.engine().makeTensorFromTensorInfo(info);
      } else {
        const out = new Float32Array(variable.size);
        adamStep(
          variable.dataSync() as Float32Array,
          grad.dataSync() as Float32Array,
          state as { m: Float32Array; v: Float32Array },
          out,
          b1,
          b2,
          stepSize,
          vScale,
          eps,
        );
        updated = tf.tensor(out, variable.shape, 'float32');
      }
      variable.assign(updated);
      updated.dispose();
    }
  }

  dispose(): void {
    for (const state of this.moments.values()) {
      if ('mPtr' in state) {
        state.backend.wasm._free(state.mPtr);
        state.backend.wasm._free(state.vPtr);
      }
    }
    this.moments.clear();
  }
}

/** `n` float32 zeros on the wasm heap; returns the byte offset. */
function heapZeros(backend: WasmHeapBackend, n: number): number {
  const ptr = backend.wasm._malloc(n * 4) >>> 0;
  new Float32Array(backend.wasm.asm!.memory!.buffer, ptr, n).fill(0);
  return ptr;
}

/** The element-wise update: `m` and `v` in place, the new weights into `out`. */
export function adamStep(
  w: Float32Array,
  g: Float32Array,
  { m, v }: { m: Float32Array; v: Float32Array },
  out: Float32Array,
  b1: number,
  b2: number,
  stepSize: number,
  vScale: number,
  eps: number,
): void {
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  for (let i = 0, n = w.length; i < n; i++) {
    const gi = g[i]!;
    const mi = b1 * m[i]! + c1 * gi;
    const vi = b2 * v[i]! + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    out[i] = w[i]! - (stepSize * mi) / (Math.sqrt(vi * vScale) + eps);
  }
}
