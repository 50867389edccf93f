/**
 * One train/validation/test round: normalise with training statistics, build the examples,
 * train with early stopping, evaluate the test clips. The trainer runs it once per split, or
 * once per fold for cross-validation.
 */
import type { FeatureMatrix } from '../../shared/features.js';
import type { EpochMetrics, Evaluation, TrainConfig } from '../../shared/training.js';
import { poolMatrix } from '../features/matrix.js';
import { centred, speakerCentres, typicalCentres } from './pooled-centre.js';
import { buildModel, modelInput } from '../model/build.js';
import type { LayersModel } from '../model/tf.js';
import { balancedClassWeights } from './class-weights.js';
import { predictClips, sequenceSet, vectorSet, type ExampleSet, type SequenceSource } from './examples.js';
import { fitModel, predictSet, type FitOptions } from './loop.js';
import { fitDataParallel } from './data-parallel.js';
import { argmaxRows, evaluate } from './metrics.js';
import { applyNormalization, fitNormalization, type Normalization } from './normalise.js';
import { shareSequences, shareVectors, sharedExampleSet, type SharedExamples } from './shared-examples.js';
import { speakerClasses } from './speaker-adversary.js';
import type { SplitIndices } from './splits.js';

export interface FoldData {
  /** Features of every clip (speaker-normalised already when the config asks for it). */
  matrices: FeatureMatrix[];
  /** Augmented copies by clip index (training clips only). */
  augmented: Map<number, FeatureMatrix[]>;
  /** Label index of every clip. */
  y: Int32Array;
  width: number;
  /** Speaker of every clip (null where the dataset names none); for speaker-adversarial training. */
  speakers?: Array<string | null>;
}

export interface FoldOutcome {
  model: LayersModel;
  normalization: Normalization;
  history: EpochMetrics[];
  bestEpoch: number;
  /** Null when the split has no test clips (a final fit on every speaker). */
  evaluation: Evaluation | null;
  /** Test clip indices and their class probabilities [n x k] (for pooling or ensembling). */
  test: { indices: number[]; probs: Float32Array };
  trainExamples: number;
}

export type FoldCallbacks = Pick<FitOptions, 'signal' | 'onBatch' | 'onEpoch' | 'laterBatches'>;

/** Examples per epoch for a split: training clips plus their augmented copies. */
export function trainingExampleCount(split: SplitIndices, augmented: Map<number, FeatureMatrix[]>): number {
  return split.train.reduce((n, i) => n + 1 + (augmented.get(i)?.length ?? 0), 0);
}

/**
 * Train and test one model on `split`. `replicas` > 1 trains it data-parallel (data-parallel.ts):
 * this thread leads, replicas - 1 worker threads help.
 */
