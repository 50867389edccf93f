/**
 * Custom layers built on the portable ops, registered for serialization so a saved model
 * loads with them (tf.loadLayersModel finds each by its className). Each config carries a
 * `seed`, so initial weights (and dropout masks) are reproducible on every backend.
 */
import { batchNormInference, batchNormTraining } from './batch-norm.js';
import { fromValues, glorotUniform, orthogonal } from './init.js';
import { lstm } from './lstm-op.js';
import { conv1dSame, matMulBias, timeMaxPool, type Activation } from './ops.js';
import { tf, type Tensor } from './tf.js';

type Shape = Array<number | null>;
type Kwargs = Record<string, unknown>;
type LayerVariable = tf.LayerVariable;
type BaseArgs = { name?: string; trainable?: boolean; inputShape?: Shape; dtype?: 'float32' };
type ConfigDict = tf.serialization.ConfigDict;

function one(inputs: Tensor | Tensor[]): Tensor {
  return Array.isArray(inputs) ? inputs[0]! : inputs;
}

function shapeOf(inputShape: Shape | Shape[]): Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
}

const zeros = fromValues((shape) => new Float32Array(shape.reduce((a, b) => a * b, 1)));

export interface SerConv1DArgs extends BaseArgs {
  filters: number;
  kernelSize: number;
  useBias?: boolean;
  seed: number;
}

/** Conv1D, stride 1, 'same' padding, no activation (the pool after it applies relu). */
export class SerConv1D extends tf.layers.Layer {
  static className = 'SerConv1D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly useBias: boolean;
  readonly seed: number;
  private kernel: LayerVariable | null = null;
  private bias: LayerVariable | null = null;

  constructor(args: SerConv1DArgs) {
    super(args);
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.useBias = args.useBias ?? true;
    this.seed = args.seed;
  }

  override build(inputShape: Shape | Shape[]): void {
    const channels = shapeOf(inputShape)[2]!;
    const shape = [this.kernelSize, channels, this.filters];
    this.kernel = this.addWeight(
      'kernel',
      shape,
      'float32',
      fromValues((s) => glorotUniform(s, this.seed)),
    );
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', zeros);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = shapeOf(inputShape);
    return [s[0]!, s[1]!, this.filters];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tf.tidy(() => conv1dSame(one(inputs), this.kernel!.read(), this.bias ? this.bias.read() : null));
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      useBias: this.useBias,
      seed: this.seed,
    };
  }
}

export interface SerTimeMaxPoolArgs extends BaseArgs {
  poolSize: number;
  activation?: Activation;
}

/** Max over non-overlapping windows of poolSize frames, then relu (or nothing). */
export class SerTimeMaxPool extends tf.layers.Layer {
  static className = 'SerTimeMaxPool';
  readonly poolSize: number;
  readonly activation: Activation;

  constructor(args: SerTimeMaxPoolArgs) {
    super(args);
    this.poolSize = args.poolSize;
    this.activation = args.activation ?? 'linear';
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = shapeOf(inputShape);
    return [s[0]!, s[1] === null ? null : Math.floor(s[1]! / this.poolSize), s[2]!];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tf.tidy(() => timeMaxPool(one(inputs), this.poolSize, this.activation));
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), poolSize: this.poolSize, activation: this.activation };
  }
}

export interface SerLSTMArgs extends BaseArgs {
  units: number;
  returnSequences?: boolean;
  seed: number;
}

/** LSTM (Keras gate order i, f, g, o; sigmoid gates; forget-gate bias 1 at init). */
export class SerLSTM extends tf.layers.Layer {
  static className = 'SerLSTM';
  readonly units: number;
  readonly returnSequences: boolean;
  readonly seed: number;
  private kernel: LayerVariable | null = null;
  private recurrent: LayerVariable | null = null;
  private bias: LayerVariable | null = null;

  constructor(args: SerLSTMArgs) {
    super(args);
    this.units = args.units;
    this.returnSequences = args.returnSequences ?? false;
    this.seed = args.seed;
  }

