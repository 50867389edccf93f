/**
 * The training loop, written out instead of model.fit so that it can: weight samples by class,
 * build each batch on demand (random crops, masking), report every batch, stop between batches
 * when cancelled, and restore the weights of the epoch with the best validation loss.
 */
import { SerError } from '../../shared/errors.js';
import type { EpochMetrics, LearningRateSchedule } from '../../shared/training.js';
import { FusedAdam } from '../model/adam.js';
import { tf, type LayersModel, type Tensor } from '../model/tf.js';
import type { ExampleSet } from './examples.js';
import { SpeakerAdversary, type SpeakerAdversarialOptions } from './speaker-adversary.js';
import { makeRng, seededRng, shuffle, subSeed, type Rng } from '../util/rng.js';

export interface FitOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** See OptimizerConfig.schedule. */
  schedule?: LearningRateSchedule;
  /** Early stopping patience on validation loss (ignored without a validation set). */
  patience: number;
  /** See OptimizerConfig.labelSmoothing (0: none). */
  labelSmoothing?: number;
  /** See OptimizerConfig.mixup (0: none). */
  mixup?: number;
  /** See OptimizerConfig.speakerAdversarial (absent or lambda 0: none). */
  speakerAdversarial?: SpeakerAdversarialOptions;
  /** Per-class loss weights (balanced class weights), or null for none. */
  classWeights: Float32Array | null;
  seed: number;
  signal?: AbortSignal;
  onBatch?: (b: {
    epoch: number;
    batch: number;
    batches: number;
    loss: number;
    accuracy: number;
    etaSeconds: number;
  }) => void;
  onEpoch?: (m: EpochMetrics, etaSeconds: number) => void;
  /** Batches still to run after this fit (later folds), for the ETA. */
  laterBatches?: number;
}

export interface FitResult {
  history: EpochMetrics[];
  /** 1-based epoch whose weights the model now holds. */
  bestEpoch: number;
  stoppedEarly: boolean;
}

/** Fill a batch tensor from examples `idx`. */
function batchTensor(set: ExampleSet, idx: ArrayLike<number>, rng: Rng | null): Tensor {
  const per = set.shape.reduce((a, b) => a * b, 1);
  const buf = new Float32Array(idx.length * per);
  for (let j = 0; j < idx.length; j++) set.fill(idx[j]!, buf, j * per, rng);
  return tf.tensor(buf, [idx.length, ...set.shape]);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SerError('Cancelled', 'training cancelled');
}

/** Let queued messages (a cancel from the parent thread) run between batches. */
const yieldToEvents = () => new Promise<void>((r) => setImmediate(r));

/** Mean cross-entropy of softmax outputs `probs` against target distributions [n x k], weighted per sample. */
function crossEntropy(probs: Tensor, targets: Tensor, weights: Tensor | null): Tensor {
  const ce = tf.neg(tf.sum(tf.mul(targets, tf.log(tf.clipByValue(probs, 1e-7, 1))), -1));
  return weights ? tf.mean(tf.mul(ce, weights)) : tf.mean(ce);
}

/** One-hot targets of `labels`, smoothed towards uniform by `eps`. */
function smoothTargets(labels: Int32Array, k: number, eps: number): Float32Array {
  const t = new Float32Array(labels.length * k).fill(eps / k);
  labels.forEach((y, i) => (t[i * k + y] = 1 - eps + eps / k));
  return t;
}

/** Gamma(a, 1) by Marsaglia and Tsang (a < 1 through a + 1 and U^(1/a)). */
function gamma(a: number, rng: Rng): number {
  if (a < 1) return gamma(a + 1, rng) * Math.pow(Math.max(rng(), 1e-12), 1 / a);
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = Math.sqrt(-2 * Math.log(Math.max(rng(), 1e-12))) * Math.cos(2 * Math.PI * rng());
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng();
    if (Math.log(Math.max(u, 1e-12)) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** λ ~ Beta(α, α). */
export function betaSample(alpha: number, rng: Rng): number {
  const x = gamma(alpha, rng);
  const y = gamma(alpha, rng);
  return x + y > 0 ? x / (x + y) : 0.5;
}

/** Softmax outputs for every example of `set` (evaluation mode, centre crops), row-major [n x k]. */
export async function predictSet(model: LayersModel, set: ExampleSet, batchSize = 64): Promise<Float32Array> {
  const k = (model.outputs[0]!.shape[1] as number) ?? 0;
  const out = new Float32Array(set.size * k);
  for (let s = 0; s < set.size; s += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, set.size - s) }, (_, j) => s + j);
    const x = batchTensor(set, idx, null);
    const y = model.predict(x) as Tensor;
    out.set(await y.data(), s * k);
    x.dispose();
    y.dispose();
  }
  return out;
}

