/**
 * Data-parallel training speed (src/main/training/data-parallel.ts): the recipe MLP (or the
 * recipe CNN-LSTM) trained by the real training loop on one thread and on R replicas, alternated
 * in this process so both see the same load. Synthetic examples (speed does not depend on the
 * values); no validation set.
 *
 *   nice -n 10 node bin/run-ts.mjs bench/data-parallel.ts [--model mlp|cnn-lstm] [--replicas 2]
 *                                  [--examples N] [--epochs E] [--rounds R] [--json]
 *
 * Per fit, the first epoch is left out (the replica worker starts, kernels warm up); the table
 * gives the median over the remaining epochs of every round: ms per optimizer step and per epoch
 * (wall), and the process's CPU per epoch (all its threads) as a share of one core. A third
 * setting trains one thread at a replica's share of the batch (16 of 32): a replica's step with
 * a free exchange, the bound on what data-parallelism can give.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { DEFAULT_FEATURE_CONFIG, frameWidth } from '../src/shared/features.js';
import type { ModelConfig } from '../src/shared/training.js';
import { initBackend } from '../src/main/model/backend.js';
import { buildModel, modelInput } from '../src/main/model/build.js';
import { MODEL_PRESETS } from '../src/main/model/presets.js';
import { RECIPE_MLP_MEMBER } from '../src/main/training/config.js';
import { fitDataParallel } from '../src/main/training/data-parallel.js';
import { fitModel, type FitOptions } from '../src/main/training/loop.js';
import { sharedExampleSet, type SharedExamples } from '../src/main/training/shared-examples.js';
import { ROOT, benchLog } from './setup.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const num = (name: string, dflt: number) => {
  const v = Number(flag(name) ?? dflt);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} needs a positive integer`);
  return v;
};
const kind = flag('--model') ?? 'mlp';
if (kind !== 'mlp' && kind !== 'cnn-lstm') throw new Error('--model takes mlp or cnn-lstm');
const REPLICAS = num('--replicas', 2);
// The default run trains ~2,000 examples (672 clips and 2 copies each); the CNN-LSTM fewer here.
const EXAMPLES = num('--examples', kind === 'mlp' ? 2016 : 256);
const EPOCHS = num('--epochs', kind === 'mlp' ? 6 : 3);
const ROUNDS = num('--rounds', 3);
const log = benchLog(json);

const backend = await initBackend('wasm');
const model: ModelConfig = kind === 'mlp' ? RECIPE_MLP_MEMBER.model : MODEL_PRESETS.best.model;
const optimizer = kind === 'mlp' ? RECIPE_MLP_MEMBER.optimizer : MODEL_PRESETS.best.optimizer;
const input = modelInput(model, frameWidth(DEFAULT_FEATURE_CONFIG));
const classes = 6;
const shape = input.pooled ? [input.width] : [input.frames, input.width];
const per = shape.reduce((a, b) => a * b, 1);

function examples(): SharedExamples {
  const values = new Float32Array(new SharedArrayBuffer(EXAMPLES * per * 4));
  let s = 12345;
  for (let i = 0; i < values.length; i++)
    values[i] = ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const labels = Int32Array.from({ length: EXAMPLES }, (_, i) => i % classes);
  return input.pooled
    ? { kind: 'vectors', values, labels, width: input.width }
    : {
        kind: 'sequences',
        values,
        spots: Array.from({ length: EXAMPLES }, (_, i) => [i * per, input.frames] as [number, number]),
        labels,
        frames: input.frames,
        width: input.width,
        randomCrop: true,
        mask: null,
      };
}

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Epoch {
  wallMs: number;
  cpuMs: number;
}

/** Where the leader's wall time went in the exchange, over every data-parallel fit. */
const exchangeMs = { copy: 0, wait: 0, reduce: 0, steps: 0 };

/**
 * One fit of EPOCHS epochs with `replicas` replicas (batch: the recipe's, or `batchSize`); the
 * epochs after the first.
 */
