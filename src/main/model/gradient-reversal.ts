/**
 * Gradient reversal (Ganin & Lempitsky 2015, "Unsupervised domain adaptation by
 * backpropagation"): the identity going forward, the incoming gradient times -lambda going back.
 *
 * Put between a shared hidden layer and an adversary's head (a speaker classifier, say), it lets
 * one minimised loss train both sides against each other: the head's own weights lower the
 * adversary's loss, while every layer below the reversal receives that loss's gradient negated,
 * so it moves to raise it, towards features the adversary cannot use.
 */
import { customOp } from './custom-op.js';
import { tf, type Tensor } from './tf.js';

/** y = x; dL/dx = -lambda dL/dy. `lambda` 0 passes the value and blocks the gradient. */
export function reverseGradient(x: Tensor, lambda: number): Tensor {
  return customOp(
    'reverseGradient',
    [x],
    // A clone, not x itself: the op's output is a tensor of its own (on wasm the clone shares the
    // buffer, wasm-identity-kernel.ts).
    () => tf.clone(x),
    (dy) => [() => tf.mul(dy, tf.scalar(-lambda))],
  );
}

/**
 * DANN's schedule for lambda at `progress` (0 at the first step, 1 at the last): 2/(1+e^(-10p)) - 1
 * of the final value. It starts at 0 so the adversary's noisy early gradients cannot steer the
 * shared layers before the emotion features exist, and is within 1 % of the value from p = 0.53.
 */
export function reversalSchedule(lambda: number, progress: number): number {
  const p = Math.min(1, Math.max(0, progress));
  return lambda * (2 / (1 + Math.exp(-10 * p)) - 1);
}
