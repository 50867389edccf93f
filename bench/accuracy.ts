/**
 * Six-emotion accuracy of the training recipe on ../shared/data/ravdess-16k (actors 1-20, 960
 * clips): by default DEFAULT_RECIPE (src/main/recipe/recipe.ts: what `ser train`, the app and the
 * bundled model train), `--model ensemble` the CNN-LSTM and MLP whose class probabilities are
 * averaged. One training run per protocol and seed gives the run's accuracy and each member's alone:
 *   - a random stratified 80/20 split (the seed's protocol; target >= 88%), the model's own
 *     normalisation (`--random-normalization global|speaker|both` to choose; per-speaker is
 *     transductive here: each test speaker's statistics include its test clips' audio, as in
 *     `ser train --split random`), no validation clips (the recipe trains a fixed cosine schedule;
 *     `ser train --split random` does the same), and
 *   - 5-fold cross-validation by actor (actors 1-4, 5-8, ..., 17-20 held out in turn; target >= 62% mean):
 *     each fold's model is saved, loaded back and evaluated with evaluateModel like `ser
 *     evaluate`: every test clip alone (single-clip, what `ser infer` does) and, for models
 *     trained with per-speaker normalisation, calibrated (each test speaker's unlabeled clips
 *     calibrate that speaker, `ser evaluate --calibrate speaker`). Accuracy and UAR, mean ± std
 *     over folds and over seeds; accuracy per test speaker in the JSON.
 *     `--kfold-normalization global,speaker,utterance` (default: the recipe's),
 *     `--actors 1-16 --folds 4`: a development protocol that leaves actors 17-20 unseen (settings
 *     are chosen there, never on the reported folds).
 * Anchors measured on the same data: SVM on pooled librosa features 78.6% / 51.8%; the seed's
 * CNN-LSTM reported 77.78% on its random split.
 *
 *   npm run bench:accuracy                      table (random about 6 minutes, 5-fold about 25, on 2 cores)
 *   npm run bench:accuracy -- --json            the table, then one JSON line
 *   npm run bench:accuracy -- --protocol random --seeds 42,1,2     (split seeds; mean over them too)
 *   npm run bench:accuracy -- --protocol kfold --seeds 1,2,3    (k-fold over seeds: mean ± std of fold means)
 *   npm run bench:accuracy -- --model ensemble  (mlp, the default recipe | ensemble | cnn-lstm)
 *   npm run bench:accuracy -- --patch '{"optimizer":{"epochs":10}}'   (merged into the TrainConfig)
 *
 * Trains in this thread (no run store, no model saved); features are cached in
 * $SER_CACHE_DIR or <tmp>/ser-feature-cache, so a second run skips extraction.
 */
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { SpeakerAccuracy } from '../src/shared/clips.js';
import { SEED_EMOTIONS } from '../src/shared/dataset.js';
import type {
  Evaluation,
  SplitConfig,
  TrainConfig,
  TrainEvent,
  TrainResult,
} from '../src/shared/training.js';
import { createProgress, formatSeconds } from '../src/main/cli/progress.js';
import { scanDataset } from '../src/main/dataset/scan.js';
import { buildTrainConfig, memberName } from '../src/main/training/config.js';
import {
  argmaxRows,
  evaluate,
  evaluationFromConfusion,
  meanStd,
  sumConfusions,
} from '../src/main/training/metrics.js';
import { memberConfigs, trainOnScan } from '../src/main/training/trainer.js';
import {
  evaluateHeldOut,
  memberOf,
  parseSpeakerList,
  restrictScan,
  speakerFolds,
  trainHeldOut,
  mergePatch as merge,
  type Json,
} from './held-out.js';
import { DATA, modelChoice, skipWithoutData } from './setup.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean' },
    protocol: { type: 'string', default: 'both' },
    model: { type: 'string' },
    seeds: { type: 'string', default: '42' },
    patch: { type: 'string' },
    'random-normalization': { type: 'string' },
    'kfold-normalization': { type: 'string' },
    actors: { type: 'string' },
    folds: { type: 'string', default: '5' },
  },
});
const json = values.json ?? false;
skipWithoutData('accuracy');

