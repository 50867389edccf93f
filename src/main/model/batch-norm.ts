/**
 * Batch normalisation over the last axis, as one op with a hand-written gradient.
 *
 * tf.layers.batchNormalization trains on wasm but costs more than the convolutions it
 * follows (+65% per step on the seed model): its moments and its autodiff gradient reduce
 * over the leading axes, which the wasm kernels do by transposing the whole activation
 * first. Here every reduction over rows is a product with a row of ones (XNNPACK) and the
 * rest is broadcasting elementwise kernels.
 */
import { customOp } from './custom-op.js';
import { sumRows } from './tensor-helpers.js';
import { tf, type Tensor } from './tf.js';

/**
 * Training-mode batch norm of x [n, c]: (x - mean) / sqrt(var + eps) * gamma + beta with the
 * batch's mean and (biased) variance, which are handed to `stats` for the moving averages.
 */
export function batchNormTraining(
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  epsilon: number,
  stats: (mean: Tensor, variance: Tensor) => void,
): Tensor {
  const n = x.shape[0]!;
  return customOp(
    'batchNorm',
    [x, gamma, beta],
    (save) => {
      const mean = tf.div(sumRows(x), n);
      const centred = tf.sub(x, mean);
      const variance = tf.div(sumRows(tf.square(centred)), n);
      const inv = tf.rsqrt(tf.add(variance, epsilon));
      const xhat = tf.mul(centred, inv);
      stats(mean, variance);
      save([xhat, inv, gamma]);
      return tf.add(tf.mul(xhat, gamma), beta);
    },
    (dy, [xhat, inv, g]) => {
      const dbeta = sumRows(dy);
      const dgamma = sumRows(tf.mul(dy, xhat!));
      return [
        // dx = gamma * inv * (dy - mean(dy) - xhat * mean(dy * xhat))
        () =>
          tf.mul(tf.sub(tf.sub(dy, tf.div(dbeta, n)), tf.mul(xhat!, tf.div(dgamma, n))), tf.mul(g!, inv!)),
        () => dgamma,
        () => dbeta,
      ];
    },
  );
}

/** Inference-mode batch norm with moving statistics, folded into one scale and one shift. */
export function batchNormInference(
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  movingMean: Tensor,
  movingVariance: Tensor,
  epsilon: number,
): Tensor {
  const scale = tf.mul(gamma, tf.rsqrt(tf.add(movingVariance, epsilon)));
  return tf.add(tf.mul(x, scale), tf.sub(beta, tf.mul(movingMean, scale)));
}