  override build(inputShape: Shape | Shape[]): void {
    const channels = shapeOf(inputShape)[2]!;
    const u = this.units;
    this.kernel = this.addWeight(
      'kernel',
      [channels, 4 * u],
      'float32',
      fromValues((s) => glorotUniform(s, this.seed)),
    );
    this.recurrent = this.addWeight(
      'recurrent_kernel',
      [u, 4 * u],
      'float32',
      fromValues(() => orthogonal(u, 4 * u, this.seed + 1)),
    );
    this.bias = this.addWeight(
      'bias',
      [4 * u],
      'float32',
      fromValues(() => Float32Array.from({ length: 4 * u }, (_, i) => (i >= u && i < 2 * u ? 1 : 0))),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = shapeOf(inputShape);
    return this.returnSequences ? [s[0]!, s[1]!, this.units] : [s[0]!, this.units];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tf.tidy(() =>
      lstm(one(inputs), this.kernel!.read(), this.recurrent!.read(), this.bias!.read(), this.returnSequences),
    );
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      returnSequences: this.returnSequences,
      seed: this.seed,
    };
  }
}

export interface SerBatchNormArgs extends BaseArgs {
  /** Moving-average momentum (default 0.9: an epoch of RAVDESS is only ~25 batches). */
  momentum?: number;
  epsilon?: number;
}

/**
 * Batch normalisation over the last axis of [batch, features] or [batch, time, features],
 * with learned scale and shift and moving statistics for inference (the moving variance is
 * the unbiased batch variance, as in TensorFlow).
 */
export class SerBatchNorm extends tf.layers.Layer {
  static className = 'SerBatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  private gamma: LayerVariable | null = null;
  private beta: LayerVariable | null = null;
  private movingMean: LayerVariable | null = null;
  private movingVariance: LayerVariable | null = null;

  constructor(args: SerBatchNormArgs = {}) {
    super(args);
    this.momentum = args.momentum ?? 0.9;
    this.epsilon = args.epsilon ?? 1e-3;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = shapeOf(inputShape);
    const c = s[s.length - 1]!;
    const ones = fromValues((shape) => new Float32Array(shape[0]!).fill(1));
    this.gamma = this.addWeight('gamma', [c], 'float32', ones);
    this.beta = this.addWeight('beta', [c], 'float32', zeros);
    this.movingMean = this.addWeight('moving_mean', [c], 'float32', zeros, undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [c], 'float32', ones, undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return shapeOf(inputShape);
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    const x = one(inputs);
    const c = x.shape[x.rank - 1]!;
    return tf.tidy(() => {
      const x2 = tf.reshape(x, [-1, c]);
      const [gamma, beta] = [this.gamma!.read(), this.beta!.read()];
      let y: Tensor;
      if (kwargs['training'] === true) {
        const n = x2.shape[0]!;
        y = batchNormTraining(x2, gamma, beta, this.epsilon, (mean, variance) => {
          const m = this.momentum;
          const unbiased = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
          this.movingMean!.write(tf.add(tf.mul(this.movingMean!.read(), m), tf.mul(mean, 1 - m)));
          this.movingVariance!.write(tf.add(tf.mul(this.movingVariance!.read(), m), tf.mul(unbiased, 1 - m)));
        });
      } else {
        y = batchNormInference(
          x2,
          gamma,
          beta,
          this.movingMean!.read(),
          this.movingVariance!.read(),
          this.epsilon,
        );
      }
      return tf.reshape(y, x.shape);
    });
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon };
  }
}

export type DenseActivation = 'linear' | 'relu' | 'softmax';

export interface SerDenseArgs extends BaseArgs {
  units: number;
  activation?: DenseActivation;
  seed: number;
}

/** Dense layer on [batch, features] whose gradient uses only untransposed products. */
export class SerDense extends tf.layers.Layer {
  static className = 'SerDense';
  readonly units: number;
  readonly activation: DenseActivation;
  readonly seed: number;
  private kernel: LayerVariable | null = null;
  private bias: LayerVariable | null = null;

