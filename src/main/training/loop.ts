/**
 * The training loop, written out instead of model.fit so that it can: weight samples by class,
 * build each batch on demand (random crops, masking), report every batch, stop between batches
 * when cancelled, and restore the weights of the epoch with the best validation loss.
 */
import { SerError } from '../../shared/errors.js';
import type { EpochMetrics, LearningRateSchedule } from '../../shared/training.js';
import { FusedAdam } from '../model/adam.js';
import { SerDropout } from '../model/layers.js';
import { tf, type LayersModel, type Tensor } from '../model/tf.js';
import type { ExampleSet } from './examples.js';
import { weightsFingerprint, type ReplicaExchange } from './replica-exchange.js';
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
  /**
   * This model is one replica of a data-parallel fit (data-parallel.ts): every replica runs this
   * loop on the same examples and seed, builds each batch whole (the same crops, masks and mixup
   * as one thread) and trains on its own rows of it; the exchange averages the gradients, so the
   * identical Adam update keeps the replicas identical. Rank 0, the leader, validates, decides
   * early stopping and reports; the others only train.
   */
  replica?: ReplicaExchange;
}

export interface FitResult {
  history: EpochMetrics[];
  /** 1-based epoch whose weights the model now holds. */
  bestEpoch: number;
  stoppedEarly: boolean;
  /**
   * Data-parallel fits: each replica's fingerprint of its final weights (before the best epoch's
   * are restored), in rank order; all equal, or the fit throws.
   */
  replicaFingerprints?: number[];
  /** Data-parallel fits: this replica's wall milliseconds in the exchange (where the time goes). */
  exchangeMs?: { copy: number; wait: number; reduce: number };
}

/** Examples `idx` filled into one buffer, row after row. */
function batchValues(set: ExampleSet, idx: ArrayLike<number>, rng: Rng | null): Float32Array {
  const per = set.shape.reduce((a, b) => a * b, 1);
  const buf = new Float32Array(idx.length * per);
  for (let j = 0; j < idx.length; j++) set.fill(idx[j]!, buf, j * per, rng);
  return buf;
}

/** A batch tensor of examples `idx`. */
function batchTensor(set: ExampleSet, idx: ArrayLike<number>, rng: Rng | null): Tensor {
  return tf.tensor(batchValues(set, idx, rng), [idx.length, ...set.shape]);
}

/**
 * The rows [offset, offset + count) of a batch of `rows` that replica `rank` of `replicas` trains
 * on: contiguous, as equal as they come (16 and 16 of 32; 8 and 7 of 15).
 */
