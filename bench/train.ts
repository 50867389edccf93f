/**
 * Training speed: milliseconds per sample per epoch (forward, backward and an Adam update,
 * batch 32, synthetic data: speed does not depend on the values).
 *
 *   npm run bench:train                 table
 *   npm run bench:train -- --json       the table, then one JSON line
 *   options: --samples N (wasm/tensorflow, default 256), --cpu-samples N (default 32),
 *            --repeats R (timed epochs per model, default 2; the best is reported),
 *            --no-presets, --ablation (before/after of each speed change),
 *            --full-run (the default model's whole run on RAVDESS, see HOOK below),
 *            --no-anchor (skip the PyTorch comparison)
 *
 * 1. The reference CNN-LSTM (128 frames x 64 features; conv 64 k5, pool 2, conv 128 k3, pool 4,
 *    LSTM 64) on every backend that loads (cpu on fewer samples: it is ~60x slower), the
 *    wasm/cpu ratio from this run, and where the time goes on the fastest backend.
 * 2. Each preset (and the MLP baseline) on the fastest backend, with the default features
 *    (187 values per frame; the MLP takes their 374 pooled statistics).
 * 3. The recipe's CNN-LSTM and MLP and the reference model against the same architectures in
 *    PyTorch (bench/anchors/train_torch.py, one thread), epochs alternated in this run so both see
 *    the same load; ratios SER / PyTorch on CPU time and wall time (target <= 1.5). Skipped with
 *    the reason when /usr/bin/python3 (or SER_ANCHOR_PYTHON) cannot import torch.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { DEFAULT_FEATURE_CONFIG, frameWidth } from '../src/shared/features.js';
import type { BackendName, ModelConfig } from '../src/shared/training.js';
import { backendInfo, BACKEND_ORDER, initBackend } from '../src/main/model/backend.js';
import { buildModel, modelInput } from '../src/main/model/build.js';
import { opTimings } from '../src/main/model/custom-op.js';
import { SerBatchNorm, SerLSTM } from '../src/main/model/layers.js';
import { installFastWasmSlice } from '../src/main/model/wasm-slice-kernel.js';
import { MLP_BASELINE, MODEL_PRESETS } from '../src/main/model/presets.js';
import { tf, type Tensor } from '../src/main/model/tf.js';
import { FusedAdam } from '../src/main/model/adam.js';
import { RECIPE_MLP_MEMBER } from '../src/main/training/config.js';
import { startAnchor } from './anchors/python.js';
import { benchLog } from './setup.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const num = (flag: string, dflt: number) => {
  const i = args.indexOf(flag);
  const v = i >= 0 ? Number(args[i + 1]) : dflt;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${flag} needs a positive integer`);
  return v;
};
const SAMPLES = num('--samples', 256);
const CPU_SAMPLES = num('--cpu-samples', 32);
const REPEATS = num('--repeats', 2);
const BATCH = 32;
const TARGET_MS = 3;
const log = benchLog(json);

const REFERENCE: ModelConfig = { ...MODEL_PRESETS.seed.model, frames: 128 };
const REF_INPUT = { frames: 128, width: 64 };

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Timing {
  /** Wall clock, what a user waits for. */
  wall: number;
  /** This process's CPU time: robust when other jobs share the cores (wasm runs one thread). */
  cpu: number;
}

interface Trainable {
  apply: (x: Tensor) => Tensor;
  vars: tf.Variable[];
  dispose: () => void;
}

function fromLayersModel(model: tf.LayersModel): Trainable {
  return {
    apply: (x) => model.apply(x, { training: true }) as Tensor,
    vars: model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val),
    dispose: () => model.dispose(),
  };
}

type OptimizerKind = 'fused' | 'stock';

/**
 * A plain training loop over `samples` synthetic samples, one epoch per `epoch()` call, after a
 * warm-up batch (kernels, JIT, operator caches). `optimizer`: the engine's FusedAdam (default)
 * or tfjs's own tf.train.adam (the ablation's before).
 */
