/**
 * Six-emotion accuracy on ../shared/data/ravdess-16k (actors 1-20, 960 clips): the training
 * recipe (CNN-LSTM) and the pooled-statistics MLP baseline, each on
 *   - a random stratified 80/20 split (the seed's protocol; target >= 88%), by default with global
 *     normalisation; `--random-normalization speaker|both` for per-speaker normalisation (transductive
 *     here: the statistics include the test clips' audio, and each test speaker's other clips are
 *     in training anyway), and
 *   - 5-fold cross-validation by actor (actors 1-4, 5-8, ..., 17-20 held out in turn; target >= 62% mean),
 *     by default with per-speaker normalisation (each speaker's features standardised by that
 *     speaker's own statistics, computed from its unlabeled clips: available for an unheard
 *     speaker given several of its recordings); `--kfold-normalization global|both` for the rest,
 * and the two models' average (late fusion of their class probabilities, clip by clip).
 * Anchors measured on the same data: SVM on pooled librosa features 78.6% / 51.8%; the seed's
 * CNN-LSTM reported 77.78% on its random split.
 *
 *   npm run bench:accuracy                      table (about 15 minutes on 2 cores, 18 with --kfold-normalization both)
 *   npm run bench:accuracy -- --json            the table, then one JSON line
 *   npm run bench:accuracy -- --protocol random --models cnn
 *   npm run bench:accuracy -- --patch '{"optimizer":{"epochs":10}}'   (merged into the CNN config)
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
import { buildTrainConfig } from '../src/main/training/config.js';
import { argmaxRows, evaluate, meanStd } from '../src/main/training/metrics.js';
import { trainOnScan } from '../src/main/training/trainer.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const DATA = resolve(ROOT, '..', 'shared', 'data', 'ravdess-16k');
const { values } = parseArgs({
  options: {
    json: { type: 'boolean' },
    protocol: { type: 'string', default: 'both' },
    models: { type: 'string', default: 'cnn,mlp' },
    seed: { type: 'string', default: '42' },
    patch: { type: 'string' },
    'random-normalization': { type: 'string', default: 'global' },
    'kfold-normalization': { type: 'string', default: 'speaker' },
    'mlp-patch': { type: 'string' },
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

const seed = Number(values.seed);
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
      split: { kind: 'random', testFraction: 0.2, valFraction: 0.15 },
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
const models = values.models.split(',');
const patch = values.patch ? (JSON.parse(values.patch) as Json) : undefined;
const mlpPatch = values['mlp-patch'] ? (JSON.parse(values['mlp-patch']) as Json) : undefined;

const cacheDir = process.env.SER_CACHE_DIR ?? join(tmpdir(), 'ser-feature-cache');
const scan = await scanDataset(DATA, { labels: [...SEED_EMOTIONS] });
const progress = createProgress({ quiet: json && !process.stderr.isTTY });

interface Row {
  protocol: string;
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

type Preds = Map<string, { fold: number; y: number; probs: Float32Array }>;

async function one(label: string, config: TrainConfig, preds: Preds): Promise<TrainResult> {
  let bar = '';
  const onEvent = (e: TrainEvent) => {
    if (e.type === 'batch') {
      const key = `${label} e${e.epoch}${e.fold !== undefined ? ` f${e.fold + 1}` : ''}`;
      if (bar !== key) progress.start(key, e.batches);
      bar = key;
      progress.update(e.batch, `ETA ${formatSeconds(e.etaSeconds ?? NaN)}`);
    } else if (e.type === 'fold') {
      progress.note(`${label}: fold ${e.fold + 1} accuracy ${(100 * e.evaluation.accuracy).toFixed(1)}%`);
    } else if (e.type === 'epoch' && !json) {
      const m = e.metrics;
      progress.note(
        `${label}${e.fold !== undefined ? ` fold ${e.fold + 1}` : ''} epoch ${m.epoch}: loss ${m.trainLoss.toFixed(3)} acc ${m.trainAccuracy.toFixed(3)} val_loss ${m.valLoss?.toFixed(3)} val_acc ${m.valAccuracy?.toFixed(3)} ${m.seconds.toFixed(1)}s`,
      );
    } else if (e.type === 'progress') {
      if (bar !== e.stage) progress.start(`${label} ${e.stage}`, e.total);
      bar = e.stage;
      progress.update(e.done);
    } else if (e.type === 'log' && e.level === 'warn') {
      progress.note(`${label}: ${e.message}`);
    }
  };
  const k = config.labels.length;
  const r = await trainOnScan(scan, config, {
    onEvent,
    cacheDir,
    saveModel: false,
    onTestPredictions: (p) =>
      p.paths.forEach((path, i) =>
        preds.set(path, { fold: p.fold, y: p.y[i]!, probs: p.probs.slice(i * k, (i + 1) * k) }),
      ),
  });
  progress.stop();
  if (r.status !== 'completed') throw new Error(`${label}: ${r.status} ${r.error?.message ?? ''}`);
  return r;
}

/** Average the class probabilities of several models clip by clip; per fold and pooled. */
function fuse(all: Preds[], labels: string[]): Evaluation {
  const first = all[0]!;
  const byFold = new Map<number, { y: number[]; p: number[] }>();
  const pooledY: number[] = [];
  const pooledP: number[] = [];
  for (const [path, a] of first) {
    const avg = Float32Array.from(a.probs);
    for (const other of all.slice(1)) {
      const b = other.get(path);
      if (!b) throw new Error(`fusion: ${path} missing from a model's test predictions`);
      for (let c = 0; c < avg.length; c++) avg[c]! += b.probs[c]!;
    }
    const pred = argmaxRows(avg, avg.length)[0]!;
    const f = byFold.get(a.fold) ?? { y: [], p: [] };
    f.y.push(a.y);
    f.p.push(pred);
    byFold.set(a.fold, f);
    pooledY.push(a.y);
    pooledP.push(pred);
  }
  const pooled = evaluate(pooledY, pooledP, labels);
  if (byFold.size < 2) return pooled;
  const accs = [...byFold.values()].map((f) => evaluate(f.y, f.p, labels).accuracy);
  return { ...pooled, foldAccuracy: meanStd(accs), folds: [] };
}

