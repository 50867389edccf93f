/**
 * Portable, fast differentiable ops: they train on every backend, wasm included.
 *
 * Facts about @tensorflow/tfjs-backend-wasm 4.22 that shape this file:
 * - no Conv2DBackpropFilter (and no UnsortedSegmentSum, the gradient of gather), so the
 *   built-in conv1d cannot train there; its Conv2DBackpropInput and MaxPoolGrad exist but run
 *   scalar loops (41 ms and 4.7 ms on the reference model's first block);
 * - Conv2D, MaxPool and plain 2-D MatMul run XNNPACK (~47 GFLOP/s on one core), but any
 *   MatMul with a transpose flag, which the stock MatMul gradient uses, runs a scalar loop;
 * - comparisons with broadcasting (Equal: 15 ms) and bool -> float casts are slow; Step,
 *   Sub and Mul with broadcasting are fast.
 * So each op runs its forward pass on a fast kernel and has a hand-written gradient built
 * only from plain products, block transposes, slices, concat and elementwise kernels.
 */
import { customOp } from './custom-op.js';
import { sumRows, transpose2d } from './tensor-helpers.js';
import { tf, type Tensor } from './tf.js';

export type Activation = 'linear' | 'relu';

/**
 * Weights at least this large are multiplied from the left while a gradient is recorded (see
 * matMulBias): below it, repacking them costs less than the transposes.
 */
const LEFT_PRODUCT_MIN_WEIGHTS = 16384;

