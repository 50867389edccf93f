/**
 * A plain stack of dense layers (the recipe's MLP: Dense -> BatchNorm -> ReLU -> Dropout ... ->
 * Dense softmax) reduced, once at load, to one fused matrix multiply per dense layer.
 *
 * Why: classifying one clip asks the MLP for one row. A layers-model predict pays for a tidy
 * scope per layer, a dozen kernels and the layer machinery (~0.7-1.1 ms measured on this
 * machine); here each batch norm is folded into the dense layer before it (inference uses the
 * moving statistics: one scale and one shift per unit), dropout is the identity, and a row costs
 * three fused matMul+bias+ReLU kernels and a softmax (~0.2 ms). The same forward pass in plain
 * JavaScript (float64 dot products) measured 1.5 ms: the wasm backend's SIMD kernels win.
 * Probabilities agree with the layers model's to ~1e-6 (tests/unit/inference-dense-chain.test.ts,
 * on real clips).
 *
 * Anything else (convolutions, LSTMs, a layer this does not know) gives null from
 * denseChainOf, and the caller keeps using the layers model.
 */
import { tf, type LayersModel, type Tensor } from '../model/tf.js';

type ChainActivation = 'linear' | 'relu' | 'softmax';

interface DenseStep {
  /** [inputs, units], batch norm folded in. */
  kernel: Tensor;
  bias: Tensor;
  activation: ChainActivation;
}

export interface DenseChain {
  inputs: number;
  outputs: number;
  steps: DenseStep[];
}

/** A layer as the chain reads it (tfjs's Layer, narrowed to what is used here). */
interface LayerView {
  getClassName(): string;
  getConfig(): Record<string, unknown>;
  weights: { originalName: string; read(): Tensor }[];
}

const ACTIVATIONS: readonly string[] = ['linear', 'relu', 'softmax'];
const IDENTITY_LAYERS = new Set(['InputLayer', 'SerDropout', 'Dropout']);

/**
 * The model as a dense chain (its own tensors, freed by disposeDenseChain), or null when it
 * holds anything else.
 */
export function denseChainOf(model: LayersModel): DenseChain | null {
  const steps: DenseStep[] = [];
  const fail = (): null => {
    disposeDenseChain({ inputs: 0, outputs: 0, steps });
    return null;
  };
  for (const layer of model.layers as unknown as LayerView[]) {
    const kind = layer.getClassName();
    if (IDENTITY_LAYERS.has(kind)) continue;
    const cfg = layer.getConfig();
    const w = new Map(layer.weights.map((v) => [v.originalName.split('/').pop()!, v.read()]));
    const last = steps[steps.length - 1];
    if (kind === 'SerDense') {
      const act = cfg['activation'] ?? 'linear';
      const kernel = w.get('kernel');
      const bias = w.get('bias');
      if (typeof act !== 'string' || !ACTIVATIONS.includes(act) || !kernel || !bias) return fail();
      if (kernel.rank !== 2 || (last && last.kernel.shape[1] !== kernel.shape[0])) return fail();
      steps.push({ kernel: tf.clone(kernel), bias: tf.clone(bias), activation: act as ChainActivation });
    } else if (kind === 'SerBatchNorm') {
      // Folded into the dense layer before it, which must still be linear: the same scale and
      // shift as batchNormInference (model/batch-norm.ts), applied to its kernel and bias.
      const [gamma, beta, mean, variance] = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((n) =>
        w.get(n),
      );
      const eps = cfg['epsilon'];
      if (!last || last.activation !== 'linear' || typeof eps !== 'number') return fail();
      if (!gamma || !beta || !mean || !variance || gamma.shape[0] !== last.kernel.shape[1]) return fail();
      const [kernel, bias] = tf.tidy(() => {
        const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, eps)));
        return [
          tf.mul(last.kernel, scale),
          tf.add(tf.mul(last.bias, scale), tf.sub(beta, tf.mul(mean, scale))),
        ];
      });
      last.kernel.dispose();
      last.bias.dispose();
      last.kernel = kernel!;
      last.bias = bias!;
    } else if (kind === 'Activation') {
      const act = cfg['activation'];
      if (!last || last.activation !== 'linear' || typeof act !== 'string' || !ACTIVATIONS.includes(act)) {
        return fail();
      }
      last.activation = act as ChainActivation;
    } else return fail();
  }
  const first = steps[0];
  const final = steps[steps.length - 1];
  if (!first || !final) return fail();
  return { inputs: first.kernel.shape[0]!, outputs: final.kernel.shape[1]!, steps };
}

/** Row-major outputs [n x outputs] for `rows` [n x inputs]. */
export function denseChainPredict(chain: DenseChain, rows: Float32Array): Float32Array {
  const n = rows.length / chain.inputs;
  const y = tf.tidy(() => {
    let h: Tensor = tf.tensor2d(rows, [n, chain.inputs]);
    for (const s of chain.steps) {
      const fused = tf.fused.matMul({
        a: h,
        b: s.kernel,
        bias: s.bias,
        activation: s.activation === 'relu' ? 'relu' : 'linear',
      });
      h = s.activation === 'softmax' ? tf.softmax(fused) : fused;
    }
    return h;
  });
  const out = y.dataSync() as Float32Array;
  y.dispose();
  return out;
}

export function disposeDenseChain(chain: DenseChain): void {
  for (const s of chain.steps) {
    s.kernel.dispose();
    s.bias.dispose();
  }
}