/** Unweighted mean loss and accuracy of `set`. */
export async function lossAndAccuracy(
  model: LayersModel,
  set: ExampleSet,
): Promise<{ loss: number; accuracy: number }> {
  const probs = await predictSet(model, set);
  const k = probs.length / Math.max(1, set.size);
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < set.size; i++) {
    const y = set.labels[i]!;
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[i * k + c]! > probs[i * k + best]!) best = c;
    if (best === y) correct++;
    loss -= Math.log(Math.min(1, Math.max(1e-7, probs[i * k + y]!)));
  }
  return { loss: loss / Math.max(1, set.size), accuracy: correct / Math.max(1, set.size) };
}

/** The learning rate for step `step` of `total` (0-based). */
export function learningRateAt(
  base: number,
  schedule: LearningRateSchedule,
  step: number,
  total: number,
): number {
  if (schedule === 'constant' || total <= 1) return base;
  return 0.5 * base * (1 + Math.cos((Math.PI * Math.min(step, total)) / total));
}

export async function fitModel(
  model: LayersModel,
  train: ExampleSet,
  val: ExampleSet | null,
  opts: FitOptions,
): Promise<FitResult> {
  if (train.size === 0) throw new SerError('TrainingError', 'the training split is empty');
  const k = model.outputs[0]!.shape[1] as number;
  const rng = seededRng(opts.seed);
  // Adam in one pass per weight array (model/adam.ts), not tfjs's dozen kernels per variable.
  const optimizer = new FusedAdam(opts.learningRate);
  const adv = opts.speakerAdversarial;
  if (adv && adv.speakers.length !== train.size) {
    throw new SerError(
      'TrainingError',
      `${adv.speakers.length} speakers for ${train.size} training examples`,
    );
  }
  // Trained beside the model and disposed after it (speaker-adversary.ts).
  const adversary = adv && adv.lambda > 0 ? new SpeakerAdversary(model, adv, opts.seed) : null;
  const vars = [...model.trainableWeights.map((w) => w.read() as tf.Variable), ...(adversary?.vars ?? [])];
  const batches = Math.ceil(train.size / opts.batchSize);
  const history: EpochMetrics[] = [];
  let best: { loss: number; epoch: number; weights: Tensor[] } | null = null;
  let sinceBest = 0;
  let stoppedEarly = false;
  let batchSeconds = 0;
  let batchesRun = 0;
  const order = Array.from({ length: train.size }, (_, i) => i);
  const classW = opts.classWeights;
  const eps = opts.labelSmoothing ?? 0;
  const alpha = opts.mixup ?? 0;
  // Its own stream, so runs without mixup keep their batch order and weights.
  const mixRng = makeRng(subSeed(opts.seed, 0x6d17));

  try {
    for (let epoch = 1; epoch <= opts.epochs; epoch++) {
      const t0 = performance.now();
      shuffle(order, rng);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let b = 0; b < batches; b++) {
        throwIfAborted(opts.signal);
        const tb = performance.now();
        optimizer.learningRate = learningRateAt(
          opts.learningRate,
          opts.schedule ?? 'constant',
          (epoch - 1) * batches + b,
          opts.epochs * batches,
        );
        const idx = order.slice(b * opts.batchSize, (b + 1) * opts.batchSize);
        let x = batchTensor(train, idx, rng);
        const yIdx = Int32Array.from(idx, (i) => train.labels[i]!);
        const sw = classW ? Float32Array.from(yIdx, (c) => classW[c]!) : null;
        let tArr = smoothTargets(yIdx, k, eps);
        let mix: { lam: number; perm: number[] } | null = null;
        if (alpha > 0 && idx.length > 1) {
          // Mixup: each example with another of the batch, inputs, targets and class weights alike.
          const lam = betaSample(alpha, mixRng);
          const perm = Array.from({ length: idx.length }, (_, j) => j);
          shuffle(perm, mixRng);
          const permT = tf.tensor1d(perm, 'int32');
          const mixed = tf.tidy(() => tf.add(tf.mul(x, lam), tf.mul(tf.gather(x, permT), 1 - lam)));
          tf.dispose([x, permT]);
          x = mixed;
          const t2 = new Float32Array(tArr.length);
          perm.forEach((p, j) => {
            for (let c = 0; c < k; c++) t2[j * k + c] = lam * tArr[j * k + c]! + (1 - lam) * tArr[p * k + c]!;
            if (sw) sw[j] = lam * classW![yIdx[j]!]! + (1 - lam) * classW![yIdx[p]!]!;
          });
          tArr = t2;
          mix = { lam, perm };
        }
        const y = tf.tensor2d(tArr, [idx.length, k]);
        const w = sw ? tf.tensor1d(sw) : null;
        let pred: Tensor | null = null;
        // With the adversary, the loss reported (and compared with validation) is the emotion part.
        let emotionLoss: Tensor | null = null;
        const cost = optimizer.minimize(
          () => {
            if (!adversary) {
              const probs = model.apply(x, { training: true }) as Tensor;
              pred = tf.keep(tf.argMax(probs, -1));
              return crossEntropy(probs, y, w) as tf.Scalar;
            }
            const { probs, hidden } = adversary.forward(x);
            pred = tf.keep(tf.argMax(probs, -1));
            emotionLoss = tf.keep(crossEntropy(probs, y, w));
            const progress = ((epoch - 1) * batches + b) / Math.max(1, opts.epochs * batches - 1);
            return tf.add(emotionLoss, adversary.loss(hidden, idx, progress, mix)) as tf.Scalar;
          },
          true,
          vars,
        )!;
        const [lossV] = await ((emotionLoss as Tensor | null) ?? cost).data();
        const predV = await (pred as unknown as Tensor).data();
        for (let j = 0; j < idx.length; j++) if (predV[j] === yIdx[j]) correct++;
        lossSum += lossV! * idx.length;
        seen += idx.length;
        tf.dispose([
          x,
          y,
          cost,
          pred as unknown as Tensor,
          ...(w ? [w] : []),
          ...(emotionLoss ? [emotionLoss] : []),
        ]);

        batchesRun++;
        const dt = (performance.now() - tb) / 1000;
        batchSeconds = batchesRun === 1 ? dt : 0.9 * batchSeconds + 0.1 * dt;
        const left = (opts.epochs - epoch) * batches + (batches - b - 1) + (opts.laterBatches ?? 0);
        opts.onBatch?.({
          epoch,
          batch: b + 1,
          batches,
          loss: lossV!,
          accuracy: correct / seen,
          etaSeconds: left * batchSeconds,
        });
        await yieldToEvents();
      }
      throwIfAborted(opts.signal);
      const v = val && val.size > 0 ? await lossAndAccuracy(model, val) : null;
      const m: EpochMetrics = {
        epoch,
        trainLoss: lossSum / seen,
        trainAccuracy: correct / seen,
        valLoss: v ? v.loss : null,
        valAccuracy: v ? v.accuracy : null,
        seconds: (performance.now() - t0) / 1000,
      };
      history.push(m);
      const eta = ((opts.epochs - epoch) * batches + (opts.laterBatches ?? 0)) * batchSeconds;
      opts.onEpoch?.(m, eta);
      if (v) {
        if (!best || v.loss < best.loss) {
          if (best) tf.dispose(best.weights);
          best = { loss: v.loss, epoch, weights: model.getWeights().map((t) => t.clone()) };
          sinceBest = 0;
        } else if (++sinceBest >= opts.patience) {
          stoppedEarly = epoch < opts.epochs;
          break;
        }
      }
    }
    if (best) model.setWeights(best.weights);
    return { history, bestEpoch: best ? best.epoch : history.length, stoppedEarly };
  } finally {
    if (best) tf.dispose(best.weights);
    adversary?.dispose();
    optimizer.dispose();
  }
}