const seeds = values.seeds.split(',').map(Number);
if (seeds.some((x) => !Number.isInteger(x))) throw new Error(`--seeds takes integers (got ${values.seeds})`);
const chosenModel = modelChoice(values.model);
const MODES = ['global', 'speaker', 'utterance'] as const;
type Norm = (typeof MODES)[number];
function modes(option: string, value: string): Norm[] {
  const list = value === 'both' ? ['global', 'speaker'] : value.split(',');
  for (const m of list)
    if (!(MODES as readonly string[]).includes(m))
      throw new Error(`--${option} takes ${MODES.join(', ')} (a comma list) or both (got ${value})`);
  return list as Norm[];
}
const patch = values.patch ? (JSON.parse(values.patch) as Json) : undefined;
const configFor = (split: SplitConfig, seed: number, normalization?: Norm): TrainConfig =>
  merge(
    buildTrainConfig({ model: chosenModel, split, seed, ...(normalization ? { normalization } : {}) }),
    patch,
  );
const folds = Number(values.folds);
if (!Number.isInteger(folds) || folds < 2)
  throw new Error(`--folds takes an integer >= 2 (got ${values.folds})`);

const cacheDir = process.env.SER_CACHE_DIR ?? join(tmpdir(), 'ser-feature-cache');
const fullScan = await scanDataset(DATA, { labels: [...SEED_EMOTIONS] });
const actors = values.actors ? parseSpeakerList(values.actors, fullScan) : null;
const scan = restrictScan(fullScan, actors);
const progress = createProgress({ quiet: json && !process.stderr.isTTY });

interface Row {
  protocol: string;
  seed: number | null;
  model: string;
  accuracy: number;
  macroF1: number;
  uar: number;
  foldMean: number | null;
  foldStd: number | null;
  /** Mean and std of the fold (or seed) UARs. */
  uarMean: number | null;
  uarStd: number | null;
  folds: number[] | null;
  seconds: number;
  backend: string | null;
  /** Accuracy per test speaker (k-fold), pooled over the folds. */
  speakers?: SpeakerAccuracy[];
}

/** Per test clip: fold, label, the run's probabilities and each member's. */
type Preds = { fold: number; y: number; probs: Float32Array[] }[];

function onEventFor(label: string): (e: TrainEvent) => void {
  let bar = '';
  return (e: TrainEvent) => {
    if (e.type === 'batch') {
      const key = `${label} e${e.epoch}${e.fold !== undefined ? ` f${e.fold + 1}` : ''}${e.member !== undefined ? ` m${e.member + 1}` : ''}`;
      if (bar !== key) progress.start(key, e.batches);
      bar = key;
      progress.update(e.batch, `ETA ${formatSeconds(e.etaSeconds ?? NaN)}`);
    } else if (e.type === 'epoch' && !json) {
      const m = e.metrics;
      const val =
        m.valLoss !== null ? ` val_loss ${m.valLoss.toFixed(3)} val_acc ${m.valAccuracy?.toFixed(3)}` : '';
      progress.note(
        `${label}${e.fold !== undefined ? ` fold ${e.fold + 1}` : ''}${e.member !== undefined ? ` member ${e.member + 1}` : ''} epoch ${m.epoch}: loss ${m.trainLoss.toFixed(3)} acc ${m.trainAccuracy.toFixed(3)}${val} ${m.seconds.toFixed(1)}s`,
      );
    } else if (e.type === 'progress') {
      if (bar !== e.stage) progress.start(`${label} ${e.stage}`, e.total);
      bar = e.stage;
      progress.update(e.done);
    } else if (e.type === 'log' && (e.level === 'warn' || /members|fold \d+ accuracy/.test(e.message))) {
      progress.note(`${label}: ${e.message}`);
    }
  };
}

async function one(label: string, config: TrainConfig, preds: Preds): Promise<TrainResult> {
  const k = config.labels.length;
  const r = await trainOnScan(scan, config, {
    onEvent: onEventFor(label),
    cacheDir,
    saveModel: false,
    onTestPredictions: (p) =>
      p.paths.forEach((_, i) =>
        preds.push({
          fold: p.fold,
          y: p.y[i]!,
          probs: [p.probs, ...p.members].map((q) => q.slice(i * k, (i + 1) * k)),
        }),
      ),
  });
  progress.stop();
  if (r.status !== 'completed') throw new Error(`${label}: ${r.status} ${r.error?.message ?? ''}`);
  return r;
}