function trainingSession(
  make: () => Trainable,
  shape: number[],
  samples: number,
  optimizerKind: OptimizerKind = 'fused',
): { epoch: () => Timing; dispose: () => void } {
  const classes = 6;
  const model = make();
  const optimizer = optimizerKind === 'fused' ? new FusedAdam(1e-3) : tf.train.adam(1e-3);
  const per = shape.reduce((a, b) => a * b, 1);
  const pool = Math.min(samples, 256);
  const data = new Float32Array(per * pool);
  let s = 12345;
  for (let i = 0; i < data.length; i++) data[i] = ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const step = (n: number, offset: number) => {
    const start = (offset % pool) * per;
    const rows = Math.min(n, pool - (offset % pool));
    const loss = tf.tidy(() => {
      const x = tf.tensor(data.subarray(start, start + rows * per), [rows, ...shape]);
      const labels = Array.from({ length: rows }, (_, i) => (offset + i) % classes);
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
      return optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(y, tf.log(model.apply(x))) as tf.Scalar,
        true,
        model.vars,
      )!;
    });
    loss.dataSync();
    loss.dispose();
  };
  step(Math.min(BATCH, samples), 0);
  return {
    epoch: () => {
      const t0 = performance.now();
      const c0 = cpuNow();
      for (let done = 0; done < samples; done += BATCH) step(Math.min(BATCH, samples - done), done);
      return { wall: (performance.now() - t0) / samples, cpu: (cpuNow() - c0) / samples };
    },
    dispose: () => {
      model.dispose();
      optimizer.dispose();
    },
  };
}

const bestOf = (a: Timing, b: Timing): Timing => ({
  wall: Math.min(a.wall, b.wall),
  cpu: Math.min(a.cpu, b.cpu),
});

/** Best-of-`repeats` ms per sample per epoch of a plain training loop over `samples` samples. */
function timeTraining(
  make: () => Trainable,
  shape: number[],
  samples: number,
  repeats: number,
  profile = false,
  optimizerKind: OptimizerKind = 'fused',
): Timing {
  const session = trainingSession(make, shape, samples, optimizerKind);
  if (profile) opTimings(true);
  let best: Timing = { wall: Infinity, cpu: Infinity };
  for (let r = 0; r < repeats; r++) best = bestOf(best, session.epoch());
  session.dispose();
  return best;
}

const shapeOf = (cfg: ModelConfig, input: { frames: number; width: number }) =>
  cfg.kind === 'mlp' ? [input.width] : [input.frames, input.width];

/** A model from buildModel, timed. */
function timeConfig(
  cfg: ModelConfig,
  input: { frames: number; width: number },
  samples: number,
  repeats: number,
): Timing {
  return timeTraining(
    () => fromLayersModel(buildModel(cfg, input, 6, 1)),
    shapeOf(cfg, input),
    samples,
    repeats,
  );
}

interface Row {
  model: string;
  backend: BackendName;
  input: string;
  samples: number;
  msPerSample: number;
  cpuMsPerSample: number;
}
const rows: Row[] = [];

// ---- 1. the reference model on every backend --------------------------------------------
const backends: BackendName[] = [];
const skipped: Record<string, string> = {};
for (const name of BACKEND_ORDER) {
  const got = await initBackend(name);
  if (got !== name) {
    skipped[name] = backendInfo().attempts.find((a) => a.name === name)?.reason ?? 'did not load';
    continue;
  }
  backends.push(name);
  const samples = name === 'cpu' ? CPU_SAMPLES : SAMPLES;
  log(`reference CNN-LSTM on ${name} (${samples} samples)...`);
  const t = timeConfig(REFERENCE, REF_INPUT, samples, name === 'cpu' ? 1 : REPEATS);
  rows.push({
    model: 'reference CNN-LSTM',
    backend: name,
    input: '128 x 64',
    samples,
    msPerSample: t.wall,
    cpuMsPerSample: t.cpu,
  });
}
const fastest = backends[0]!;
const refMs = (b: BackendName) =>
  rows.find((r) => r.model === 'reference CNN-LSTM' && r.backend === b)?.msPerSample;
const wasmMs = refMs('wasm');
const cpuMs = refMs('cpu');

