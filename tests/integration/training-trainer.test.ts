/**
 * The trainer end to end on real RAVDESS clips, through the worker-thread job the app and the
 * CLI use: the recipe's ensemble with a small CNN-LSTM (fast preset, a few epochs) and the MLP on
 * calm vs angry from 8 actors, tested on 2 actors it never heard; the run store; cancellation; a
 * crashing worker.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../src/main/model/build.js';
import { openStore } from '../../src/main/store/run-store.js';
import { buildTrainConfig } from '../../src/main/training/config.js';
import { startTrainingJob } from '../../src/main/training/job.js';
import { classify, disposeClassifier, loadClassifier } from '../../src/main/inference/predict.js';
import type { TrainConfig, TrainEvent, TrainRequest } from '../../src/shared/training.js';
import { HAVE_RAVDESS, MISSING_DATA, linkRavdessSubset } from '../helpers/shared-data.js';

describe.skipIf(!HAVE_RAVDESS)(`training job on real clips ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  let root: string;
  let data: string;
  let db: string;
  let modelsDir: string;
  let config: TrainConfig;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ser-train-'));
    data = linkRavdessSubset(join(root, 'data'), [1, 2, 3, 4, 5, 6, 7, 8], ['02', '05']); // calm, angry: 128 clips
    db = join(root, 'ser.sqlite');
    modelsDir = join(root, 'models');
    const base = buildTrainConfig({
      labels: ['calm', 'angry'],
      preset: 'fast',
      split: { kind: 'actors', testActors: ['7', '8'], valFraction: 0.2 },
      epochs: 8,
      seed: 3,
      augment: ['noise'],
      copies: 1,
    });
    config = { ...base, optimizer: { ...base.optimizer, patience: 8 } };
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const request = (over: Partial<TrainRequest> = {}): TrainRequest => ({
    dataDir: data,
    config,
    dbPath: db,
    modelsDir,
    cacheDir: join(root, 'cache'),
    name: 'integration',
    ...over,
  });

  it('trains, beats chance on unheard actors, records the run and saves a model that classifies alone', async () => {
    const events: TrainEvent[] = [];
    const job = startTrainingJob(request(), (e) => events.push(e));
    const r = await job.done;
    expect(r.error).toBeUndefined();
    expect(r.status).toBe('completed');
    // Two classes, so chance is 50%; calm vs angry on actors 7 and 8 (32 clips) must reach 70%.
    expect(r.evaluation!.n).toBe(32);
    expect(r.evaluation!.accuracy).toBeGreaterThanOrEqual(0.7);
    expect(r.labels).toEqual(['calm', 'angry']);

    // An ensemble by default: both members trained, each reported, the evaluation is their average's.
    expect(config.ensemble?.map((m) => m.model.kind)).toEqual(['mlp']);
    const batches = events.filter((e): e is Extract<TrainEvent, { type: 'batch' }> => e.type === 'batch');
    expect(new Set(batches.map((b) => b.member))).toEqual(new Set([0, 1]));
    expect(
      events.some((e) => e.type === 'log' && /members \d+\.\d%, \d+\.\d%; ensemble \d+\.\d%/.test(e.message)),
    ).toBe(true);

    const types = new Set(events.map((e) => e.type));
    for (const t of ['started', 'stage', 'progress', 'batch', 'epoch', 'done']) expect(types).toContain(t);
    const epochs = events.filter((e): e is Extract<TrainEvent, { type: 'epoch' }> => e.type === 'epoch');
    expect(epochs.every((e) => e.etaSeconds >= 0)).toBe(true);
    expect(
      events.some((e) => e.type === 'log' && /train, \d+ validation, 32 test clips/.test(e.message)),
    ).toBe(true);

    const store = openStore(db, { readonly: true });
    try {
      const run = store.getRun(r.runId!);
      expect(run.status).toBe('completed');
      // The run keeps the main model's epochs and fits them; the MLP's were streamed live.
      const main = epochs.filter((e) => !e.member);
      expect(main.length).toBeLessThan(epochs.length);
      expect(run.metrics.map((m) => m.epoch)).toEqual(main.map((e) => e.metrics.epoch));
      expect(run.fits.find((f) => f.series === 'trainLoss')?.epochs).toEqual([1, main.length]);
      expect(run.metrics.length).toBeGreaterThanOrEqual(1);
      expect(run.evaluation!.accuracy).toBeCloseTo(r.evaluation!.accuracy, 10);
      expect(run.fits.map((f) => f.series)).toContain('valLoss');
      expect(run.artifacts[0]!.path).toBe(r.modelDir);
      expect(run.backend).toBe(r.backend);
      // Every test clip is stored with its speaker, labels and probabilities, agreeing with the confusion.
      const [test, ...more] = store.getClipEvaluations(r.runId!);
      expect(more).toEqual([]);
      expect(test!.kind).toBe('test');
      expect(test!.clips).toHaveLength(32);
      expect(new Set(test!.clips.map((c) => c.speaker))).toEqual(new Set(['07', '08']));
      const cm = run.evaluation!.confusion;
      const labels = run.evaluation!.labels;
      for (const [ti, t] of labels.entries())
        for (const [pi, p] of labels.entries())
          expect(test!.clips.filter((c) => c.label === t && c.predicted === p)).toHaveLength(cm[ti]![pi]!);
      for (const c of test!.clips) {
        expect(c.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
        expect(labels[c.probabilities.indexOf(Math.max(...c.probabilities))]).toBe(c.predicted);
        expect(c.path.startsWith(data)).toBe(true);
      }
    } finally {
      store.close();
    }

    // Temperature scaling, fitted on the validation actors: it lowers their NLL, is saved with the
    // model and reported with the test evaluation (raw and scaled), and classify applies it.
    const t = r.temperature!.single;
    expect(t.clips).toBeGreaterThan(0);
    expect(t.after.nll).toBeLessThanOrEqual(t.before.nll);
    expect(r.evaluation!.confidence!.after.temperature).toBe(t.temperature);
    expect(
      events.some((e) => e.type === 'log' && e.message.startsWith(`temperature ${t.temperature} fitted on`)),
    ).toBe(true);

    // The saved folder alone classifies a held-out clip (features, normalisation and labels inside).
    const c = await loadClassifier(r.modelDir!);
    expect(c.meta.temperature).toEqual(r.temperature);
    const clip = join(
      data,
      'Actor_08',
      readdirSync(join(data, 'Actor_08')).find((f) => f.split('-')[2] === '05')!,
    );
    const p = await classify(c, clip);
    expect(Object.keys(p.probabilities)).toEqual(['calm', 'angry']);
    expect(p.probabilities.calm! + p.probabilities.angry!).toBeCloseTo(1, 5);
    // Both members are in the folder, and the prediction is the mean of theirs.
    expect(existsSync(join(r.modelDir!, 'members', '1', 'weights.bin'))).toBe(true);
    expect(c.members.map((m) => m.meta.modelConfig.kind)).toEqual(['cnn-lstm', 'mlp']);
    const alone = await Promise.all(c.members.map((m) => classify({ ...c, members: [m] }, clip)));
    expect(p.probabilities.angry).toBeCloseTo(
      (alone[0]!.probabilities.angry! + alone[1]!.probabilities.angry!) / 2,
      5,
    );
    disposeClassifier(c);
  });

  it('cancels between batches: the run is recorded cancelled and no model is saved', async () => {
    const events: TrainEvent[] = [];
    let cancelled = false;
    const job = startTrainingJob(request({ name: 'to cancel' }), (e) => {
      events.push(e);
      // Members train side by side now: wait for the main model's (member 0's) second epoch,
      // whose first epoch is the one the store keeps.
      if (e.type === 'batch' && e.epoch === 2 && (e.member ?? 0) === 0 && !cancelled) {
        cancelled = true;
        job.cancel();
      }
    });
    const r = await job.done;
    expect(r.status).toBe('cancelled');
    expect(events.at(-1)).toEqual({ type: 'cancelled', runId: r.runId });
    const store = openStore(db, { readonly: true });
    try {
      const run = store.getRun(r.runId!);
      expect(run.status).toBe('cancelled');
      expect(run.metrics.length).toBe(1); // epoch 1 finished before the cancel
      expect(run.artifacts).toEqual([]);
    } finally {
      store.close();
    }
    expect(existsSync(join(modelsDir, r.runId!))).toBe(false);
  });

  it('reports a worker that dies mid-run and marks its run failed', async () => {
    process.env.SER_TEST_WORKER_EXIT_AT_EPOCH = '1';
    try {
      const events: TrainEvent[] = [];
      const r = await startTrainingJob(request({ name: 'to crash' }), (e) => events.push(e)).done;
      expect(r.status).toBe('failed');
      expect(r.error!.message).toMatch(/training worker crashed: the worker exited with code 3/);
      expect(events.at(-1)).toMatchObject({ type: 'error', runId: r.runId });
      const store = openStore(db, { readonly: true });
      try {
        const run = store.getRun(r.runId!);
        expect(run.status).toBe('failed');
        expect(run.error).toMatch(/worker crashed/);
      } finally {
        store.close();
      }
    } finally {
      delete process.env.SER_TEST_WORKER_EXIT_AT_EPOCH;
    }
  });

  it('k-fold by actor: one run, a fold event per fold, pooled confusion, no model saved', async () => {
    const events: TrainEvent[] = [];
    const mlp = buildTrainConfig({
      labels: ['calm', 'angry'],
      model: 'mlp',
      split: { kind: 'kfold-actors', folds: 4, valFraction: 0.2 },
      epochs: 6,
      augment: [],
    });
    const r = await startTrainingJob(request({ config: mlp, name: 'kfold' }), (e) => events.push(e)).done;
    expect(r.status).toBe('completed');
    expect(r.modelDir).toBeNull();
    const e = r.evaluation!;
    const folds = events.filter((x): x is Extract<TrainEvent, { type: 'fold' }> => x.type === 'fold');
    expect(folds.map((f) => f.testSpeakers)).toEqual([
      ['01', '02'],
      ['03', '04'],
      ['05', '06'],
      ['07', '08'],
    ]);
    expect(e.folds!.map((f) => f.evaluation.n)).toEqual([32, 32, 32, 32]);
    // Every clip is tested once; the pooled confusion is the sum of the folds'.
    expect(e.n).toBe(128);
    const sum = e.folds!.reduce((acc, f) => acc + f.evaluation.confusion[0]![0]!, 0);
    expect(e.confusion[0]![0]).toBe(sum);
    const accs = e.folds!.map((f) => f.evaluation.accuracy);
    expect(e.foldAccuracy!.mean).toBeCloseTo(accs.reduce((a, b) => a + b) / 4, 10);
    const store = openStore(db, { readonly: true });
    try {
      const run = store.getRun(r.runId!);
      const total = e.folds!.reduce((n, f) => n + f.epochs, 0);
      expect(run.metrics.map((m) => m.epoch)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(run.artifacts).toEqual([]);
      expect(run.evaluation!.folds).toHaveLength(4);
      // One clip-level evaluation per fold, each of that fold's test speakers only.
      const evals = store.getClipEvaluations(r.runId!);
      expect(evals.map((x) => [x.kind, x.fold, x.clips.length])).toEqual(
        [0, 1, 2, 3].map((f) => ['fold', f, 32]),
      );
      evals.forEach((x, i) =>
        expect([...new Set(x.clips.map((c) => c.speaker))].sort()).toEqual(folds[i]!.testSpeakers),
      );
      evals.forEach((x, i) =>
        expect(x.clips.filter((c) => c.label === c.predicted).length / 32).toBeCloseTo(accs[i]!, 10),
      );
    } finally {
      store.close();
    }
  });

  it('trains the MLP against the speakers (gradient reversal); the saved model is the plain MLP and classifies alone', async () => {
    // The k-fold test's MLP features are cached by now; no augmentation keeps it to seconds.
    const plain = buildTrainConfig({
      labels: ['calm', 'angry'],
      model: 'mlp',
      split: { kind: 'actors', testActors: ['7', '8'], valFraction: 0.2 },
      epochs: 6,
      seed: 3,
      augment: [],
    });
    const adversarial = {
      ...plain,
      // A small MLP: what is tested is the wiring, not the recipe.
      model: { ...plain.model, mlpHidden: [64, 32] },
      // A speaker head with a hidden layer, the option's larger path.
      optimizer: { ...plain.optimizer, speakerAdversarial: 0.5, speakerAdversarialHead: 16 },
    };
    const r = await startTrainingJob(request({ config: adversarial, name: 'adversarial' }), () => {}).done;
    expect(r.error).toBeUndefined();
    expect(r.evaluation!.n).toBe(32);
    expect(r.evaluation!.accuracy).toBeGreaterThanOrEqual(0.7);
    const c = await loadClassifier(r.modelDir!);
    try {
      // Only the MLP's own weights were saved: those of the same MLP built without the option.
      expect(c.members).toHaveLength(1);
      const saved = c.members[0]!.model;
      const fresh = buildModel(adversarial.model, { frames: 1, width: saved.inputs[0]!.shape[1]! }, 2, 0);
      expect(saved.getWeights().map((w) => w.shape)).toEqual(fresh.getWeights().map((w) => w.shape));
      fresh.dispose();
      const clip = join(data, 'Actor_07', readdirSync(join(data, 'Actor_07'))[0]!);
      const p = await classify(c, clip);
      expect(p.probabilities.calm! + p.probabilities.angry!).toBeCloseTo(1, 5);
    } finally {
      disposeClassifier(c);
    }
  });

  it('fails a run whose labels are not in the folder, with a one-line reason and no run', async () => {
    const events: TrainEvent[] = [];
    const bad = { ...config, labels: ['calm', 'surprised'] };
    const r = await startTrainingJob(request({ config: bad }), (e) => events.push(e)).done;
    expect(r.status).toBe('failed');
    expect(r.error!.message).toMatch(/surprised/);
    expect(r.error!.message).not.toMatch(/\n/);
  });
});