/** Whether the engine is recording a gradient (training), as opposed to predicting. */
function recordingGradients(): boolean {
  return (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
}

/**
 * y = x w (+ bias): x [n, in], w [in, out], bias [out].
 *
 * XNNPACK (the wasm MatMul) packs the right-hand matrix of a product and caches the packed copy
 * by tensor; a weight that changes every step is repacked at every call (32 x 1122 x 512 with a
 * fresh weight: 5.3 ms, of which 3.4 ms packing). So while training, a large weight goes on the
 * left: y = (w^T x^T)^T, dx = (w dy^T)^T and dw = x^T dy, where only the small n-row matrices
 * are packed. Predicting keeps x w (the weights are fixed, so their packed copy is reused).
 */
export function matMulBias(x: Tensor, w: Tensor, bias: Tensor | null): Tensor {
  const left = w.size >= LEFT_PRODUCT_MIN_WEIGHTS && recordingGradients();
  return customOp(
    'matMulBias',
    bias ? [x, w, bias] : [x, w],
    (save) => {
      if (!left) {
        save([x, w]);
        return bias ? tf.fused.matMul({ a: x, b: w, bias }) : tf.matMul(x, w);
      }
      const xT = tf.transpose(x);
      save([xT, w]);
      const y = tf.transpose(tf.matMul(tf.transpose(w), xT));
      return bias ? tf.add(y, bias) : y;
    },
    (dy, [xs, ws]) => {
      const grads = left
        ? [() => tf.transpose(tf.matMul(ws!, tf.transpose(dy))), () => tf.matMul(xs!, dy)]
        : [() => tf.matMul(dy, transpose2d(ws!)), () => tf.matMul(transpose2d(xs!), dy)];
      if (bias) grads.push(() => sumRows(dy));
      return grads;
    },
  );
}

/** 'same' padding split the way TensorFlow does it (the extra zero goes right for even k). */
export function samePadding(k: number): [number, number] {
  const left = Math.floor((k - 1) / 2);
  return [left, k - 1 - left];
}

type Conv2dPad = 'same' | [[number, number], [number, number], [number, number], [number, number]];

/** Padding along time for a [B, T, 1, C] conv2d: 'same' when symmetric (every backend has it). */
function timePadding(before: number, after: number): Conv2dPad {
  return before === after
    ? 'same'
    : [
        [0, 0],
        [before, after],
        [0, 0],
        [0, 0],
      ];
}

/** Reverse the first axis of a small tensor (the Reverse kernel is slow on wasm; gather is not). */
function reverseAxis0(x: Tensor): Tensor {
  const n = x.shape[0]!;
  return tf.gather(
    x,
    tf.tensor1d(
      Int32Array.from({ length: n }, (_, i) => n - 1 - i),
      'int32',
    ),
    0,
  );
}

/**
 * 1-D convolution, stride 1, 'same' padding: x [B, T, C], kernel [k, C, F] (tf.conv1d's
 * layout), bias [F] -> [B, T, F]. Forward: Conv2D over [B, T, 1, C]. Gradients: the input's
 * is the convolution of dy with the kernel reversed in time (Conv2D again, no scatter); the
 * kernel's is windows(x)^T dy, the transposed windows built from one cheap transpose of x
 * and k slices, so the product needs no transpose flag.
 */
export function conv1dSame(x: Tensor, kernel: Tensor, bias: Tensor | null): Tensor {
  const [batch, frames, channels] = x.shape as [number, number, number];
  const [k, , filters] = kernel.shape as [number, number, number];
  const [padLeft, padRight] = samePadding(k);
  return customOp(
    'conv1dSame',
    bias ? [x, kernel, bias] : [x, kernel],
    (save) => {
      save([x, kernel]);
      const x4 = tf.reshape(x, [batch, frames, 1, channels]) as tf.Tensor4D;
      const f4 = tf.reshape(kernel, [k, 1, channels, filters]) as tf.Tensor4D;
      const pad = timePadding(padLeft, padRight);
      const y = bias
        ? tf.fused.conv2d({ x: x4, filter: f4, strides: 1, pad, bias })
        : tf.conv2d(x4, f4, 1, pad);
      return tf.reshape(y, [batch, frames, filters]);
    },
    (dy, [xs, kern]) => {
      const dy2 = tf.reshape(dy, [batch * frames, filters]);
      const grads = [
        () => {
          // y[t] = sum_j x[t + j - padLeft] K_j  =>  dx[s] = sum_j dy[s + j - padRight] K'_j,
          // K'_j = K_{k-1-j}^T: the same convolution with the kernel reversed and transposed.
          const back = tf.reshape(tf.transpose(reverseAxis0(kern!), [0, 2, 1]), [k, 1, filters, channels]);
          const dy4 = tf.reshape(dy, [batch, frames, 1, filters]) as tf.Tensor4D;
          const dx = tf.conv2d(dy4, back as tf.Tensor4D, 1, timePadding(padRight, padLeft));
          return tf.reshape(dx, [batch, frames, channels]);
        },
        () => {
          const padded = tf.pad(xs!, [
            [0, 0],
            [padLeft, padRight],
            [0, 0],
          ]);
          // [C, B, T + k - 1]: a time shift is now a slice along the last axis.
          const xt = tf.transpose(padded, [2, 0, 1]);
          const shifts = Array.from({ length: k }, (_, j) =>
            tf.slice(xt, [0, 0, j], [channels, batch, frames]),
          );
          const colsT = tf.reshape(k === 1 ? shifts[0]! : tf.concat(shifts, 0), [
            k * channels,
            batch * frames,
          ]);
          return tf.reshape(tf.matMul(colsT, dy2), [k, channels, filters]);
        },
      ];
      if (bias) grads.push(() => sumRows(dy2));
      return grads;
    },
  );
}

/**
 * Max over non-overlapping windows of `pool` frames ('valid': trailing frames that do not
 * fill a window are dropped), then the activation: x [B, T, C] -> [B, floor(T/pool), C].
 * relu after the max equals the max after relu and touches `pool` times fewer values.
 * The gradient goes to every frame equal to its window's max (exact ties only occur for
 * repeated inputs, where any split is a valid subgradient).
 */
export function timeMaxPool(x: Tensor, pool: number, activation: Activation): Tensor {
  const [batch, frames, channels] = x.shape as [number, number, number];
  const outFrames = Math.floor(frames / pool);
  const used = outFrames * pool;
  return customOp(
    'timeMaxPool',
    [x],
    (save) => {
      const x4 = tf.reshape(x, [batch, frames, 1, channels]) as tf.Tensor4D;
      const m = tf.reshape(tf.maxPool(x4, [pool, 1], [pool, 1], 'valid'), [batch, outFrames, channels]);
      save([x, m]);
      return activation === 'relu' ? tf.relu(m) : m;
    },
    (dy, [xs, m]) => [
      () => {
        const dm = activation === 'relu' ? tf.mul(dy, tf.step(m!)) : dy;
        const xu = used === frames ? xs! : tf.slice(xs!, [0, 0, 0], [batch, used, channels]);
        const xr = tf.reshape(xu, [batch, outFrames, pool, channels]);
        // m - x >= 0 and step(0) = 0, so 1 - step(m - x) is exactly [x == m]
        // (Equal with broadcasting and the bool cast are slow on wasm).
        const notMax = tf.step(tf.sub(tf.expandDims(m!, 2), xr));
        const dmb = tf.expandDims(dm, 2);
        const dx = tf.reshape(tf.sub(dmb, tf.mul(dmb, notMax)), [batch, used, channels]);
        return used === frames
          ? dx
          : tf.pad(dx, [
              [0, 0],
              [0, frames - used],
              [0, 0],
            ]);
      },
    ],
  );
}
