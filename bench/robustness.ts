/**
 * Robustness of the training recipe to recordings unlike RAVDESS: train on actors 1-16 (2 of them
 * validate), test on actors 17-20 clean and under shifts made here at test time from the clean
 * clips (nothing is committed): telephone (8 kHz file, 300-3400 Hz), reverberation (synthetic
 * room, RT60 0.6 s), -25 dB level, hard clipping (peak driven 12 dB over full scale), a 44.1 kHz
 * source file, 2-second cuts from the middle, babble (three clips of the other test speakers
 * mixed at 10 dB SNR). Shifted clips are written as WAV files at their own rate and go through
 * the same decode, features and classifier as `ser evaluate` (evaluateModel). One row per
 * condition: accuracy and UAR, each clip alone and, for models trained with per-speaker
 * normalisation, calibrated (each test speaker's shifted clips calibrate that speaker); and the
 * expected calibration error (ECE) of the raw probabilities and with the temperature the model
 * fitted on its validation actors (never the test actors).
 * For such models a second table: accuracy against how many clips of the speaker calibrate it
 * (random draws of k clips per speaker), which sets CALIBRATION_MINIMUM.
 *
 *   npm run bench:robustness [-- --json] [--normalization global|speaker|utterance]
 *                            [--model ensemble|cnn-lstm|mlp] [--patch JSON] [--seed N]
 *                            [--actors 1-20] [--test-actors 17-20]
 *
 * Without --model (and --normalization, --patch augment) it trains the default recipe, like
 * `ser train`: DEFAULT_RECIPE in src/main/recipe/recipe.ts.
 *
 * `--actors 1-16 --test-actors 13-16` is the development protocol: choices are made there, with
 * actors 17-20 never seen; the reported table is the default (train 1-16, test 17-20).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { SEED_EMOTIONS, type DatasetItem } from '../src/shared/dataset.js';
import type { NormalizationMode, TrainConfig } from '../src/shared/training.js';
import { centreCut, gainDb, hardClip, mixAt, reverb, telephone } from '../src/main/audio/channel.js';
import { decodeFile } from '../src/main/audio/decode.js';
import { resample } from '../src/main/audio/resample.js';
import { encodeWav } from '../src/main/audio/wav-encode.js';
import { createProgress, formatSeconds } from '../src/main/cli/progress.js';
import { scanDataset } from '../src/main/dataset/scan.js';
import { extractMany, isExtractError } from '../src/main/features/worker-pool.js';
import { calibrationFrom, expectsCalibration } from '../src/main/inference/calibration.js';
import { buildTrainConfig } from '../src/main/training/config.js';
import { argmaxRows, evaluate, meanStd } from '../src/main/training/metrics.js';
import { classifyMatrices, type Classifier } from '../src/main/inference/predict.js';
import { deriveSeed, makeRng, shuffle } from '../src/main/util/rng.js';
import {
  evaluateHeldOut,
  mergePatch as merge,
  parseSpeakerList,
  restrictScan,
  trainHeldOut,
  type Json,
} from './held-out.js';
import { DATA, modelChoice, skipWithoutData } from './setup.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean' },
    model: { type: 'string' },
    normalization: { type: 'string' },
    patch: { type: 'string' },
    seed: { type: 'string', default: '42' },
    actors: { type: 'string', default: '1-20' },
    'test-actors': { type: 'string', default: '17-20' },
  },
});
const json = values.json ?? false;
skipWithoutData('robustness');

const chosenModel = modelChoice(values.model);
const seed = Number(values.seed);
const normalization = values.normalization as NormalizationMode | undefined;
if (normalization && !['global', 'speaker', 'utterance'].includes(normalization))
  throw new Error(`--normalization takes global, speaker or utterance (got ${normalization})`);
const config: TrainConfig = merge(
  buildTrainConfig({
    model: chosenModel,
    split: { kind: 'actors', testActors: [], valFraction: 0.15 },
    seed,
    ...(normalization ? { normalization } : {}),
  }),
  values.patch ? (JSON.parse(values.patch) as Json) : undefined,
);

const cacheDir = process.env.SER_CACHE_DIR ?? join(tmpdir(), 'ser-feature-cache');
const full = await scanDataset(DATA, { labels: [...SEED_EMOTIONS] });
const scan = restrictScan(full, parseSpeakerList(values.actors, full));
const testSpeakers = parseSpeakerList(values['test-actors'], full);
const trainSpeakers = [...new Set(scan.items.map((it) => it.speaker!))].filter(
  (s) => !testSpeakers.includes(s),
);
const who = `train actors ${values.actors} but ${values['test-actors']} (${trainSpeakers.length}), test actors ${values['test-actors']}`;
const progress = createProgress({ quiet: json && !process.stderr.isTTY });
const started = performance.now();

type Shift = (x: Float32Array, sr: number, item: DatasetItem) => { samples: Float32Array; rate: number };
const SR = 16000;
const testItems = scan.items.filter((it) => it.speaker !== null && testSpeakers.includes(it.speaker));
const cleanAudio = new Map<string, Float32Array>();
for (const it of testItems) cleanAudio.set(it.path, (await decodeFile(it.path, { targetRate: SR })).samples);

/** Three clips of the other test speakers, chosen per clip from a seeded generator. */
function babbleFor(item: DatasetItem): Float32Array[] {
  const rng = makeRng(deriveSeed(seed, 'babble', item.path));
  const others = testItems.filter((o) => o.speaker !== item.speaker);
  return shuffle([...others], rng)
    .slice(0, 3)
    .map((o) => cleanAudio.get(o.path)!);
}