async function fit(
  shared: SharedExamples,
  replicas: number,
  seed: number,
  batchSize = optimizer.batchSize,
): Promise<Epoch[]> {
  const m = buildModel(model, input, classes, seed);
  const epochs: Epoch[] = [];
  let t = performance.now();
  let c = cpuNow();
  const opts: FitOptions = {
    epochs: EPOCHS,
    batchSize,
    learningRate: optimizer.learningRate,
    schedule: optimizer.schedule ?? 'constant',
    patience: EPOCHS,
    classWeights: null,
    seed,
    onEpoch: () => {
      const [t1, c1] = [performance.now(), cpuNow()];
      epochs.push({ wallMs: t1 - t, cpuMs: c1 - c });
      [t, c] = [t1, c1];
    },
  };
  if (replicas === 1) await fitModel(m, sharedExampleSet(shared), null, opts);
  else {
    const r = await fitDataParallel(m, shared, null, opts, { config: model, input, classes, seed }, replicas);
    exchangeMs.copy += r.exchangeMs!.copy;
    exchangeMs.wait += r.exchangeMs!.wait;
    exchangeMs.reduce += r.exchangeMs!.reduce;
    exchangeMs.steps += EPOCHS * Math.ceil(EXAMPLES / optimizer.batchSize);
  }
  m.dispose();
  return epochs.slice(1);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
} catch {
  // not a git checkout
}
const started = new Date().toISOString();
const loadBefore = loadavg()[0]!;
const shared = examples();
const steps = Math.ceil(EXAMPLES / optimizer.batchSize);
// Three settings: one thread; R replicas; and one thread at the batch a replica trains (what a
// replica's step would cost with a free exchange: the bound on what data-parallelism can give).
const part = Math.floor(optimizer.batchSize / REPLICAS);
const settings = [
  { name: '1 thread', replicas: 1, batch: optimizer.batchSize },
  { name: `${REPLICAS} replicas`, replicas: REPLICAS, batch: optimizer.batchSize },
  { name: `1 thread, batch ${part}`, replicas: 1, batch: part },
];
const runs = settings.map(() => [] as Epoch[]);
for (let r = 0; r < ROUNDS; r++) {
  for (const [i, s] of settings.entries()) {
    log(`round ${r + 1}/${ROUNDS}: ${s.name}...`);
    runs[i]!.push(...(await fit(shared, s.replicas, 1 + r, s.batch)));
  }
}
const loadAfter = loadavg()[0]!;
const rows = settings.map((s, i) => {
  const e = runs[i]!;
  const wall = median(e.map((x) => x.wallMs));
  const stepsOf = Math.ceil(EXAMPLES / s.batch);
  return {
    setting: s.name,
    replicas: s.replicas,
    batchSize: s.batch,
    msPerStep: wall / stepsOf,
    msPerEpoch: wall,
    cpuPercent: (100 * median(e.map((x) => x.cpuMs))) / wall,
    epochs: e.length,
  };
});
const speedup = rows[0]!.msPerEpoch / rows[1]!.msPerEpoch;
log('');
log(
  `${kind === 'mlp' ? 'recipe MLP' : 'recipe CNN-LSTM'} on ${backend}: ${EXAMPLES} examples, batch ${optimizer.batchSize} (${steps} steps an epoch), ${EPOCHS - 1} epochs x ${ROUNDS} rounds a setting, alternated (ms/step: wall)`,
);
log(`${'setting'.padEnd(20)} ${'ms/step'.padStart(8)} ${'ms/epoch'.padStart(9)} ${'CPU %'.padStart(6)}`);
for (const r of rows) {
  log(
    `${r.setting.padEnd(20)} ${r.msPerStep.toFixed(2).padStart(8)} ${r.msPerEpoch.toFixed(0).padStart(9)} ${r.cpuPercent.toFixed(0).padStart(6)}`,
  );
}
const perStep = (ms: number) => (ms / exchangeMs.steps).toFixed(2);
log(
  `leader's exchange per step (all epochs): copy ${perStep(exchangeMs.copy)} ms, wait ${perStep(exchangeMs.wait)} ms, sum ${perStep(exchangeMs.reduce)} ms`,
);
log(
  `speed-up ${speedup.toFixed(2)}x; commit ${commit}; ${started}; load ${loadBefore.toFixed(1)} -> ${loadAfter.toFixed(1)}`,
);
if (json) {
  console.log(
    JSON.stringify({
      bench: 'data-parallel',
      model: kind,
      commit,
      started,
      loadBefore,
      loadAfter,
      examples: EXAMPLES,
      batchSize: optimizer.batchSize,
      stepsPerEpoch: steps,
      rows,
      speedup,
      exchangeMsPerStep: {
        copy: exchangeMs.copy / exchangeMs.steps,
        wait: exchangeMs.wait / exchangeMs.steps,
        reduce: exchangeMs.reduce / exchangeMs.steps,
      },
    }),
  );
}