function row(protocol: string, model: string, e: Evaluation, seconds: number, backend: string | null): Row {
  return {
    protocol,
    model,
    accuracy: e.accuracy,
    macroF1: e.macroF1,
    uar: e.uar,
    foldMean: e.foldAccuracy?.mean ?? null,
    foldStd: e.foldAccuracy?.std ?? null,
    folds: e.folds?.length ? e.folds.map((f) => f.evaluation.accuracy) : null,
    seconds,
    backend,
  };
}

const started = performance.now();
const rows: Row[] = [];
for (const p of protocols) {
  const runs: { preds: Preds; seconds: number }[] = [];
  for (const m of models) {
    const base = buildTrainConfig({
      model: m === 'mlp' ? 'mlp' : 'cnn-lstm',
      split: p.split,
      seed,
      normalization: p.normalization,
    });
    const config = m === 'mlp' ? merge(base, mlpPatch) : merge(base, patch);
    const preds: Preds = new Map();
    const r = await one(`${m} ${p.name}`, config, preds);
    runs.push({ preds, seconds: r.seconds });
    const e = r.evaluation!;
    rows.push(row(p.name, m === 'mlp' ? 'MLP (pooled stats)' : 'CNN-LSTM', e, r.seconds, r.backend));
    if (!json)
      progress.note(`${m} ${p.name}: ${(100 * e.accuracy).toFixed(1)}% in ${formatSeconds(r.seconds)}`);
  }
  if (runs.length > 1) {
    const e = fuse(
      runs.map((r) => r.preds),
      [...SEED_EMOTIONS],
    );
    rows.push(
      row(
        p.name,
        'average of both',
        e,
        runs.reduce((s, r) => s + r.seconds, 0),
        rows.at(-1)!.backend,
      ),
    );
  }
}
const seconds = (performance.now() - started) / 1000;

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
const lines = [
  `six emotions, ${scan.items.length} clips, seed ${seed}, backend ${rows[0]?.backend ?? '?'}, ${cpus().length} cores (load ${loadavg()[0]!.toFixed(1)})`,
  '',
  `${'protocol'.padEnd(38)} ${'model'.padEnd(19)} ${'accuracy'.padStart(8)} ${'macro-F1'.padStart(8)} ${'fold mean ± std'.padStart(16)}  seconds`,
  ...rows.map(
    (r) =>
      `${r.protocol.padEnd(38)} ${r.model.padEnd(19)} ${pct(r.accuracy).padStart(8)} ${pct(r.macroF1).padStart(8)} ${(r.foldMean === null ? '-' : `${pct(r.foldMean)} ± ${pct(r.foldStd)}`).padStart(16)}  ${r.seconds.toFixed(0).padStart(7)}`,
  ),
  '',
  `targets: random 80/20 >= 88%, 5-fold by actor >= 62% mean (anchors: SVM 78.6% / 51.8%)`,
  `total ${formatSeconds(seconds)}`,
];
console.log(lines.join('\n'));
if (json)
  console.log(JSON.stringify({ seed, clips: scan.items.length, rows, seconds: Number(seconds.toFixed(1)) }));