const conditions: { name: string; shift: Shift | null }[] = [
  { name: 'clean', shift: null },
  { name: 'telephone (8 kHz, 300-3400 Hz)', shift: (x, sr) => ({ samples: telephone(x, sr), rate: 8000 }) },
  {
    name: 'reverberation (RT60 0.6 s)',
    shift: (x, sr, it) => ({
      samples: reverb(x, sr, 0.6, makeRng(deriveSeed(seed, 'room', it.path))),
      rate: sr,
    }),
  },
  { name: 'level -25 dB', shift: (x, sr) => ({ samples: gainDb(x, -25), rate: sr }) },
  {
    name: 'hard clipping (+12 dB over full scale)',
    shift: (x, sr) => ({ samples: hardClip(x, 12), rate: sr }),
  },
  { name: '44.1 kHz source', shift: (x, sr) => ({ samples: resample(x, sr, 44100), rate: 44100 }) },
  { name: '2-second cuts', shift: (x, sr) => ({ samples: centreCut(x, sr, 2), rate: sr }) },
  {
    name: 'babble (3 voices, 10 dB SNR)',
    shift: (x, sr, it) => ({ samples: mixAt(x, babbleFor(it), 10), rate: sr }),
  },
];

progress.note(
  `${who}: training (15% of the training actors validate), normalisation ${config.normalization ?? 'global'}`,
);
const model = await trainHeldOut(scan, config, testSpeakers, { cacheDir });
const c = model.classifier;
const calibrates = expectsCalibration(c.meta);

interface Row {
  condition: string;
  accuracy: number;
  uar: number;
  calibratedAccuracy: number | null;
  calibratedUar: number | null;
  /** Expected calibration error of single clips: raw probabilities, then with the model's temperature. */
  ece: number | null;
  eceBefore: number | null;
  calibratedEce: number | null;
  calibratedEceBefore: number | null;
}
const rows: Row[] = [];
const work = mkdtempSync(join(tmpdir(), 'ser-robustness-'));
let curve: { clips: number; accuracy: number; std: number }[] = [];
try {
  for (const cond of conditions) {
    let root = DATA;
    if (cond.shift) {
      root = join(work, String(rows.length));
      for (const it of testItems) {
        const { samples, rate } = cond.shift(cleanAudio.get(it.path)!, SR, it);
        const out = join(root, relative(DATA, it.path));
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, encodeWav(samples, rate));
      }
    }
    const shifted = root === DATA ? scan : await scanDataset(root, { labels: [...SEED_EMOTIONS] });
    const e = await evaluateHeldOut(c, shifted, testSpeakers, root === DATA ? cacheDir : null);
    rows.push({
      condition: cond.name,
      accuracy: e.plain.accuracy,
      uar: e.plain.uar,
      calibratedAccuracy: e.calibrated?.accuracy ?? null,
      calibratedUar: e.calibrated?.uar ?? null,
      ece: e.plain.confidence?.after.ece ?? null,
      eceBefore: e.plain.confidence?.before.ece ?? null,
      calibratedEce: e.calibrated?.confidence?.after.ece ?? null,
      calibratedEceBefore: e.calibrated?.confidence?.before.ece ?? null,
    });
    progress.note(
      `${cond.name}: ${(100 * e.plain.accuracy).toFixed(1)}%${e.calibrated ? `, calibrated ${(100 * e.calibrated.accuracy).toFixed(1)}%` : ''}`,
    );
  }
  if (calibrates) curve = await calibrationCurve(c);
} finally {
  rmSync(work, { recursive: true, force: true });
  model.done();
}

/**
 * Accuracy on the clean test clips when each speaker is calibrated with k of its clips drawn at
 * random (5 draws per k; the clip classified may be among them, as in `ser infer --calibrate`).
 */