// Where the time goes: the custom ops' own CPU time on the fastest backend (one epoch).
await initBackend(fastest);
const breakdownSamples = Math.min(SAMPLES, 256);
const reference = () => fromLayersModel(buildModel(REFERENCE, REF_INPUT, 6, 1));
const totalMs = timeTraining(reference, [128, 64], breakdownSamples, 1, true).cpu * breakdownSamples;
const timings = opTimings(false);
const batches = Math.ceil(breakdownSamples / BATCH);
const breakdown: Record<string, { forwardMs: number; backwardMs: number }> = {};
for (const [op, t] of timings) {
  const base = op.split('.')[0]!;
  const e = (breakdown[base] ??= { forwardMs: 0, backwardMs: 0 });
  e.forwardMs += t.forwardMs / batches;
  e.backwardMs += t.backwardMs / batches;
}

// ---- 2. presets on the fastest backend ---------------------------------------------------
const width = frameWidth(DEFAULT_FEATURE_CONFIG);
if (!args.includes('--no-presets')) {
  const presets: Array<[string, ModelConfig]> = [
    ...Object.values(MODEL_PRESETS).map((p) => [`preset ${p.name}`, p.model] as [string, ModelConfig]),
    ['MLP baseline', MLP_BASELINE],
  ];
  for (const [name, cfg] of presets) {
    const input = modelInput(cfg, width);
    log(`${name} on ${fastest}...`);
    const samples = cfg.kind === 'mlp' ? 1024 : Math.min(SAMPLES, 128);
    const t = timeConfig(cfg, input, samples, REPEATS);
    const shape = input.pooled ? `${input.width}` : `${input.frames} x ${input.width}`;
    rows.push({
      model: name,
      backend: fastest,
      input: shape,
      samples,
      msPerSample: t.wall,
      cpuMsPerSample: t.cpu,
    });
  }
}

// ---- 2b. the recipe's models against PyTorch, alternately under the same load -----------
// Each repeat times one SER epoch, then one PyTorch epoch of the same architecture (bench/
// anchors/train_torch.py, one thread), so both see the same machine load; the best of each is
// kept. Ratios are SER / PyTorch per sample, on CPU time (robust to load) and on wall time.
interface AnchorRow {
  model: string;
  input: string;
  samples: number;
  ser: Timing;
  torch: Timing;
  loadBefore: number;
  loadAfter: number;
}
const anchorRows: AnchorRow[] = [];
let anchorSkipped: string | null = null;
let torchVersion: string | null = null;
if (!args.includes('--no-anchor')) {
  await initBackend(fastest);
  const anchor = await startAnchor('train_torch.py');
  if (typeof anchor === 'string') {
    anchorSkipped = anchor;
    log(`PyTorch anchor skipped: ${anchor}`);
  } else {
    torchVersion = String(anchor.info.torch);
    const recipeMlp = RECIPE_MLP_MEMBER.model;
    const mlpInput = modelInput(recipeMlp, width);
    const cases: Array<[string, string, ModelConfig, { frames: number; width: number }, number]> = [
      [
        'recipe CNN-LSTM',
        'recipe-cnn-lstm',
        MODEL_PRESETS.best.model,
        modelInput(MODEL_PRESETS.best.model, width),
        128,
      ],
      ['recipe MLP', 'recipe-mlp', recipeMlp, mlpInput, 1024],
      ['reference CNN-LSTM', 'reference', REFERENCE, REF_INPUT, 256],
    ];
    for (const [name, torchName, cfg, input, samples] of cases) {
      log(`${name}: SER on ${fastest} and PyTorch ${torchVersion}, alternately (${samples} samples)...`);
      const loadBefore = loadavg()[0]!;
      const session = trainingSession(
        () => fromLayersModel(buildModel(cfg, input, 6, 1)),
        shapeOf(cfg, input),
        samples,
      );
      let ser: Timing = { wall: Infinity, cpu: Infinity };
      let torch: Timing = { wall: Infinity, cpu: Infinity };
      for (let r = 0; r < REPEATS; r++) {
        ser = bestOf(ser, session.epoch());
        const t = await anchor.ask<{ msPerSample: number; cpuMsPerSample: number }>({
          model: torchName,
          samples,
        });
        torch = bestOf(torch, { wall: t.msPerSample, cpu: t.cpuMsPerSample });
      }
      session.dispose();
      const shape = cfg.kind === 'mlp' ? `${input.width}` : `${input.frames} x ${input.width}`;
      anchorRows.push({
        model: name,
        input: shape,
        samples,
        ser,
        torch,
        loadBefore,
        loadAfter: loadavg()[0]!,
      });
    }
    anchor.close();
  }
}