export function replicaRows(rows: number, rank: number, replicas: number): { offset: number; count: number } {
  const offset = Math.floor((rank * rows) / replicas);
  return { offset, count: Math.floor(((rank + 1) * rows) / replicas) - offset };
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
  const exchange = opts.replica ?? null;
  if (exchange && adv && adv.lambda > 0) {
    // Its loss mixes speaker targets across the whole batch; a replica holds only its rows.
    throw new SerError(
      'TrainingError',
      'speaker-adversarial training does not run data-parallel (use one replica)',
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
  const replicas = exchange?.replicas ?? 1;
  const rank = exchange?.rank ?? 0;
  const shapes = vars.map((v) => v.shape);
  const dropouts = exchange ? model.layers.filter((l): l is SerDropout => l instanceof SerDropout) : [];
  let fingerprints: number[] | undefined;

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
        // A last batch with fewer rows than replicas would leave one without data (and its batch
        // norm without statistics): data-parallel fits skip it (a batch of 1 when batches are 32
        // and the examples odd; which examples it holds changes every epoch).
        if (idx.length < replicas) continue;
        const rows = replicaRows(idx.length, rank, replicas);
        const yAll = Int32Array.from(idx, (i) => train.labels[i]!);
        const swAll = classW ? Float32Array.from(yAll, (c) => classW[c]!) : null;
        let tAll = smoothTargets(yAll, k, eps);
        let x: Tensor;
        let mix: { lam: number; perm: number[] } | null = null;
        if (alpha > 0 && idx.length > 1) {
          // Mixup: each example with another of the batch, inputs, targets and class weights alike.
          const full = batchTensor(train, idx, rng);
          const lam = betaSample(alpha, mixRng);
          const perm = Array.from({ length: idx.length }, (_, j) => j);
          shuffle(perm, mixRng);
          const permT = tf.tensor1d(perm, 'int32');
          x = tf.tidy(() => {
            const mixed = tf.add(tf.mul(full, lam), tf.mul(tf.gather(full, permT), 1 - lam));
            return replicas > 1 ? tf.slice(mixed, rows.offset, rows.count) : mixed;
          });
          tf.dispose([full, permT]);
          const t2 = new Float32Array(tAll.length);
          perm.forEach((p, j) => {
            for (let c = 0; c < k; c++) t2[j * k + c] = lam * tAll[j * k + c]! + (1 - lam) * tAll[p * k + c]!;
            if (swAll) swAll[j] = lam * classW![yAll[j]!]! + (1 - lam) * classW![yAll[p]!]!;
          });
          tAll = t2;
          mix = { lam, perm };
        } else {
          // The whole batch is filled (every replica draws the crops and masks of every row, so
          // its generator stays where one thread's would be); only this replica's rows are used.
          const per = train.shape.reduce((a, c) => a * c, 1);
          const values = batchValues(train, idx, rng);
          x = tf.tensor(values.subarray(rows.offset * per, (rows.offset + rows.count) * per), [
            rows.count,
            ...train.shape,
          ]);
        }
        const n = rows.count;
        const yIdx = yAll.subarray(rows.offset, rows.offset + n);
        const y = tf.tensor2d(tAll.subarray(rows.offset * k, (rows.offset + n) * k), [n, k]);
        const w = swAll ? tf.tensor1d(swAll.subarray(rows.offset, rows.offset + n)) : null;
        for (const d of dropouts) d.batchWindow = { offset: rows.offset, total: idx.length };
        let pred: Tensor | null = null;
        // With the adversary, the loss reported (and compared with validation) is the emotion part.
        let emotionLoss: Tensor | null = null;
        const loss = () => {
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
        };
        let batchLoss: number;
        if (!exchange) {
          const cost = optimizer.minimize(loss, true, vars);
          const [lossV] = await ((emotionLoss as Tensor | null) ?? cost).data();
          const predV = await (pred as unknown as Tensor).data();
          for (let j = 0; j < n; j++) if (predV[j] === yIdx[j]) correct++;
          batchLoss = lossV!;
          lossSum += lossV! * n;
          tf.dispose([cost, ...(emotionLoss ? [emotionLoss] : [])]);
        } else {
          const { value, grads } = tf.variableGrads(loss, vars);
          const [lossV] = await value.data();
          const predV = await (pred as unknown as Tensor).data();
          let hits = 0;
          for (let j = 0; j < n; j++) if (predV[j] === yIdx[j]) hits++;
          value.dispose();
          let reduced;
          try {
            reduced = await exchange.allReduce(
              vars.map((v) => grads[v.name] ?? null),
              shapes,
              n,
              lossV! * n,
              hits,
            );
          } finally {
            tf.dispose(Object.values(grads));
          }
          try {
            optimizer.applyGradients(vars.map((v, i) => [v, reduced.grads[i]!] as const));
          } finally {
            tf.dispose(reduced.grads);
          }
          correct += reduced.correct;
          lossSum += reduced.lossSum;
          batchLoss = reduced.lossSum / idx.length;
        }
        seen += idx.length;
        tf.dispose([x, y, pred as unknown as Tensor, ...(w ? [w] : [])]);

        batchesRun++;
        const dt = (performance.now() - tb) / 1000;
        batchSeconds = batchesRun === 1 ? dt : 0.9 * batchSeconds + 0.1 * dt;
        const left = (opts.epochs - epoch) * batches + (batches - b - 1) + (opts.laterBatches ?? 0);
        opts.onBatch?.({
          epoch,
          batch: b + 1,
          batches,
          loss: batchLoss,
          accuracy: correct / seen,
          etaSeconds: left * batchSeconds,
        });
        await yieldToEvents();
      }
      throwIfAborted(opts.signal);
      if (exchange && model.nonTrainableWeights.length > 0) {
        // Each replica's batch-norm moving statistics saw only its rows of every batch; their mean
        // over the replicas is what the moving averages of the per-replica statistics would be
        // had they been averaged at every step (the moving average is linear), and every replica
        // holds the same values again before the leader validates.
        const moving = model.nonTrainableWeights;
        const mean = await exchange.average(moving.map((m) => m.read()));
        moving.forEach((m, i) => m.write(mean[i]!));
        tf.dispose(mean);
      }
      const v = rank === 0 && val && val.size > 0 ? await lossAndAccuracy(model, val) : null;
      const m: EpochMetrics = {
        epoch,
        trainLoss: lossSum / Math.max(1, seen),
        trainAccuracy: correct / Math.max(1, seen),
        valLoss: v ? v.loss : null,
        valAccuracy: v ? v.accuracy : null,
        seconds: (performance.now() - t0) / 1000,
      };
      history.push(m);
      const eta = ((opts.epochs - epoch) * batches + (opts.laterBatches ?? 0)) * batchSeconds;
      opts.onEpoch?.(m, eta);
      let stop = false;
      if (v) {
        if (!best || v.loss < best.loss) {
          if (best) tf.dispose(best.weights);
          best = { loss: v.loss, epoch, weights: model.getWeights().map((t) => t.clone()) };
          sinceBest = 0;
        } else if (++sinceBest >= opts.patience) {
          stop = true;
        }
      }
      // The leader's decision is every replica's: they stop together.
      if (exchange) stop = await exchange.decide(stop);
      if (stop) {
        stoppedEarly = epoch < opts.epochs;
        break;
      }
    }
    if (exchange) {
      // The replicas must hold the same weights (the point of averaging): checked once, at the end.
      fingerprints = await exchange.agree(weightsFingerprint(model.getWeights()));
    }
    if (best) model.setWeights(best.weights);
    return {
      history,
      bestEpoch: best ? best.epoch : history.length,
      stoppedEarly,
      ...(fingerprints ? { replicaFingerprints: fingerprints } : {}),
      ...(exchange ? { exchangeMs: { ...exchange.time } } : {}),
    };
  } finally {
    for (const d of dropouts) d.batchWindow = null;
    if (best) tf.dispose(best.weights);
    adversary?.dispose();
    optimizer.dispose();
  }
}