  constructor(args: SerDenseArgs) {
    super(args);
    this.units = args.units;
    this.activation = args.activation ?? 'linear';
    this.seed = args.seed;
  }

  override build(inputShape: Shape | Shape[]): void {
    const inputs = shapeOf(inputShape)[1]!;
    this.kernel = this.addWeight(
      'kernel',
      [inputs, this.units],
      'float32',
      fromValues((s) => glorotUniform(s, this.seed)),
    );
    this.bias = this.addWeight('bias', [this.units], 'float32', zeros);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [shapeOf(inputShape)[0]!, this.units];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tf.tidy(() => {
      const y = matMulBias(one(inputs), this.kernel!.read(), this.bias!.read());
      if (this.activation === 'relu') return tf.relu(y);
      if (this.activation === 'softmax') return tf.softmax(y);
      return y;
    });
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), units: this.units, activation: this.activation, seed: this.seed };
  }
}

export interface SerDropoutArgs extends BaseArgs {
  rate: number;
  /** 'element' drops single values; 'channel' drops whole feature channels across time. */
  mode?: 'element' | 'channel';
  seed: number;
}

/**
 * Dropout with a fresh, reproducible mask per training call. (tf.layers.dropout with a
 * seed reuses one mask for every batch, because each call reseeds the generator.)
 */
export class SerDropout extends tf.layers.Layer {
  static className = 'SerDropout';
  readonly rate: number;
  readonly mode: 'element' | 'channel';
  readonly seed: number;
  /** The mask generator's state: makeRng's mulberry32, inlined in call (4x faster than a call a value). */
  private state: number;
  /**
   * Set while this model is one replica of a data-parallel fit (training/data-parallel.ts): its
   * rows are [offset, offset + n) of a batch of `total` rows. The generator then skips the other
   * replicas' draws, so each row gets the mask one thread would give it and the replicas' masks
   * never repeat each other (mulberry32's state advances by a constant per draw: skipping k draws
   * is one addition).
   */
  batchWindow: { offset: number; total: number } | null = null;

  constructor(args: SerDropoutArgs) {
    super(args);
    this.rate = args.rate;
    this.mode = args.mode ?? 'element';
    this.seed = args.seed;
    this.state = args.seed >>> 0;
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return shapeOf(inputShape);
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    const x = one(inputs);
    if (kwargs['training'] !== true || this.rate <= 0) return x;
    const keep = 1 - this.rate;
    const shape = this.mode === 'channel' && x.rank === 3 ? [x.shape[0]!, 1, x.shape[2]!] : x.shape;
    // The mask is drawn in JS with our own generator: one upload and one multiply, instead
    // of tf.randomUniform's per-call reseeding plus three kernels to threshold and scale.
    const mask = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const scale = 1 / keep;
    let s = this.state;
    const win = this.batchWindow;
    const perRow = mask.length / shape[0]!;
    if (win) s = (s + Math.imul(win.offset * perRow, 0x6d2b79f5)) >>> 0;
    for (let i = 0; i < mask.length; i++) {
      // makeRng(seed)() step by step (util/rng.ts; tests/unit/model-build.test.ts checks they agree).
      s = (s + 0x6d2b79f5) >>> 0;
      let t = Math.imul(s ^ (s >>> 15), s | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      mask[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296 < keep ? scale : 0;
    }
    if (win) s = (s + Math.imul((win.total - win.offset - shape[0]!) * perRow, 0x6d2b79f5)) >>> 0;
    this.state = s;
    return tf.tidy(() => tf.mul(x, tf.tensor(mask, shape, 'float32')));
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), rate: this.rate, mode: this.mode, seed: this.seed };
  }
}

for (const cls of [SerConv1D, SerTimeMaxPool, SerLSTM, SerBatchNorm, SerDense, SerDropout]) {
  tf.serialization.registerClass(cls);
}