// ---- 3. --ablation: what each change gave (reference model, wasm) ----------------------
// The portable-op prototype (every gradient from tfjs's autodiff: conv as pad + slices +
// concat + matMul, pooling as reshape + max, tf.layers.lstm) against the engine's layers,
// with the fast Slice kernel and the fused LSTM op switched off one at a time.
function prototype(fastLstm: boolean): Trainable {
  const r = (shape: number[], seed: number) =>
    tf.variable(tf.randomUniform(shape, -0.1, 0.1, 'float32', seed));
  const k1 = r([5 * 64, 64], 1);
  const b1 = tf.variable(tf.zeros([64]));
  const k2 = r([3 * 64, 128], 2);
  const b2 = tf.variable(tf.zeros([128]));
  const lstm = fastLstm
    ? new SerLSTM({ units: 64, seed: 3 })
    : tf.layers.lstm({ units: 64, recurrentActivation: 'sigmoid' });
  const out = tf.layers.dense({ units: 6, activation: 'softmax' });
  const conv = (x: Tensor, w: Tensor, b: Tensor, k: number) => {
    const [n, t, c] = x.shape as [number, number, number];
    const p = (k - 1) / 2;
    const xp = tf.pad(x, [
      [0, 0],
      [p, p],
      [0, 0],
    ]);
    const cols = tf.concat(
      Array.from({ length: k }, (_, j) => tf.slice(xp, [0, j, 0], [n, t, c])),
      2,
    );
    return tf.reshape(tf.add(tf.matMul(tf.reshape(cols, [n * t, k * c]), w), b), [n, t, w.shape[1]!]);
  };
  const pool = (x: Tensor, p: number) => {
    const [n, t, c] = x.shape as [number, number, number];
    return tf.relu(tf.max(tf.reshape(x, [n, t / p, p, c]), 2));
  };
  const apply = (x: Tensor) => {
    let h = tf.dropout(pool(conv(x, k1, b1, 5), 2), 0.3);
    h = tf.dropout(pool(conv(h, k2, b2, 3), 4), 0.3);
    return out.apply(tf.dropout(lstm.apply(h) as Tensor, 0.3)) as Tensor;
  };
  tf.tidy(() => apply(tf.zeros([1, 128, 64]))); // builds the layers' weights
  const layerVars = [...lstm.trainableWeights, ...out.trainableWeights].map(
    (w) => (w as unknown as { val: tf.Variable }).val,
  );
  return {
    apply,
    vars: [k1, b1, k2, b2, ...layerVars],
    dispose: () => tf.dispose([k1, b1, k2, b2, ...layerVars]),
  };
}

/** The engine's model with stock tfjs layers swapped in for the fused LSTM op / batch norm. */
function withStock(cfg: ModelConfig, swap: 'lstm' | 'batchNorm'): Trainable {
  const m = buildModel(cfg, REF_INPUT, 6, 1);
  const seq = tf.sequential();
  for (const layer of m.layers) {
    if (swap === 'lstm' && layer instanceof SerLSTM)
      seq.add(tf.layers.lstm({ units: 64, recurrentActivation: 'sigmoid' }));
    else if (swap === 'batchNorm' && layer instanceof SerBatchNorm)
      seq.add(tf.layers.batchNormalization({ momentum: 0.9 }));
    else seq.add(layer);
  }
  return fromLayersModel(seq);
}
const REFERENCE_BN: ModelConfig = { ...REFERENCE, batchNorm: true };

