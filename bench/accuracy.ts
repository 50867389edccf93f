/**
 * Six-emotion accuracy of the training recipe on ../shared/data/ravdess-16k (actors 1-20, 960
 * clips): the recipe is an ensemble of the CNN-LSTM and a pooled-statistics MLP whose class
 * probabilities are averaged (buildTrainConfig(), what `ser train` and the app train by default).
 * One training run per protocol and seed gives the ensemble's accuracy and each member's alone:
 *   - a random stratified 80/20 split (the seed's protocol; target >= 88%), global normalisation,
 *     no validation clips (the recipe trains a fixed cosine schedule; `ser train --split random`
 *     does the same); `--random-normalization speaker|both` for per-speaker normalisation
 *     (transductive here: each test speaker's statistics include its test clips' audio), and
 *   - 5-fold cross-validation by actor (actors 1-4, 5-8, ..., 17-20 held out in turn; target >= 62% mean),
 *     by default with per-speaker normalisation (each speaker's features standardised by that
 *     speaker's own statistics, computed from its unlabeled clips: available for an unheard
 *     speaker given several of its recordings); `--kfold-normalization global|both` for the rest.
 * Anchors measured on the same data: SVM on pooled librosa features 78.6% / 51.8%; the seed's
 * CNN-LSTM reported 77.78% on its random split.
 *
 *   npm run bench:accuracy                      table (random about 6 minutes, 5-fold about 25, on 2 cores)
 *   npm run bench:accuracy -- --json            the table, then one JSON line
 *   npm run bench:accuracy -- --protocol random --seeds 42,1,2     (split seeds; mean over them too)
 *   npm run bench:accuracy -- --model cnn-lstm  (one member alone: ensemble | cnn-lstm | mlp)
 *   npm run bench:accuracy -- --patch '{"optimizer":{"epochs":10}}'   (merged into the TrainConfig)
 *
 * Trains in this thread (no run store, no model saved); features are cached in
 * $SER_CACHE_DIR or <tmp>/ser-feature-cache, so a second run skips extraction.
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
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
import { buildTrainConfig, memberName, type ModelChoice } from '../src/main/training/config.js';
import { argmaxRows, evaluate, meanStd } from '../src/main/training/metrics.js';
import { memberConfigs } from '../src/main/training/trainer.js';
import { trainOnScan } from '../src/main/training/trainer.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const DATA = resolve(ROOT, '..', 'shared', 'data', 'ravdess-16k');
const { values } = parseArgs({
  options: {
    json: { type: 'boolean' },
    protocol: { type: 'string', default: 'both' },
    model: { type: 'string', default: 'ensemble' },
    seeds: { type: 'string', default: '42' },
    patch: { type: 'string' },
    'random-normalization': { type: 'string', default: 'global' },
    'kfold-normalization': { type: 'string', default: 'speaker' },
  },
});
const json = values.json ?? false;
if (!existsSync(DATA)) {
  console.log(`bench:accuracy skipped: ${DATA} not found (put the shared data beside the repo)`);
  process.exit(0);
}

type Json = Record<string, unknown>;
function merge<T>(base: T, patch: Json | undefined): T {
  if (!patch) return base;
  const out: Json = { ...(base as Json) };
  for (const [k, v] of Object.entries(patch)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? merge(b, v as Json)
        : v;
  }
  return out as T;
}

const seeds = values.seeds.split(',').map(Number);
if (seeds.some((x) => !Number.isInteger(x))) throw new Error(`--seeds takes integers (got ${values.seeds})`);
const modelChoice = values.model as ModelChoice;
if (!['ensemble', 'cnn-lstm', 'mlp'].includes(modelChoice))
  throw new Error(`--model takes ensemble, cnn-lstm or mlp (got ${values.model})`);
type Norm = 'global' | 'speaker';
/** `global`, `speaker` or `both` (the first listed is the option's default). */
function norms(option: string, value: string, first: Norm): Norm[] {
  if (value === 'both') return first === 'speaker' ? ['speaker', 'global'] : ['global', 'speaker'];
  if (value === 'global' || value === 'speaker') return [value];
  throw new Error(`--${option} must be global, speaker or both (got ${value})`);
}
const protocols: { name: string; split: SplitConfig; normalization: Norm }[] = [];
if (values.protocol !== 'kfold') {
  for (const normalization of norms('random-normalization', values['random-normalization'], 'global')) {
    protocols.push({
      name: `random 80/20${normalization === 'speaker' ? ', per-speaker norm.' : ''}`,
      split: { kind: 'random', testFraction: 0.2, valFraction: 0 },
      normalization,
    });
  }
}
if (values.protocol !== 'random') {
  for (const normalization of norms('kfold-normalization', values['kfold-normalization'], 'speaker')) {
    protocols.push({
      name: `5-fold by actor${normalization === 'speaker' ? ', per-speaker norm.' : ''}`,
      split: { kind: 'kfold-actors', folds: 5, valFraction: 0.15 },
      normalization,
    });
  }
}
const patch = values.patch ? (JSON.parse(values.patch) as Json) : undefined;

