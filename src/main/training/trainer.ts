/**
 * The training run: from a scanned dataset and a TrainConfig to an evaluated, saved and recorded
 * model. Stages: select clips -> hash (identical audio) -> features (worker pool, cached) ->
 * split -> augment the training clips -> per fold: normalise, train, evaluate -> pool folds ->
 * save the model folder -> record. Every stage reports TrainEvents; an AbortSignal stops it
 * between batches (the run is recorded 'cancelled' and no model is saved); any error records
 * the run 'failed' with its one-line message.
 *
 * k-fold by speaker trains k models and records one run whose evaluation pools the folds' test
 * predictions (confusion = sum of fold confusions) with per-fold results in `evaluation.folds`
 * and mean/std of the fold accuracies; its epochs are numbered consecutively across folds. No
 * model folder is saved for it: cross-validation measures a recipe, it does not pick a model
 * (train the model to keep with `actors`, or with no test speakers for a final fit).
 *
 * An ensemble (config.ensemble) trains its members one after the other on each fold's split, with
 * the same features and augmented copies; evaluation uses the mean of the members' class
 * probabilities, and the saved folder holds every member (model/folder.ts). The run records the
 * first member's epochs (numbered consecutively across folds) and their curve fits; the other
 * members' epochs are streamed live with their member index, numbered from 1 each.
 *
 * An `actors` split with no test actors is a final fit on every speaker: validation comes from
 * `valFraction` (0: train for exactly `epochs` epochs, keep the last weights) and there is no
 * test evaluation (`evaluation` null).
 *
 * Where each concern lives: data preparation (clips, split, features, augmentation) in
 * run-data.ts, the member loop in members.ts, k-fold pooling in kfold.ts, and every write to the
 * run store in recorder.ts; this file orders them, evaluates each fold and saves the model.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { speakerAccuracy, type ClipEvaluationInput } from '../../shared/clips.js';
import type { DatasetItem, DatasetScan } from '../../shared/dataset.js';
import { SerError, toErrorData } from '../../shared/errors.js';
import type {
  BackendName,
  CurveFit,
  Evaluation,
  FoldResult,
  ModelTemperature,
  TrainConfig,
  TrainEvent,
  TrainResult,
} from '../../shared/training.js';
import { initBackend } from '../model/backend.js';
import { modelInput } from '../model/build.js';
import { saveModelFolder, type ModelMeta } from '../model/folder.js';
import type { RunStore } from '../store/run-store.js';
import { validateTrainConfig } from './config.js';
import type { FoldOutcome } from './fold.js';
import { poolFolds } from './kfold.js';
import { runReplicas } from './data-parallel.js';
import { MemberLoop } from './members.js';
import { argmaxRows, evaluate, meanProbs } from './metrics.js';
import { fitCurves } from './polyfit.js';
import { speakerCentres, typicalCentres } from './pooled-centre.js';
import { applyTemperature, confidenceOf, fitModelTemperature } from './temperature.js';
import { NO_RECORDER, recorderFor, type RunRecorder } from './recorder.js';
import { fingerprint, prepareRunData, selectItems } from './run-data.js';

export { memberConfigs } from './members.js';

export interface TrainerOptions {
  signal?: AbortSignal;
  onEvent?: (e: TrainEvent) => void;
  /** Feature cache folder; null or absent: no cache. */
  cacheDir?: string | null;
  /** Where the run is recorded (recorder.ts); absent: not recorded. */
  recorder?: RunRecorder;
  /** Shorthand for `recorder: recorderFor(store)` (the caller keeps the store open and closes it). */
  store?: RunStore | null;
  /** Saved models go to `<modelsDir>/<runId>/`; default the recorder's models folder. */
  modelsDir?: string | null;
  /** Save to exactly this folder instead (the bundled default model). */
  modelDir?: string;
  /**
   * The temperature to save with a model whose run has no validation clips to fit one (a final
   * fit on every speaker reusing the one its held-out run fitted on validation speakers).
   */
  temperature?: ModelTemperature;
  name?: string;
  tags?: string[];
  backend?: BackendName;
  /** Default true (never for k-fold). */
  saveModel?: boolean;
  /** Worker threads for features, augmentation and training; default config.workers, else one per core. */
  workers?: number;
  /**
   * Every fold's test clips and class probabilities [n x k]: the run's (an ensemble's mean) and
   * each member's (benchmarks report the members with it).
   */
  onTestPredictions?: (p: {
    fold: number;
    paths: string[];
    y: Int32Array;
    probs: Float32Array;
    members: Float32Array[];
  }) => void;
}