const ablation: Array<{ variant: string; msPerSample: number; cpuMsPerSample: number }> = [];
if (args.includes('--ablation') && backends.includes('wasm')) {
  await initBackend('wasm');
  const variants: Array<[string, () => Trainable, boolean]> = [
    ['prototype: autodiff ops, tf.layers.lstm, stock Slice', () => prototype(false), false],
    ['prototype + fast Slice kernel', () => prototype(false), true],
    ['prototype + fast Slice + fused LSTM op', () => prototype(true), true],
    [
      'engine layers, stock Slice kernel',
      () => fromLayersModel(buildModel(REFERENCE, REF_INPUT, 6, 1)),
      false,
    ],
    ['engine layers, tf.layers.lstm', () => withStock(REFERENCE, 'lstm'), true],
    ['engine layers (all changes)', () => fromLayersModel(buildModel(REFERENCE, REF_INPUT, 6, 1)), true],
    ['+ batch norm: tf.layers.batchNormalization', () => withStock(REFERENCE_BN, 'batchNorm'), true],
    ['+ batch norm: SerBatchNorm', () => fromLayersModel(buildModel(REFERENCE_BN, REF_INPUT, 6, 1)), true],
  ];
  for (const [variant, make, fastSlice] of variants) {
    log(`ablation: ${variant}...`);
    installFastWasmSlice(fastSlice);
    const t = timeTraining(make, [128, 64], 64, REPEATS);
    ablation.push({ variant, msPerSample: t.wall, cpuMsPerSample: t.cpu });
  }
  installFastWasmSlice(true);
  // The optimizer: tfjs's Adam (about 12 kernels per variable) against FusedAdam.
  const recipeMlp = RECIPE_MLP_MEMBER.model;
  const mlpInput = modelInput(recipeMlp, width);
  for (const kind of ['stock', 'fused'] as const) {
    for (const [name, cfg, input, samples] of [
      ['recipe MLP', recipeMlp, mlpInput, 1024],
      ['recipe CNN-LSTM', MODEL_PRESETS.best.model, modelInput(MODEL_PRESETS.best.model, width), 128],
    ] as const) {
      const variant = `${name}, ${kind === 'stock' ? 'tf.train.adam' : 'FusedAdam'}`;
      log(`ablation: ${variant}...`);
      const make = () => fromLayersModel(buildModel(cfg, input, 6, 1));
      const t = timeTraining(make, shapeOf(cfg, input), samples, REPEATS, false, kind);
      ablation.push({ variant, msPerSample: t.wall, cpuMsPerSample: t.cpu });
    }
  }
}

// ---- HOOK(training): the default model's whole run on RAVDESS ----------------------------
// Seconds and test accuracy of a full `ser train` with the default settings belong to the
// training pipeline. With --full-run this calls `benchDefaultRun()` from
// bench/default-run.ts when that module exists, and records what it returns.
let fullRun: Record<string, unknown> | null = null;
if (args.includes('--full-run')) {
  const mod = './default-run.js';
  try {
    const { benchDefaultRun } = (await import(/* @vite-ignore */ mod)) as {
      benchDefaultRun: () => Promise<Record<string, unknown>>;
    };
    fullRun = await benchDefaultRun();
  } catch (err) {
    log(`--full-run: not available (${(err as Error).message.split('\n')[0]})`);
  }
}

