/**
 * A speaker-adversarial head for training (DANN, Ganin & Lempitsky 2015; OptimizerConfig.
 * speakerAdversarial): a softmax over the training speakers on the model's last hidden layer,
 * behind a gradient reversal. Its weights learn to tell the speakers apart; the reversal makes
 * the shared layers learn to make that impossible, so they keep what predicts emotion across
 * voices rather than what identifies a voice.
 *
 * The head lives here, outside the model: its variables exist only during fitModel and are
 * disposed after, so the saved model, its folder format and every predict path are what they
 * were (the speakers of a training set mean nothing at use time).
 */
import { SerError } from '../../shared/errors.js';
import { reversalSchedule, reverseGradient } from '../model/gradient-reversal.js';
import { glorotUniform } from '../model/init.js';
import { matMulBias } from '../model/ops.js';
import { tf, type LayersModel, type Tensor } from '../model/tf.js';
import { subSeed } from '../util/rng.js';

/** What fitModel needs to train against the speakers. */
export interface SpeakerAdversarialOptions {
  /** Final weight of the reversed gradient (reached along reversalSchedule). */
  lambda: number;
  /** Speaker class (0 .. count - 1) of each training example, in the training set's order. */
  speakers: Int32Array;
  /** Number of speaker classes. */
  count: number;
  /** Units of the head's hidden layer (relu); 0 or absent: a linear softmax head. */
  headUnits?: number;
}

/**
 * Speaker classes of training examples from their speakers' names: classes in order of first
 * appearance. Refuses fewer than two speakers (there is nothing to be invariant to).
 */
export function speakerClasses(names: ReadonlyArray<string | null | undefined>): {
  speakers: Int32Array;
  count: number;
} {
  const ids = new Map<string, number>();
  const speakers = new Int32Array(names.length);
  names.forEach((name, i) => {
    if (name === null || name === undefined) {
      throw new SerError(
        'ValidationError',
        'optimizer.speakerAdversarial: every training clip needs a speaker (RAVDESS names or a speaker folder)',
      );
    }
    let id = ids.get(name);
    if (id === undefined) ids.set(name, (id = ids.size));
    speakers[i] = id;
  });
  if (ids.size < 2) {
    throw new SerError(
      'ValidationError',
      `optimizer.speakerAdversarial: needs at least 2 training speakers, found ${ids.size}`,
    );
  }
  return { speakers, count: ids.size };
}

export class SpeakerAdversary {
  readonly vars: tf.Variable[];
  /** [kernel, bias] per dense layer of the head, the last one the speaker logits. */
  private readonly dense: Array<[tf.Variable, tf.Variable]>;

  constructor(
    private readonly model: LayersModel,
    private readonly opts: SpeakerAdversarialOptions,
    seed: number,
  ) {
    const last = model.layers[model.layers.length - 1];
    // The output layer's kernel is [hidden units, classes].
    const hidden = last?.weights[0]?.shape[0];
    if (!last || model.layers.length < 2 || typeof hidden !== 'number') {
      throw new SerError('ValidationError', 'optimizer.speakerAdversarial: the model has no hidden layer');
    }
    const sizes = [hidden, ...(opts.headUnits ? [opts.headUnits] : []), opts.count];
    this.dense = sizes.slice(1).map((units, i) => {
      // Its own seed stream: the model's initial weights are those of a run without the head.
      const init = glorotUniform([sizes[i]!, units], subSeed(seed, 0x5be4 + i));
      // tidy disposes the initial values (a variable holds its own reference to the data).
      return tf.tidy(() => [
        tf.variable(tf.tensor2d(init, [sizes[i]!, units]), true),
        tf.variable(tf.zeros([units]), true),
      ]);
    });
    this.vars = this.dense.flat();
  }

  /**
   * The model's emotion probabilities and its last hidden layer, in training mode: every layer
   * but the output applied in turn (what model.apply does for a sequential model), so the hidden
   * activations the emotion head sees are the ones the adversary sees.
   */
  forward(x: Tensor): { probs: Tensor; hidden: Tensor } {
    const layers = this.model.layers;
    let h = x;
    for (const layer of layers.slice(0, -1)) h = layer.apply(h, { training: true }) as Tensor;
    return { probs: layers[layers.length - 1]!.apply(h, { training: true }) as Tensor, hidden: h };
  }

  /**
   * Mean speaker cross-entropy of `hidden` through the reversal, for the batch of training
   * examples `idx`, at `progress` (0..1) through training. With mixup, `mix` gives the batch's
   * weight and partner rows, and the speaker targets are mixed like the emotion targets.
   */
  loss(
    hidden: Tensor,
    idx: ArrayLike<number>,
    progress: number,
    mix: { lam: number; perm: number[] } | null,
  ): Tensor {
    const n = idx.length;
    const s = this.opts.count;
    const targets = new Float32Array(n * s);
    for (let j = 0; j < n; j++) {
      const own = this.opts.speakers[idx[j]!]!;
      if (!mix) {
        targets[j * s + own] = 1;
        continue;
      }
      targets[j * s + own]! += mix.lam;
      targets[j * s + this.opts.speakers[idx[mix.perm[j]!]!]!]! += 1 - mix.lam;
    }
    return tf.tidy(() => {
      let h = reverseGradient(hidden, reversalSchedule(this.opts.lambda, progress));
      this.dense.forEach(([kernel, bias], i) => {
        h = matMulBias(h, kernel, bias);
        if (i < this.dense.length - 1) h = tf.relu(h);
      });
      const logp = tf.logSoftmax(h);
      return tf.neg(tf.mean(tf.sum(tf.mul(tf.tensor2d(targets, [n, s]), logp), -1)));
    });
  }

  dispose(): void {
    tf.dispose(this.vars);
  }
}
