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
 */
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { DatasetItem, DatasetScan } from '../../shared/dataset.js';
import { SerError, toErrorData } from '../../shared/errors.js';
import { speakerAccuracy, type ClipEvaluationInput } from '../../shared/clips.js';
import type { FeatureMatrix } from '../../shared/features.js';
import type { DatasetFingerprint } from '../../shared/runs.js';
import type {
  BackendName,
  EpochMetrics,
  Evaluation,
  FoldResult,
  TrainConfig,
  TrainEvent,
  TrainResult,
} from '../../shared/training.js';
import { initBackend } from '../model/backend.js';
import { modelInput } from '../model/build.js';
import { saveModelFolder, type ModelMeta } from '../model/folder.js';
import type { RunStore } from '../store/run-store.js';
import { validateTrainConfig } from './config.js';
import { trainFold, trainingExampleCount, type FoldData, type FoldOutcome } from './fold.js';
import {
  argmaxRows,
  evaluate,
  evaluationFromConfusion,
  meanProbs,
  meanStd,
  sumConfusions,
} from './metrics.js';
import { preNormalizeClips } from './normalise.js';
import { fitCurves } from './polyfit.js';
import { augmentCopies, augmentItems, extractOriginals, hashItems } from './prepare.js';
import { subSeed } from '../util/rng.js';
import { kfoldSpeakerSplits, randomSplit, speakerSplit, type Fold, type SplitItem } from './splits.js';

