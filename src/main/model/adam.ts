/**
 * Adam in one pass over each weight array, instead of tfjs's ~12 element-wise kernels per
 * variable (each allocating a tensor the size of the weights: over the MLP's 707k parameters
 * the stock update took 38.5 s of a default run).
 *
 * Same update rule and defaults as tf.train.adam (beta1 0.9, beta2 0.999, epsilon = the
 * backend's, 1e-7 for float32; bias correction with beta^t):
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * The moments live in JS Float32Arrays. On wasm the weights and gradients are read straight
 * from the wasm heap and the new weights written into a fresh heap buffer that the variable
 * then takes (no JS copies). Not in place: the wasm MatMul and Conv2D cache XNNPACK's packed
 * copy of a weight by its buffer, so a weight changed in place would keep being multiplied
 * with its old values. Other backends compute from copies and assign.
 */
import { tf, type Tensor } from './tf.js';

interface WasmHeapBackend {
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

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
  private readonly moments = new Map<tf.Variable, { m: Float32Array; v: Float32Array }>();
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
    const wasm = tf.getBackend() === 'wasm' ? (tf.backend() as unknown as WasmHeapBackend) : null;
    for (const [variable, grad] of pairs) {
      if (!grad) continue;
      if (variable.dtype !== 'float32') throw new Error(`FusedAdam: ${variable.name} is ${variable.dtype}`);
      let state = this.moments.get(variable);
      if (!state) {
        state = { m: new Float32Array(variable.size), v: new Float32Array(variable.size) };
        this.moments.set(variable, state);
      }
      let updated: Tensor;
      if (wasm) {
        // Allocate first: growing the heap would detach views taken before.
        const info = wasm.makeOutput(variable.shape, 'float32');
        const w = wasm.typedArrayFromHeap(variable);
        adamStep(
          w,
          wasm.typedArrayFromHeap(grad),
          state,
          wasm.typedArrayFromHeap(info),
          b1,
          b2,
          stepSize,
          vScale,
          eps,
        );
        updated = tf.engine().makeTensorFromTensorInfo(info);
      } else {
        const out = new Float32Array(variable.size);
        adamStep(
          variable.dataSync() as Float32Array,
          grad.dataSync() as Float32Array,
          state,
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
    this.moments.clear();
  }
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