export async function trainFold(
  data: FoldData,
  split: SplitIndices,
  config: TrainConfig,
  seed: number,
  cb: FoldCallbacks,
  replicas = 1,
): Promise<FoldOutcome> {
  // Every replica needs a row of every batch; the speaker adversary trains on one thread (loop.ts).
  const parallel =
    (config.optimizer.speakerAdversarial ?? 0) > 0 ? 1 : Math.min(replicas, config.optimizer.batchSize);
  const k = config.labels.length;
  const input = modelInput(config.model, data.width);
  const pooled = input.pooled;
  const featuresOf = (i: number): FeatureMatrix[] => [data.matrices[i]!, ...(data.augmented.get(i) ?? [])];
  const trainIdx = split.train.flatMap((i) => featuresOf(i).map(() => i));
  const trainMats = split.train.flatMap(featuresOf);
  const yTrain = Int32Array.from(trainIdx, (i) => data.y[i]!);
  // The clip (and so speaker and label) of every training example: trainIdx, unless single-clip
  // views (below) add each example a second time.
  let exampleIdx = trainIdx;

  let normalization: Normalization;
  let trainSet: ExampleSet;
  // The training examples in shared memory, when replicas in other threads read them too.
  let shared: SharedExamples | null = null;
  let valSet: ExampleSet | null;
  let predictTest: (model: LayersModel) => Promise<Float32Array>;

  if (pooled) {
    // Speaker centring (pooled-centre.ts): each speaker's centre from its own clips, unlabeled, as
    // calibration computes it (test speakers' too: the fold's test clips are calibrated).
    const pooling = config.model.pooling ?? 'mean-std';
    const centres =
      config.pooledCentring && config.normalization === 'speaker'
        ? speakerCentres(data.matrices, data.speakers ?? [])
        : null;
    const vec = (m: FeatureMatrix, clip: number) =>
      centred(poolMatrix(m, pooling), centres?.get(data.speakers?.[clip] ?? '')?.[pooling]);
    // Statistics of the original training clips only; augmented copies are derived data.
    normalization = fitNormalization(
      split.train.map((i) => ({ data: vec(data.matrices[i]!, i), width: input.width })),
    );
    const vectors = (ms: FeatureMatrix[], clips: number[]) =>
      ms.map((m, j) => applyNormalization(vec(m, clips[j]!), normalization));
    let trainVecs = vectors(trainMats, trainIdx);
    if (centres && config.singleClipViews) {
      const trained = [...new Set(split.train.map((i) => data.speakers?.[i] ?? ''))];
      const typical = typicalCentres(trained.map((s) => centres.get(s)!))[pooling];
      trainVecs = [
        ...trainVecs,
        ...trainMats.map((m) => applyNormalization(centred(poolMatrix(m, pooling), typical), normalization)),
      ];
      exampleIdx = [...trainIdx, ...trainIdx];
    }
    const yExamples = Int32Array.from(exampleIdx, (i) => data.y[i]!);
    if (parallel > 1) {
      shared = shareVectors(trainVecs, yExamples, input.width);
      trainSet = sharedExampleSet(shared);
    } else {
      trainSet = vectorSet(trainVecs, yExamples, input.width);
    }
    valSet = split.val.length
      ? vectorSet(
          vectors(
            split.val.map((i) => data.matrices[i]!),
            split.val,
          ),
          Int32Array.from(split.val, (i) => data.y[i]!),
          input.width,
        )
      : null;
    const testVecs = vectors(
      split.test.map((i) => data.matrices[i]!),
      split.test,
    );
    predictTest = (model) =>
      predictSet(
        model,
        vectorSet(
          testVecs,
          Int32Array.from(split.test, (i) => data.y[i]!),
          input.width,
        ),
      );
  } else {
    normalization = fitNormalization(split.train.map((i) => data.matrices[i]!));
    const sources = (ms: FeatureMatrix[]): SequenceSource[] =>
      ms.map((m) => ({ data: applyNormalization(m.data, normalization), frames: m.frames }));
    const crops = { randomCrop: true, mask: config.masking ?? null };
    if (parallel > 1) {
      shared = shareSequences(trainMats, normalization, yTrain, input.frames, input.width, crops);
      trainSet = sharedExampleSet(shared);
    } else {
      trainSet = sequenceSet(sources(trainMats), yTrain, input.frames, input.width, crops);
    }
    valSet = split.val.length
      ? sequenceSet(
          sources(split.val.map((i) => data.matrices[i]!)),
          Int32Array.from(split.val, (i) => data.y[i]!),
          input.frames,
          input.width,
        )
      : null;
    const testSources = sources(split.test.map((i) => data.matrices[i]!));
    predictTest = (model) =>
      predictClips(testSources, input.frames, input.width, k, (s) => predictSet(model, s));
  }

  const model = buildModel(config.model, input, k, seed);
  try {
    const fitOptions: FitOptions = {
      epochs: config.optimizer.epochs,
      batchSize: config.optimizer.batchSize,
      learningRate: config.optimizer.learningRate,
      patience: config.optimizer.patience,
      schedule: config.optimizer.schedule ?? 'constant',
      labelSmoothing: config.optimizer.labelSmoothing ?? 0,
      mixup: config.optimizer.mixup ?? 0,
      ...adversarial(config, data, exampleIdx),
      classWeights: config.optimizer.classWeights ? balancedClassWeights(yTrain, k) : null,
      seed,
      ...cb,
    };
    const fit = shared
      ? await fitDataParallel(
          model,
          shared,
          valSet,
          fitOptions,
          { config: config.model, input, classes: k, seed },
          parallel,
        )
      : await fitModel(model, trainSet, valSet, fitOptions);
    let evaluation: Evaluation | null = null;
    let probs: Float32Array = new Float32Array(0);
    if (split.test.length > 0) {
      probs = await predictTest(model);
      evaluation = evaluate(
        Int32Array.from(split.test, (i) => data.y[i]!),
        argmaxRows(probs, k),
        config.labels,
      );
    }
    return {
      model,
      normalization,
      history: fit.history,
      bestEpoch: fit.bestEpoch,
      evaluation,
      test: { indices: [...split.test], probs },
      trainExamples: trainSet.size,
    };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/**
 * The speaker-adversarial option for the loop: each training example's speaker class (an
 * augmented copy is its clip's speaker; validation and test speakers are not among them).
 */
function adversarial(
  config: TrainConfig,
  data: FoldData,
  trainIdx: number[],
): Pick<FitOptions, 'speakerAdversarial'> {
  const lambda = config.optimizer.speakerAdversarial ?? 0;
  if (lambda <= 0) return {};
  const names = trainIdx.map((i) => data.speakers?.[i]);
  const headUnits = config.optimizer.speakerAdversarialHead ?? 0;
  return { speakerAdversarial: { lambda, headUnits, ...speakerClasses(names) } };
}