const cacheDir = process.env.SER_CACHE_DIR ?? join(tmpdir(), 'ser-feature-cache');
const scan = await scanDataset(DATA, { labels: [...SEED_EMOTIONS] });
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
  folds: number[] | null;
  seconds: number;
  backend: string | null;
}

/** Per test clip: fold, label, the run's probabilities and each member's. */
type Preds = { fold: number; y: number; probs: Float32Array[] }[];

async function one(label: string, config: TrainConfig, preds: Preds): Promise<TrainResult> {
  let bar = '';
  const onEvent = (e: TrainEvent) => {
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
  const k = config.labels.length;
  const r = await trainOnScan(scan, config, {
    onEvent,
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
    folds: perFold,
    seconds,
    backend,
  };
}

function foldAccuracies(preds: Preds, col: number, labels: string[]): number[] | null {
  const folds = [...new Set(preds.map((p) => p.fold))].sort((a, b) => a - b);
  if (folds.length < 2) return null;
  return folds.map(
    (f) =>
      evaluateColumn(
        preds.filter((p) => p.fold === f),
        col,
        labels,
      ).accuracy,
  );
}

const started = performance.now();
const rows: Row[] = [];
const labels = [...SEED_EMOTIONS];
for (const p of protocols) {
  const perSeed: Row[][] = [];
  for (const seed of seeds) {
    const config = merge(
      buildTrainConfig({ model: modelChoice, split: p.split, seed, normalization: p.normalization }),
      patch,
    );
    const names = memberConfigs(config).map((m) => memberName(m.model));
    const preds: Preds = [];
    const r = await one(`${p.name} seed ${seed}`, config, preds);
    const columns =
      names.length > 1
        ? [...names.map((n, i) => ({ name: n, col: i + 1 })), { name: 'ensemble (mean)', col: 0 }]
        : [{ name: names[0]!, col: 0 }];
    const these = columns.map((c) =>
      row(
        p.name,
        seed,
        c.name,
        evaluateColumn(preds, c.col, labels),
        foldAccuracies(preds, c.col, labels),
        r.seconds,
        r.backend,
      ),
    );
    perSeed.push(these);
    rows.push(...these);
    if (!json)
      progress.note(
        `${p.name} seed ${seed}: ${these.map((t) => `${t.model} ${(100 * t.accuracy).toFixed(1)}%`).join(', ')} in ${formatSeconds(r.seconds)}`,
      );
  }
  if (seeds.length > 1) {
    // Mean over the split seeds, model by model (for k-fold: of the fold means).
    perSeed[0]!.forEach((first, j) => {
      const accs = perSeed.map((rs) => rs[j]!.foldMean ?? rs[j]!.accuracy);
      const ms = meanStd(accs);
      rows.push({
        ...first,
        seed: null,
        accuracy: ms.mean,
        macroF1: perSeed.reduce((a, rs) => a + rs[j]!.macroF1, 0) / perSeed.length,
        uar: perSeed.reduce((a, rs) => a + rs[j]!.uar, 0) / perSeed.length,
        foldMean: ms.mean,
        foldStd: ms.std,
        folds: accs,
        seconds: perSeed.reduce((a, rs) => a + rs[j]!.seconds, 0),
      });
    });
  }
}
const seconds = (performance.now() - started) / 1000;

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
const lines = [
  `six emotions, ${scan.items.length} clips, model ${modelChoice}, split seeds ${seeds.join(',')}, backend ${rows[0]?.backend ?? '?'}, ${cpus().length} cores (load ${loadavg()[0]!.toFixed(1)})`,
  '',
  `${'protocol'.padEnd(38)} ${'seed'.padStart(4)} ${'model'.padEnd(22)} ${'accuracy'.padStart(8)} ${'macro-F1'.padStart(8)} ${'fold/seed mean ± std'.padStart(20)}  seconds`,
  ...rows.map(
    (r) =>
      `${r.protocol.padEnd(38)} ${(r.seed === null ? 'mean' : String(r.seed)).padStart(4)} ${r.model.padEnd(22)} ${pct(r.accuracy).padStart(8)} ${pct(r.macroF1).padStart(8)} ${(r.foldMean === null ? '-' : `${pct(r.foldMean)} ± ${pct(r.foldStd)}`).padStart(20)}  ${r.seconds.toFixed(0).padStart(7)}`,
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
      model: modelChoice,
      clips: scan.items.length,
      rows,
      seconds: Number(seconds.toFixed(1)),
    }),
  );