/** Evaluation of column `col` of the predictions (0: the run's, 1..: a member's), pooled and per fold. */
function evaluateColumn(preds: Preds, col: number, labels: string[]): Evaluation {
  const byFold = new Map<number, { y: number[]; p: number[] }>();
  const ys: number[] = [];
  const ps: number[] = [];
  for (const a of preds) {
    const pred = argmaxRows(a.probs[col]!, labels.length)[0]!;
    const f = byFold.get(a.fold) ?? { y: [], p: [] };
    f.y.push(a.y);
    f.p.push(pred);
    byFold.set(a.fold, f);
    ys.push(a.y);
    ps.push(pred);
  }
  const pooled = evaluate(ys, ps, labels);
  if (byFold.size < 2) return pooled;
  const folds = [...byFold.values()].map((f) => evaluate(f.y, f.p, labels).accuracy);
  return { ...pooled, foldAccuracy: meanStd(folds), folds: [] };
}

function row(
  protocol: string,
  seed: number | null,
  model: string,
  e: Evaluation,
  perFold: number[] | null,
  seconds: number,
  backend: string | null,
): Row {
  return {
    protocol,
    seed,
    model,
    accuracy: e.accuracy,
    macroF1: e.macroF1,
    uar: e.uar,
    foldMean: e.foldAccuracy?.mean ?? null,
    foldStd: e.foldAccuracy?.std ?? null,
    uarMean: null,
    uarStd: null,
    folds: perFold,
    seconds,
    backend,
  };
}

const started = performance.now();
const rows: Row[] = [];
const labels = [...SEED_EMOTIONS];

/** Mean over seeds of each model's rows (for k-fold: of the fold means), appended as seed 'mean'. */
function seedMeans(perSeed: Row[][]): void {
  if (perSeed.length < 2) return;
  perSeed[0]!.forEach((first, j) => {
    const accs = perSeed.map((rs) => rs[j]!.foldMean ?? rs[j]!.accuracy);
    const uars = perSeed.map((rs) => rs[j]!.uarMean ?? rs[j]!.uar);
    const ms = meanStd(accs);
    const mu = meanStd(uars);
    rows.push({
      ...first,
      seed: null,
      accuracy: ms.mean,
      macroF1: perSeed.reduce((a, rs) => a + rs[j]!.macroF1, 0) / perSeed.length,
      uar: mu.mean,
      foldMean: ms.mean,
      foldStd: ms.std,
      uarMean: mu.mean,
      uarStd: mu.std,
      folds: accs,
      seconds: perSeed.reduce((a, rs) => a + rs[j]!.seconds, 0),
      speakers: undefined,
    });
  });
}

if (values.protocol !== 'kfold') {
  const recipeMode = buildTrainConfig({ model: chosenModel }).normalization ?? 'global';
  for (const normalization of modes('random-normalization', values['random-normalization'] ?? recipeMode)) {
    const name = `random 80/20${normalization === 'global' ? '' : `, ${normalization} norm.`}`;
    const perSeed: Row[][] = [];
    for (const seed of seeds) {
      const config = configFor({ kind: 'random', testFraction: 0.2, valFraction: 0 }, seed, normalization);
      const names = memberConfigs(config).map((m) => memberName(m.model));
      const preds: Preds = [];
      const r = await one(`${name} seed ${seed}`, config, preds);
      const columns =
        names.length > 1
          ? [...names.map((n, i) => ({ name: n, col: i + 1 })), { name: 'ensemble (mean)', col: 0 }]
          : [{ name: names[0]!, col: 0 }];
      const these = columns.map((c) =>
        row(name, seed, c.name, evaluateColumn(preds, c.col, labels), null, r.seconds, r.backend),
      );
      perSeed.push(these);
      rows.push(...these);
      if (!json)
        progress.note(
          `${name} seed ${seed}: ${these.map((t) => `${t.model} ${(100 * t.accuracy).toFixed(1)}%`).join(', ')} in ${formatSeconds(r.seconds)}`,
        );
    }
    seedMeans(perSeed);
  }
}