export interface TrainerOptions {
  signal?: AbortSignal;
  onEvent?: (e: TrainEvent) => void;
  /** Feature cache folder; null or absent: no cache. */
  cacheDir?: string | null;
  /** Where the run is recorded; null or absent: not recorded. */
  store?: RunStore | null;
  /** Saved models go to `<modelsDir>/<runId>/`; default the store's models folder. */
  modelsDir?: string | null;
  /** Save to exactly this folder instead (the bundled default model). */
  modelDir?: string;
  name?: string;
  tags?: string[];
  backend?: BackendName;
  /** Default true (never for k-fold). */
  saveModel?: boolean;
  /** Feature extraction threads (default: one per core). */
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

const RANDOM_SPLIT_WARNING =
  'random split: test clips come from speakers the model also trained on, so the accuracy measures voices it has ' +
  'heard; use --split actors or --split kfold for speakers it has never heard';

/** Identity of the dataset as recorded in the run, over the clips actually used. */
function fingerprint(scan: DatasetScan, items: DatasetItem[]): DatasetFingerprint {
  const countsByLabel: Record<string, number> = {};
  const countsBySpeaker: Record<string, number> = {};
  for (const it of items) {
    countsByLabel[it.label] = (countsByLabel[it.label] ?? 0) + 1;
    const s = it.speaker ?? '(none)';
    countsBySpeaker[s] = (countsBySpeaker[s] ?? 0) + 1;
  }
  return { root: scan.root, hash: scan.fingerprint, countsByLabel, countsBySpeaker };
}

function selectItems(scan: DatasetScan, labels: string[]): DatasetItem[] {
  const wanted = new Set(labels);
  const items = scan.items.filter((it) => wanted.has(it.label));
  const missing = labels.filter((l) => !items.some((it) => it.label === l));
  if (missing.length) {
    const have = Object.keys(scan.countsByLabel).sort().join(', ') || 'none';
    throw new SerError(
      'DatasetError',
      `no clips labelled ${missing.join(', ')} in ${scan.root} (labels found: ${have})`,
      scan.root,
    );
  }
  return items;
}

function makeFolds(config: TrainConfig, items: SplitItem[]): Fold[] {
  const s = config.split;
  if (s.kind === 'random') {
    return [{ fold: 0, testSpeakers: [], split: randomSplit(items, s, config.seed) }];
  }
  if (s.kind === 'actors') {
    if (s.testActors.length === 0) {
      // Final fit: every clip trains (validation from valFraction of the speakers, if any).
      const all = items.map((_, i) => i);
      const split =
        s.valFraction > 0
          ? (() => {
              const r = randomSplit(items, { testFraction: 0, valFraction: s.valFraction }, config.seed);
              return { train: r.train, val: r.val, test: [] };
            })()
          : { train: all, val: [], test: [] };
      return [{ fold: 0, testSpeakers: [], split }];
    }
    const split = speakerSplit(items, s.testActors, s.valFraction, config.seed);
    return [{ fold: 0, testSpeakers: split.speakers?.test ?? s.testActors, split }];
  }
  return kfoldSpeakerSplits(items, s.folds, s.valFraction, config.seed);
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
  const store = opts.store ?? null;
  let runId: string | null = null;
  let backend: BackendName | null = null;
  let stopHeartbeat = () => {};
  const labels = config.labels ?? [];
  try {
    const cfg = validateTrainConfig(config);
    backend = await initBackend(opts.backend);
    const items = selectItems(scan, cfg.labels);
    if (store) {
      runId = store.createRun({
        name: opts.name?.trim() || defaultRunName(cfg),
        config: cfg,
        dataset: fingerprint(scan, items),
        backend,
        tags: opts.tags ?? [],
      });
      stopHeartbeat = store.keepAlive(runId);
    }
    emit({ type: 'started', runId, backend, labels: cfg.labels, clips: items.length });
    const outcome = await runPipeline(scan, items, cfg, backend, opts, emit, (m) => {
      if (store && runId) store.appendEpoch(runId, m);
    });

    let modelDir: string | null = null;
    const save = outcome.final && opts.saveModel !== false;
    if (opts.signal?.aborted) throw new SerError('Cancelled', 'training cancelled');
    if (save && outcome.final) {
      const finalMeta = outcome.final.meta;
      const ranOn = backend;
      const id = runId ?? randomUUID();
      const dir = opts.modelDir ?? join(opts.modelsDir ?? store?.modelsDir ?? resolve('models'), id);
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
    if (store && runId) {
      store.finishRun(runId, {
        status: 'completed',
        ...(outcome.evaluation ? { evaluation: outcome.evaluation } : {}),
        clipEvaluations: outcome.clipEvaluations,
        fits: outcome.fits,
        artifacts: modelDir ? [{ kind: 'model', path: modelDir }] : [],
      });
    }
    const result: TrainResult = {
      runId,
      status: 'completed',
      evaluation: outcome.evaluation,
      backend,
      seconds: seconds(),
      modelDir,
      labels: cfg.labels,
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
    if (store && runId) {
      try {
        store.finishRun(
          runId,
          status === 'failed' ? { status, error: `${e.code}: ${e.message}` } : { status },
        );
      } catch (storeErr) {
        emit({
          type: 'log',
          level: 'warn',
          message: `could not record the run's end: ${toErrorData(storeErr).message}`,
        });
      }
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
    stopHeartbeat();
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
  evaluation: Evaluation | null;
  /** Every test clip's prediction: one entry for a single split, one per fold for k-fold. */
  clipEvaluations: ClipEvaluationInput[];
  fits: ReturnType<typeof fitCurves>;
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
  onEpochStored: (m: EpochMetrics) => void,
): Promise<PipelineOutcome> {
  const { signal } = opts;
  const speakers = new Set(allItems.map((it) => it.speaker ?? '(none)'));
  emit({
    type: 'stage',
    stage: 'scan',
    message: `${allItems.length} clips, ${cfg.labels.length} emotions (${cfg.labels.join(', ')}), ${speakers.size} speakers; backend ${backend}`,
  });
  if (cfg.split.kind === 'random') emit({ type: 'log', level: 'warn', message: RANDOM_SPLIT_WARNING });

  const hashed = await hashItems(allItems, signal);
  for (const d of hashed.duplicates) {
    emit({
      type: 'log',
      level: 'info',
      message: `identical audio in ${d.length} files, kept on one side of every split: ${d.map((p) => p.slice(scan.root.length + 1) || p).join(', ')}`,
    });
  }

  emit({ type: 'stage', stage: 'features', message: `extracting features of ${allItems.length} clips` });
  const orig = await extractOriginals(allItems, cfg.features, {
    signal,
    cacheDir: opts.cacheDir ?? null,
    workers: opts.workers,
    onProgress: (done, total) => emit({ type: 'progress', stage: 'features', done, total }),
  });
  for (const d of orig.dropped.slice(0, 20))
    emit({ type: 'log', level: 'warn', message: `skipped ${d.reason}` });
  if (orig.dropped.length > 20)
    emit({ type: 'log', level: 'warn', message: `skipped ${orig.dropped.length - 20} more files` });
  const keep = orig.matrices.map((m, i) => (m ? i : -1)).filter((i) => i >= 0);
  if (keep.length === 0) throw new SerError('DatasetError', `no usable audio in ${scan.root}`, scan.root);
  const items = keep.map((i) => allItems[i]!);
  const hashes = keep.map((i) => hashed.hashes[i]!);
  let matrices = keep.map((i) => orig.matrices[i]!);
  const y = Int32Array.from(items, (it) => cfg.labels.indexOf(it.label));
  const splitItems: SplitItem[] = items.map((it, j) => {
    const g = hashed.groups[keep[j]!];
    return g === undefined
      ? { label: it.label, speaker: it.speaker }
      : { label: it.label, speaker: it.speaker, group: g };
  });
  const folds = makeFolds(cfg, splitItems);
  for (const f of folds) {
    const s = f.split;
    const who = f.testSpeakers.length ? ` (test speakers ${f.testSpeakers.join(',')})` : '';
    emit({
      type: 'log',
      level: 'info',
      message: `${folds.length > 1 ? `fold ${f.fold + 1}: ` : ''}${s.train.length} train, ${s.val.length} validation, ${s.test.length} test clips${who}`,
    });
  }

  // Augment every clip that some fold trains on, once; folds share the copies.
  const trainClips = [...new Set(folds.flatMap((f) => f.split.train))].sort((a, b) => a - b);
  const copies = augmentCopies(cfg.augment);
  let augmented = new Map<number, FeatureMatrix[]>();
  if (copies > 0) {
    emit({
      type: 'stage',
      stage: 'augment',
      message: `augmenting ${trainClips.length} training clips x ${copies} (${cfg.augment.kinds.join(', ')})`,
    });
    augmented = await augmentItems(items, hashes, trainClips, cfg.augment, cfg.features, cfg.seed, {
      signal,
      cacheDir: opts.cacheDir ?? null,
      onProgress: (done, total) => emit({ type: 'progress', stage: 'augment', done, total }),
    });
  }

  const pre = preNormalizeClips(
    cfg.normalization ?? 'global',
    matrices,
    augmented,
    items.map((it) => it.speaker),
    // A saved model's typical speaker comes from its training speakers only.
    new Set(folds[0]!.split.test),
  );
  matrices = pre.matrices;
  augmented = pre.augmented;
  if (pre.message) emit({ type: 'log', level: 'info', message: pre.message });

  const width = matrices[0]!.width;
  const data: FoldData = { matrices, augmented, y, width };
  const members = memberConfigs(cfg);
  const batchesOf = (f: Fold, m: TrainConfig) =>
    Math.ceil(trainingExampleCount(f.split, augmented) / m.optimizer.batchSize) * m.optimizer.epochs;
  const kinds = members.map((m) => m.model.kind).join(' + ');
  emit({
    type: 'stage',
    stage: 'train',
    message: `training ${members.length > 1 ? `an ensemble of ${kinds}` : kinds} on ${trainingExampleCount(folds[0]!.split, augmented)} examples${folds.length > 1 ? ` x ${folds.length} folds` : ''}`,
  });

  // Batches still to run after each (fold, member), for the ETA.
  const work = folds.flatMap((f) => members.map((m) => batchesOf(f, m)));
  const k = cfg.labels.length;
  const foldResults: FoldResult[] = [];
  const clipEvaluations: ClipEvaluationInput[] = [];
  const histories: EpochMetrics[][] = [];
  let last: FoldOutcome[] = [];
  let evaluation: Evaluation | null = null;
  let epochOffset = 0;
  let step = 0;
  for (const f of folds) {
    const outs: FoldOutcome[] = [];
    try {
      for (const [mi, mc] of members.entries()) {
        step++;
        const later = work.slice(step).reduce((a, b) => a + b, 0);
        const tags = {
          ...(folds.length > 1 ? { fold: f.fold } : {}),
          ...(members.length > 1 ? { member: mi } : {}),
        };
        if (members.length > 1) {
          emit({
            type: 'log',
            level: 'info',
            message: `${folds.length > 1 ? `fold ${f.fold + 1}: ` : ''}ensemble member ${mi + 1} of ${members.length} (${mc.model.kind})`,
          });
        }
        const offset = epochOffset;
        // The first member keeps the seed a single model has, so adding members changes nothing of it.
        const foldSeed = subSeed(cfg.seed, 1000 + f.fold);
        const out = await trainFold(data, f.split, mc, mi === 0 ? foldSeed : subSeed(foldSeed, mi), {
          signal,
          laterBatches: later,
          onBatch: (b) => emit({ type: 'batch', ...b, ...tags }),
          onEpoch: (m, eta) => {
            const stored = mi === 0 ? { ...m, epoch: m.epoch + offset } : m;
            // The run keeps the main model's curves (and fits them); a further member's epochs are
            // shown live, tagged with their member, and its result is logged.
            if (mi === 0) onEpochStored(stored);
            emit({ type: 'epoch', metrics: stored, etaSeconds: eta, ...tags });
          },
        });
        outs.push(out);
        if (mi === 0) {
          epochOffset += out.history.length;
          histories.push(out.history);
        }
      }
    } catch (err) {
      for (const o of outs) o.model.dispose();
      throw err;
    }
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
    const pooled = evaluationFromConfusion(
      sumConfusions(foldResults.map((r) => r.evaluation.confusion)),
      cfg.labels,
    );
    const evaluation: Evaluation = {
      ...pooled,
      folds: foldResults,
      foldAccuracy: meanStd(foldResults.map((r) => r.evaluation.accuracy)),
      foldUar: meanStd(foldResults.map((r) => r.evaluation.uar)),
      speakers: foldResults.flatMap((r) => r.evaluation.speakers ?? []),
    };
    return { evaluation, clipEvaluations, fits: fitCurves(meanCurve(histories)), final: null };
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
      ...(pre.typical ? { typical: pre.typical } : {}),
    },
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
  return { evaluation, clipEvaluations, fits: fitCurves(histories[0] ?? []), final: { meta, parts } };
}

/** The configs an ensemble's members train with: the main model first, then config.ensemble's. */
export function memberConfigs(cfg: TrainConfig): TrainConfig[] {
  const main: TrainConfig = { ...cfg, ensemble: undefined };
  return [
    main,
    ...(cfg.ensemble ?? []).map((m) => ({
      ...main,
      model: m.model,
      optimizer: m.optimizer,
      masking: m.masking ?? null,
    })),
  ];
}

/** The per-epoch mean of several folds' curves (over the folds that reached each epoch). */
function meanCurve(histories: EpochMetrics[][]): EpochMetrics[] {
  const longest = Math.max(0, ...histories.map((h) => h.length));
  const out: EpochMetrics[] = [];
  for (let e = 0; e < longest; e++) {
    const at = histories.map((h) => h[e]).filter((m): m is EpochMetrics => m !== undefined);
    const mean = (f: (m: EpochMetrics) => number | null): number | null => {
      const xs = at.map(f).filter((v): v is number => v !== null && Number.isFinite(v));
      return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
    };
    out.push({
      epoch: e + 1,
      trainLoss: mean((m) => m.trainLoss) ?? NaN,
      trainAccuracy: mean((m) => m.trainAccuracy) ?? NaN,
      valLoss: mean((m) => m.valLoss),
      valAccuracy: mean((m) => m.valAccuracy),
      seconds: mean((m) => m.seconds) ?? 0,
    });
  }
  return out;
}