// ---- report ------------------------------------------------------------------------------
const fmt = (ms: number) => (ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
log('');
log('Training speed, ms per sample per epoch (batch 32, Adam; lower is better)');
log(
  `${'model'.padEnd(22)} ${'backend'.padEnd(11)} ${'input'.padEnd(10)} ${'ms/sample'.padStart(10)} ${'cpu ms'.padStart(8)} ${'samples'.padStart(8)}`,
);
for (const r of rows) {
  log(
    `${r.model.padEnd(22)} ${r.backend.padEnd(11)} ${r.input.padEnd(10)} ${fmt(r.msPerSample).padStart(10)} ${fmt(r.cpuMsPerSample).padStart(8)} ${String(r.samples).padStart(8)}`,
  );
}
log(
  "(ms/sample: wall clock; cpu ms: this process's CPU time, the better number when other jobs share the cores)",
);
for (const [b, why] of Object.entries(skipped)) log(`${b}: not measured (${why})`);
if (wasmMs && cpuMs)
  log(`wasm is ${(cpuMs / wasmMs).toFixed(0)}x faster than cpu on the reference model (same run)`);
const refFast = refMs(fastest)!;
log(
  `reference on ${fastest}: ${fmt(refFast)} ms (target ${TARGET_MS} ms); load average ${loadavg()[0]!.toFixed(1)}`,
);
log('');
log(
  `Where the reference model's time goes on ${fastest} (CPU ms per batch of ${BATCH}; rest = loss, Adam, tape, dropout)`,
);
let opsMs = 0;
for (const [op, t] of Object.entries(breakdown)) {
  opsMs += t.forwardMs + t.backwardMs;
  log(
    `  ${op.padEnd(14)} forward ${fmt(t.forwardMs).padStart(6)}   backward ${fmt(t.backwardMs).padStart(6)}`,
  );
}
const batchMs = totalMs / Math.ceil(breakdownSamples / BATCH);
log(
  `  ${'rest'.padEnd(14)} ${fmt(Math.max(0, batchMs - opsMs)).padStart(14)}   (batch total ${fmt(batchMs)})`,
);
if (anchorRows.length > 0) {
  log('');
  log(
    `Against PyTorch ${torchVersion} (1 thread; alternated in this run; ms per sample per epoch, best of ${REPEATS})`,
  );
  log(
    `${'model'.padEnd(20)} ${'input'.padEnd(10)} ${'SER cpu'.padStart(8)} ${'torch cpu'.padStart(9)} ${'ratio'.padStart(6)}   ${'SER wall'.padStart(8)} ${'torch wall'.padStart(10)} ${'ratio'.padStart(6)}  load`,
  );
  for (const a of anchorRows) {
    log(
      `${a.model.padEnd(20)} ${a.input.padEnd(10)} ${fmt(a.ser.cpu).padStart(8)} ${fmt(a.torch.cpu).padStart(9)} ${(a.ser.cpu / a.torch.cpu).toFixed(2).padStart(6)}   ${fmt(a.ser.wall).padStart(8)} ${fmt(a.torch.wall).padStart(10)} ${(a.ser.wall / a.torch.wall).toFixed(2).padStart(6)}  ${a.loadBefore.toFixed(1)}-${a.loadAfter.toFixed(1)}`,
    );
  }
  log('(ratio: SER / PyTorch, lower is better; target <= 1.5)');
} else if (anchorSkipped) log(`PyTorch anchor: skipped (${anchorSkipped})`);
if (ablation.length > 0) {
  log('');
  log('What each change gave (reference model on wasm, ms per sample per epoch, wall / cpu)');
  for (const a of ablation)
    log(`  ${a.variant.padEnd(54)} ${fmt(a.msPerSample).padStart(7)} ${fmt(a.cpuMsPerSample).padStart(7)}`);
}
if (fullRun) log(`default model, whole run: ${JSON.stringify(fullRun)}`);

if (json) {
  const out = {
    bench: 'train',
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    backend: backendInfo().summary,
    tfjs: tf.version.tfjs,
    batchSize: BATCH,
    reference: {
      model: 'conv 64 k5, pool 2, conv 128 k3, pool 4, LSTM 64; 128 x 64 input',
      msPerSample: Object.fromEntries(
        rows.filter((r) => r.model === 'reference CNN-LSTM').map((r) => [r.backend, r.msPerSample]),
      ),
      cpuMsPerSample: Object.fromEntries(
        rows.filter((r) => r.model === 'reference CNN-LSTM').map((r) => [r.backend, r.cpuMsPerSample]),
      ),
      wasmSpeedupOverCpu: wasmMs && cpuMs ? cpuMs / wasmMs : null,
      targetMs: TARGET_MS,
      breakdownMsPerBatch: breakdown,
    },
    presets: Object.fromEntries(
      rows
        .filter((r) => r.model !== 'reference CNN-LSTM')
        .map((r) => [
          r.model,
          {
            backend: r.backend,
            input: r.input,
            msPerSample: r.msPerSample,
            cpuMsPerSample: r.cpuMsPerSample,
          },
        ]),
    ),
    loadAverage: loadavg()[0],
    skipped,
    ablation,
    anchor: {
      torch: torchVersion,
      skipped: anchorSkipped,
      rows: anchorRows.map((a) => ({
        ...a,
        cpuRatio: a.ser.cpu / a.torch.cpu,
        wallRatio: a.ser.wall / a.torch.wall,
      })),
    },
    fullRun,
  };
  console.log(JSON.stringify(out));
}