/** Run one training job to the end. Never throws: failures come back as a result (and events). */
export async function trainOnScan(
  scan: DatasetScan,
  config: TrainConfig,
  opts: TrainerOptions = {},
): Promise<TrainResult> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const emit = (e: TrainEvent) => opts.onEvent?.(e);
  const recorder = opts.recorder ?? (opts.store ? recorderFor(opts.store) : NO_RECORDER);
  let runId: string | null = null;
  let backend: BackendName | null = null;
  const labels = config.labels ?? [];
  try {
    const validated = validateTrainConfig(config);
    // The run records how many threads it used (the result does not depend on it).
    const withWorkers = {
      ...validated,
      workers: opts.workers ?? validated.workers ?? availableParallelism(),
    };
    backend = await initBackend(opts.backend);
    const items = selectItems(scan, withWorkers.labels);
    // ... and how many replicas each model trains with (data-parallel.ts), which does change it.
    const cfg = { ...withWorkers, replicas: runReplicas(withWorkers, items.length, backend) };
    runId = recorder.start({
      name: opts.name?.trim() || defaultRunName(cfg),
      config: cfg,
      dataset: fingerprint(scan, items),
      backend,
      tags: opts.tags ?? [],
    });
    emit({ type: 'started', runId, backend, labels: cfg.labels, clips: items.length });
    // opts.workers stays unset when nobody chose a count: the models may then share the cores.
    const chosen = { ...opts, workers: opts.workers ?? validated.workers };
    const outcome = await runPipeline(scan, items, cfg, backend, chosen, emit, recorder);
    if (outcome.final && !outcome.final.meta.temperature && opts.temperature) {
      outcome.final.meta.temperature = opts.temperature;
    }
    const temperature = outcome.final?.meta.temperature;

    let modelDir: string | null = null;
    const save = outcome.final && opts.saveModel !== false;
    if (opts.signal?.aborted) throw new SerError('Cancelled', 'training cancelled');
    if (save && outcome.final) {
      const finalMeta = outcome.final.meta;
      const ranOn = backend;
      const id = runId ?? randomUUID();
      const dir = opts.modelDir ?? join(opts.modelsDir ?? recorder.modelsDir ?? resolve('models'), id);
      emit({ type: 'stage', stage: 'save', message: `saving the model to ${dir}` });
      const metrics = {
        runId,
        // predict.ts reads this to standardise inputs per speaker the way training did.
        inputNormalization: cfg.normalization ?? 'global',
      };
      const [main, ...members] = outcome.final.parts.map((p) => ({
        model: p.model,
        meta: { ...finalMeta, ...p.meta, backend: ranOn, datasetFingerprint: scan.fingerprint, metrics },
      }));
      modelDir = await saveModelFolder(
        dir,
        main!.model,
        {
          ...main!.meta,
          metrics: {
            ...metrics,
            ...(outcome.evaluation
              ? { accuracy: outcome.evaluation.accuracy, macroF1: outcome.evaluation.macroF1 }
              : {}),
          },
        },
        members,
      );
    }
    for (const p of outcome.final?.parts ?? []) p.model.dispose();
    recorder.completed({
      dataset: { ...fingerprint(scan, outcome.used), skipped: outcome.skipped },
      evaluation: outcome.evaluation,
      clipEvaluations: outcome.clipEvaluations,
      fits: outcome.fits,
      modelDir,
    });
    const result: TrainResult = {
      runId,
      status: 'completed',
      evaluation: outcome.evaluation,
      backend,
      seconds: seconds(),
      modelDir,
      labels: cfg.labels,
      skipped: outcome.skipped,
      warnings: outcome.warnings,
      ...(temperature ? { temperature } : {}),
    };
    if (outcome.evaluation) {
      emit({
        type: 'done',
        runId: runId ?? '',
        evaluation: outcome.evaluation,
        backend,
        seconds: result.seconds,
        modelDir,
      });
    } else {
      emit({
        type: 'log',
        level: 'info',
        message: `finished in ${result.seconds.toFixed(0)} s (no test set)`,
      });
    }
    return result;
  } catch (err) {
    const e = toErrorData(err);
    const status = e.code === 'Cancelled' ? 'cancelled' : 'failed';
    const storeProblem = recorder.ended(status, status === 'failed' ? `${e.code}: ${e.message}` : '');
    if (storeProblem) {
      emit({ type: 'log', level: 'warn', message: `could not record the run's end: ${storeProblem}` });
    }
    if (status === 'cancelled') emit({ type: 'cancelled', runId });
    else emit({ type: 'error', code: e.code, message: e.message, runId });
    return {
      runId,
      status,
      evaluation: null,
      backend,
      seconds: seconds(),
      modelDir: null,
      labels,
      ...(status === 'failed' ? { error: { code: e.code, message: e.message } } : {}),
    };
  } finally {
    // Only what this call opened: a store passed in stays open for its owner.
    if (!opts.recorder) recorder.close();
  }
}