if (values.protocol !== 'random') {
  const groups = speakerFolds(scan, folds);
  const recipeMode = buildTrainConfig({ model: chosenModel }).normalization ?? 'global';
  for (const normalization of modes('kfold-normalization', values['kfold-normalization'] ?? recipeMode)) {
    const name = `${folds}-fold by actor${actors ? ` (actors ${values.actors})` : ''}, ${normalization} norm.`;
    const perSeed: Row[][] = [];
    for (const seed of seeds) {
      const config = configFor({ kind: 'kfold-actors', folds, valFraction: 0.15 }, seed, normalization);
      const names = memberConfigs(config).map((m) => memberName(m.model));
      const columns: { name: string; member: number | null }[] =
        names.length > 1
          ? [...names.map((n, i) => ({ name: n, member: i })), { name: 'ensemble (mean)', member: null }]
          : [{ name: names[0]!, member: null }];
      // Per column and mode (plain, calibrated): each fold's evaluation.
      const evals = new Map<string, Evaluation[]>();
      let seconds = 0;
      let backend: string | null = null;
      for (const [f, testSpeakers] of groups.entries()) {
        const label = `${name} seed ${seed} fold ${f + 1}`;
        const m = await trainHeldOut(scan, config, testSpeakers, { cacheDir, onEvent: onEventFor(label) });
        progress.stop();
        seconds += m.seconds;
        backend = m.classifier.meta.backend;
        try {
          for (const c of columns) {
            const e = await evaluateHeldOut(memberOf(m.classifier, c.member), scan, testSpeakers, cacheDir);
            const add = (key: string, ev: Evaluation) => evals.set(key, [...(evals.get(key) ?? []), ev]);
            add(c.name, e.plain);
            if (e.calibrated) add(`${c.name}, calibrated`, e.calibrated);
          }
        } finally {
          m.done();
        }
        if (!json)
          progress.note(
            `${label}: ${[...evals].map(([k, es]) => `${k} ${(100 * es.at(-1)!.accuracy).toFixed(1)}%`).join(', ')}`,
          );
      }
      const these: Row[] = [...evals].map(([model, es]) => {
        const pooled = evaluationFromConfusion(sumConfusions(es.map((e) => e.confusion)), labels);
        const acc = meanStd(es.map((e) => e.accuracy));
        const uar = meanStd(es.map((e) => e.uar));
        return {
          protocol: name,
          seed,
          model,
          accuracy: pooled.accuracy,
          macroF1: pooled.macroF1,
          uar: pooled.uar,
          foldMean: acc.mean,
          foldStd: acc.std,
          uarMean: uar.mean,
          uarStd: uar.std,
          folds: es.map((e) => e.accuracy),
          seconds,
          backend,
          speakers: es.flatMap((e) => e.speakers ?? []),
        };
      });
      perSeed.push(these);
      rows.push(...these);
    }
    seedMeans(perSeed);
  }
}
const seconds = (performance.now() - started) / 1000;

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
const ms = (m: number | null, s: number | null) => (m === null ? '-' : `${pct(m)} ± ${pct(s)}`);
const lines = [
  `six emotions, ${scan.items.length} clips, model ${chosenModel}, seeds ${seeds.join(',')}, backend ${rows[0]?.backend ?? '?'}, ${cpus().length} cores (load ${loadavg()[0]!.toFixed(1)})`,
  '',
  `${'protocol'.padEnd(44)} ${'seed'.padStart(4)} ${'model'.padEnd(34)} ${'accuracy'.padStart(8)} ${'UAR'.padStart(6)} ${'acc. fold/seed mean ± std'.padStart(25)} ${'UAR fold/seed mean ± std'.padStart(25)}  seconds`,
  ...rows.map(
    (r) =>
      `${r.protocol.padEnd(44)} ${(r.seed === null ? 'mean' : String(r.seed)).padStart(4)} ${r.model.padEnd(34)} ${pct(r.accuracy).padStart(8)} ${pct(r.uar).padStart(6)} ${ms(r.foldMean, r.foldStd).padStart(25)} ${ms(r.uarMean, r.uarStd).padStart(25)}  ${r.seconds.toFixed(0).padStart(7)}`,
  ),
  '',
  `targets: random 80/20 >= 88%, 5-fold by actor >= 62% mean (anchors: SVM 78.6% / 51.8%)`,
  `total ${formatSeconds(seconds)}`,
];
console.log(lines.join('\n'));
if (json)
  console.log(
    JSON.stringify({
      seeds,
      model: chosenModel,
      clips: scan.items.length,
      actors,
      rows,
      seconds: Number(seconds.toFixed(1)),
    }),
  );