async function calibrationCurve(cl: Classifier): Promise<{ clips: number; accuracy: number; std: number }[]> {
  const res = await extractMany(
    testItems.map((it) => it.path),
    cl.meta.featureConfig,
    { cacheDir },
  );
  const mats = res.map((r) => {
    if (isExtractError(r)) throw new Error(r.message);
    return r;
  });
  const secondsOf = (i: number) => cleanAudio.get(testItems[i]!.path)!.length / SR;
  const y = Int32Array.from(testItems, (it) => cl.labels.indexOf(it.label));
  const out: { clips: number; accuracy: number; std: number }[] = [];
  for (const k of [1, 2, 4, 8, 16, 48]) {
    const accs: number[] = [];
    for (let draw = 0; draw < (k === 48 ? 1 : 5); draw++) {
      const rng = makeRng(deriveSeed(seed, 'calibration', k, draw));
      const cal = testItems.map(() => null as ReturnType<typeof calibrationFrom> | null);
      for (const s of testSpeakers) {
        const idx = testItems.map((it, i) => (it.speaker === s ? i : -1)).filter((i) => i >= 0);
        const pick = shuffle([...idx], rng).slice(0, k);
        const one = calibrationFrom(
          pick.map((i) => mats[i]!),
          pick.reduce((a, i) => a + secondsOf(i), 0),
        );
        for (const i of idx) cal[i] = one;
      }
      const probs = await classifyMatrices(cl, mats, cal);
      accs.push(evaluate(y, argmaxRows(probs, cl.labels.length), cl.labels).accuracy);
    }
    const ms = meanStd(accs);
    out.push({ clips: k, accuracy: ms.mean, std: ms.std });
  }
  return out;
}

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
const shiftedRows = rows.slice(1);
const mean = (f: (r: Row) => number | null) => {
  const xs = shiftedRows.map(f).filter((v): v is number => v !== null);
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
};
const summary: Row = {
  condition: 'mean of the shifted conditions',
  accuracy: mean((r) => r.accuracy)!,
  uar: mean((r) => r.uar)!,
  calibratedAccuracy: mean((r) => r.calibratedAccuracy),
  calibratedUar: mean((r) => r.calibratedUar),
  ece: mean((r) => r.ece),
  eceBefore: mean((r) => r.eceBefore),
  calibratedEce: mean((r) => r.calibratedEce),
  calibratedEceBefore: mean((r) => r.calibratedEceBefore),
};
const temperature = c.meta.temperature ?? null;
const seconds = (performance.now() - started) / 1000;
const lines = [
  `${who} (${testItems.length} clips), model ${chosenModel}, normalisation ${config.normalization ?? 'global'}, seed ${seed}, backend ${c.meta.backend}, ${cpus().length} cores (load ${loadavg()[0]!.toFixed(1)})`,
  '',
  `temperature (fitted on validation actors): single clip ${temperature?.single.temperature ?? 'none'}, calibrated ${temperature?.calibrated?.temperature ?? 'none'}`,
  '',
  `${'condition'.padEnd(40)} ${'accuracy'.padStart(8)} ${'UAR'.padStart(7)} ${'calibrated acc.'.padStart(15)} ${'calibrated UAR'.padStart(14)} ${'ECE raw->T'.padStart(13)} ${'cal. ECE raw->T'.padStart(15)}`,
  ...[...rows, summary].map(
    (r) =>
      `${r.condition.padEnd(40)} ${pct(r.accuracy).padStart(8)} ${pct(r.uar).padStart(7)} ${pct(r.calibratedAccuracy).padStart(15)} ${pct(r.calibratedUar).padStart(14)} ${`${pct(r.eceBefore)}->${pct(r.ece)}`.padStart(13)} ${`${pct(r.calibratedEceBefore)}->${pct(r.calibratedEce)}`.padStart(15)}`,
  ),
  '',
  `shifted mean vs clean: ${(100 * (summary.accuracy - rows[0]!.accuracy)).toFixed(1)} points (target: within 8)`,
  ...(curve.length
    ? [
        '',
        'calibration clips per speaker -> accuracy on clean clips (5 random draws each):',
        ...curve.map((p) => `  ${String(p.clips).padStart(2)} clips: ${pct(p.accuracy)} ± ${pct(p.std)}`),
      ]
    : []),
  `total ${formatSeconds(seconds)}`,
];
console.log(lines.join('\n'));
if (json) {
  console.log(
    JSON.stringify({
      model: chosenModel,
      normalization: config.normalization ?? 'global',
      seed,
      actors: values.actors,
      testActors: values['test-actors'],
      temperature,
      rows,
      summary,
      calibrationCurve: curve,
      seconds: Number(seconds.toFixed(1)),
      files: basename(DATA),
    }),
  );
}