function defaultRunName(cfg: TrainConfig): string {
  const split =
    cfg.split.kind === 'random'
      ? 'random split'
      : cfg.split.kind === 'actors'
        ? cfg.split.testActors.length
          ? `test actors ${cfg.split.testActors.join(',')}`
          : 'all actors'
        : `${cfg.split.folds}-fold by actor`;
  return `${cfg.model.kind} ${cfg.labels.length} emotions, ${split}`;
}

interface PipelineOutcome {
  /** The clips used, the ones skipped and why, decode warnings of the ones used. */
  used: DatasetItem[];
  skipped: { path: string; reason: string }[];
  warnings: string[];
  evaluation: Evaluation | null;
  /** Every test clip's prediction: one entry for a single split, one per fold for k-fold. */
  clipEvaluations: ClipEvaluationInput[];
  fits: CurveFit[];
  /**
   * The models to save (single split): meta shared by every member minus what the caller adds,
   * and each member's model with its own fields of the meta (the first is the main model).
   */
  final: {
    meta: ModelMeta;
    parts: {
      model: FoldOutcome['model'];
      meta: Pick<ModelMeta, 'modelConfig' | 'input' | 'normalization' | 'seed'>;
    }[];
  } | null;
}

async function runPipeline(
  scan: DatasetScan,
  allItems: DatasetItem[],
  cfg: TrainConfig,
  backend: BackendName,
  opts: TrainerOptions,
  emit: (e: TrainEvent) => void,
  recorder: RunRecorder,
): Promise<PipelineOutcome> {
  const speakers = new Set(allItems.map((it) => it.speaker ?? '(none)'));
  emit({
    type: 'stage',
    stage: 'scan',
    message: `${allItems.length} clips, ${cfg.labels.length} emotions (${cfg.labels.join(', ')}), ${speakers.size} speakers; backend ${backend}`,
  });
  const { items, y, folds, data, typical, uncalibratedVal, skipped, warnings } = await prepareRunData(
    scan,
    allItems,
    cfg,
    { ...opts, workers: cfg.workers },
    emit,
  );
  const loop = new MemberLoop(cfg, folds, data, {
    signal: opts.signal,
    emit,
    onMainEpoch: (m) => recorder.epoch(m),
    backend,
    workersChosen: opts.workers !== undefined,
  });
  const members = loop.members;
  emit({ type: 'stage', stage: 'train', message: loop.describe() });

  const k = cfg.labels.length;
  const foldResults: FoldResult[] = [];
  const clipEvaluations: ClipEvaluationInput[] = [];
  let last: FoldOutcome[] = [];
  let evaluation: Evaluation | null = null;
  const trained = await loop.trainAll();
  for (const [fi, f] of folds.entries()) {
    const outs = trained[fi]!;
    const testIdx = outs[0]!.test.indices;
    const probs = meanProbs(outs.map((o) => o.test.probs));
    const yTest = Int32Array.from(testIdx, (i) => y[i]!);
    opts.onTestPredictions?.({
      fold: f.fold,
      paths: testIdx.map((i) => items[i]!.path),
      y: yTest,
      probs,
      members: outs.map((o) => o.test.probs),
    });
    const predicted = argmaxRows(probs, k);
    const testClips = testIdx.map((i, j) => ({
      path: items[i]!.path,
      speaker: items[i]!.speaker,
      label: items[i]!.label,
      predicted: cfg.labels[predicted[j]!]!,
      probabilities: Array.from(probs.subarray(j * k, (j + 1) * k)),
    }));
    const foldEval = testIdx.length
      ? { ...evaluate(yTest, predicted, cfg.labels), speakers: speakerAccuracy(testClips) }
      : null;
    if (testIdx.length) {
      clipEvaluations.push({
        kind: folds.length > 1 ? 'fold' : 'test',
        fold: folds.length > 1 ? f.fold : null,
        dataRoot: scan.root,
        labels: cfg.labels,
        clips: testClips,
      });
    }
    if (members.length > 1 && foldEval) {
      const each = outs.map((o) => `${(100 * (o.evaluation?.accuracy ?? 0)).toFixed(1)}%`).join(', ');
      emit({
        type: 'log',
        level: 'info',
        message: `${folds.length > 1 ? `fold ${f.fold + 1}: ` : ''}members ${each}; ensemble ${(100 * foldEval.accuracy).toFixed(1)}%`,
      });
    }
    if (folds.length > 1) {
      for (const o of outs) o.model.dispose();
      if (foldEval) {
        foldResults.push({
          fold: f.fold,
          testSpeakers: f.testSpeakers,
          evaluation: foldEval,
          epochs: outs[0]!.history.length,
          bestEpoch: outs[0]!.bestEpoch,
        });
        emit({
          type: 'fold',
          fold: f.fold,
          folds: folds.length,
          evaluation: foldEval,
          testSpeakers: f.testSpeakers,
        });
      }
    } else {
      last = outs;
      evaluation = foldEval;
    }
  }

  emit({ type: 'stage', stage: 'evaluate', message: 'evaluating on the test clips' });
  if (folds.length > 1) {
    return {
      ...poolFolds(foldResults, loop.histories, cfg.labels),
      clipEvaluations,
      final: null,
      used: items,
      skipped,
      warnings,
    };
  }

  const width = data.width;
  // Temperature scaling, fitted on the validation speakers only (never the test speakers).
  const valIdx = folds[0]!.split.val;
  const own = valIdx.map((i) => data.matrices[i]!);
  // Speaker centring of pooled members (pooled-centre.ts): every speaker's centre from its own
  // clips, and the typical centre of the speakers outside the test split (as `typical` is).
  const clipSpeakers = data.speakers ?? [];
  const centres =
    cfg.pooledCentring && cfg.normalization === 'speaker'
      ? speakerCentres(data.matrices, clipSpeakers)
      : null;
  const testClips = new Set(folds[0]!.split.test);
  const typicalCentre = centres
    ? typicalCentres(
        [...new Set(clipSpeakers.flatMap((s, i) => (testClips.has(i) ? [] : [s ?? ''])))].map((s) =>
          centres.get(s)!,
        ),
      )
    : null;
  const temperature = await fitModelTemperature(
    last.map((o, mi) => ({
      model: o.model,
      spec: {
        modelConfig: members[mi]!.model,
        input: modelInput(members[mi]!.model, width),
        normalization: o.normalization,
      },
    })),
    k,
    Int32Array.from(valIdx, (i) => y[i]!),
    uncalibratedVal ?? own,
    uncalibratedVal ? own : null,
    centres && typicalCentre
      ? { single: typicalCentre, calibrated: valIdx.map((i) => centres.get(clipSpeakers[i] ?? '') ?? null) }
      : null,
  );
  if (temperature) {
    const t = temperature.single;
    emit({
      type: 'log',
      level: 'info',
      message: `temperature ${t.temperature} fitted on ${t.clips} validation clips: NLL ${t.before.nll} -> ${t.after.nll}, ECE ${t.before.ece} -> ${t.after.ece}${temperature.calibrated ? ` (calibrated clips: temperature ${temperature.calibrated.temperature})` : ''}`,
    });
    if (evaluation && last[0]!.test.indices.length) {
      // The test clips here are standardised like calibrated ones when the model is per speaker.
      const tTest = (temperature.calibrated ?? temperature.single).temperature;
      const testIdx = last[0]!.test.indices;
      const yTest = Int32Array.from(testIdx, (i) => y[i]!);
      const raw = meanProbs(last.map((o) => o.test.probs));
      evaluation = {
        ...evaluation,
        confidence: {
          before: confidenceOf(raw, k, yTest, null),
          after: confidenceOf(applyTemperature(raw, k, tTest), k, yTest, tTest),
        },
      };
    }
  }
  const meta: ModelMeta = {
    formatVersion: 1,
    labels: cfg.labels,
    featureConfig: cfg.features,
    modelConfig: cfg.model,
    input: modelInput(cfg.model, width),
    normalization: last[0]!.normalization,
    inputNormalization: {
      mode: cfg.normalization ?? 'global',
      ...(typical ? { typical } : {}),
      ...(typicalCentre ? { pooledCentres: typicalCentre } : {}),
    },
    ...(temperature ? { temperature } : {}),
    backend,
    createdAt: new Date().toISOString(),
    seed: cfg.seed,
  };
  const parts = last.map((o, mi) => ({
    model: o.model,
    meta: {
      modelConfig: members[mi]!.model,
      input: modelInput(members[mi]!.model, width),
      normalization: o.normalization,
      seed: cfg.seed,
    },
  }));
  return {
    evaluation,
    clipEvaluations,
    fits: fitCurves(loop.histories[0] ?? []),
    final: { meta, parts },
    used: items,
    skipped,
    warnings,
  };
}
