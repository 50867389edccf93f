/**
 * Inference latency end to end: decode a WAV file, check it holds speech, extract the model's
 * features (level normalisation included when the model's FeatureConfig asks), normalise,
 * predict (windows averaged for clips longer than the model's input), for RAVDESS clips of
 * about 4 seconds, one at a time as `ser infer` and the app do. Target: under 50 ms per clip.
 * The steps are also timed apart (decode, speech check, features, predict), so their sum
 * accounts for the end-to-end time.
 *
 *   npm run bench:infer                  table
 *   npm run bench:infer -- --json        the table, then one JSON line
 *   options: --model DIR (default: the bundled model), --clips N (default 60), --no-anchor
 *
 * Anchor: bench/anchors/infer_torch.py (numpy/scipy features from one shared STFT + the same
 * members as the benchmarked model in PyTorch, one thread, and its level normalisation when the
 * model has one), run clip by clip alternately with ours when /usr/bin/python3 has torch; librosa
 * is not installed here, so it stands in for librosa + PyTorch. It has no speech check.
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeFile } from '../src/main/audio/decode.js';
import { assertSpeech } from '../src/main/audio/speech.js';
import { extractFeatures } from '../src/main/features/extract.js';
import { backendInfo } from '../src/main/model/backend.js';
import { startAnchor } from './anchors/python.js';
import {
  classify,
  classifyMatrices,
  defaultModelDir,
  loadClassifier,
} from '../src/main/inference/predict.js';
import { benchLog, ravdessFiles, skipWithoutData } from './setup.js';

const TARGET_MS = 50;
const { values } = parseArgs({
  options: {
    json: { type: 'boolean' },
    model: { type: 'string' },
    clips: { type: 'string', default: '60' },
    'no-anchor': { type: 'boolean' },
  },
});
const json = values.json ?? false;
const log = benchLog(json);
skipWithoutData('infer');
const modelDir = values.model ? resolve(values.model) : defaultModelDir();
if (!existsSync(modelDir)) {
  console.log(
    `bench:infer skipped: no model at ${modelDir} (scripts/train-default-model.ts makes the bundled one)`,
  );
  process.exit(0);
}

// Clips of 3.8-4.2 s from every actor, so "a clip" means about 4 seconds of speech.
const all = ravdessFiles();
const picked: { path: string; seconds: number }[] = [];
for (const p of all) {
  if (picked.length >= Number(values.clips)) break;
  const a = await decodeFile(p);
  if (a.duration >= 3.8 && a.duration <= 4.2) picked.push({ path: p, seconds: a.duration });
}

const c = await loadClassifier(modelDir);
const sr = c.meta.featureConfig.sampleRate;
// Warm up the JIT and the backend's kernels (the app classifies many files per session).
for (const p of picked.slice(0, 5)) await classify(c, p.path);

// The anchor (bench/anchors/infer_torch.py: numpy/scipy features from one STFT + PyTorch predict;
// librosa is not installed here), clip by clip alternately with ours, so both see the same load.
const anchor = values['no-anchor'] ? 'skipped (--no-anchor)' : await startAnchor('infer_torch.py');
if (typeof anchor === 'string') log(`anchor skipped: ${anchor}`);
interface AnchorTiming {
  decodeMs: number;
  featuresMs: number;
  predictMs: number;
  totalMs: number;
  cpuMs: number;
}
const anchorTimes: AnchorTiming[] = [];
// The anchor predicts with the benchmarked model's members and applies its level normalisation.
const anchorRequest = (path: string) => ({
  path,
  members: c.members.map((m) => m.meta.modelConfig.kind),
  levelDbfs: c.meta.featureConfig.levelDbfs ?? null,
});
if (typeof anchor !== 'string') for (const p of picked.slice(0, 5)) await anchor.ask(anchorRequest(p.path));

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const total: number[] = [];
const totalCpu: number[] = [];
const decode: number[] = [];
const speech: number[] = [];
const features: number[] = [];
const predict: number[] = [];
for (const p of picked) {
  const c0 = cpuNow();
  const t0 = performance.now();
  await classify(c, p.path);
  total.push(performance.now() - t0);
  totalCpu.push(cpuNow() - c0);
  if (typeof anchor !== 'string') anchorTimes.push(await anchor.ask<AnchorTiming>(anchorRequest(p.path)));
  // The same steps timed apart.
  const t1 = performance.now();
  const { samples } = await decodeFile(p.path, { targetRate: sr });
  const t2 = performance.now();
  assertSpeech(samples, sr, p.path);
  const ts = performance.now();
  const m = extractFeatures(samples, c.meta.featureConfig);
  const t3 = performance.now();
  await classifyMatrices(c, [m]);
  const t4 = performance.now();
  decode.push(t2 - t1);
  speech.push(ts - t2);
  features.push(t3 - ts);
  predict.push(t4 - t3);
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(0.95 * (xs.length - 1))] ?? NaN;
const seconds = mean(picked.map((p) => p.seconds));

if (typeof anchor !== 'string') anchor.close();
const info = backendInfo();
log(
  `model ${modelDir} (${c.members.map((m) => `${m.meta.modelConfig.kind} ${m.meta.input.pooled ? m.meta.input.width : `${m.meta.input.frames} frames x ${m.meta.input.width}`}`).join(' + ')}), backend ${info.summary}`,
);
log(
  `${picked.length} clips of ${seconds.toFixed(2)} s on average; ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}`,
);
log('');
log(`${'step'.padEnd(10)} ${'mean ms'.padStart(8)} ${'median'.padStart(8)} ${'p95'.padStart(8)}`);
for (const [name, xs] of [
  ['decode', decode],
  ['speech', speech],
  ['features', features],
  ['predict', predict],
  ['total', total],
] as const) {
  log(
    `${name.padEnd(10)} ${mean(xs).toFixed(1).padStart(8)} ${median(xs).toFixed(1).padStart(8)} ${p95(xs).toFixed(1).padStart(8)}`,
  );
}
log(
  `${'total CPU'.padEnd(10)} ${mean(totalCpu).toFixed(1).padStart(8)} ${median(totalCpu).toFixed(1).padStart(8)}`,
);
const anchorRow =
  anchorTimes.length > 0
    ? {
        decodeMs: mean(anchorTimes.map((a) => a.decodeMs)),
        featuresMs: mean(anchorTimes.map((a) => a.featuresMs)),
        predictMs: mean(anchorTimes.map((a) => a.predictMs)),
        totalMs: mean(anchorTimes.map((a) => a.totalMs)),
        cpuMs: mean(anchorTimes.map((a) => a.cpuMs)),
        medianCpuMs: median(anchorTimes.map((a) => a.cpuMs)),
      }
    : null;
if (anchorRow) {
  log('');
  log(
    `anchor (numpy/scipy features from one STFT + PyTorch predict of the same members (${anchorRequest('').members.join(' + ')}), 1 thread; librosa not installed; no speech check), alternated clip by clip:`,
  );
  log(
    `  decode ${anchorRow.decodeMs.toFixed(1)}, features ${anchorRow.featuresMs.toFixed(1)}, predict ${anchorRow.predictMs.toFixed(1)}, total ${anchorRow.totalMs.toFixed(1)} ms wall; CPU ${anchorRow.cpuMs.toFixed(1)} ms (median ${anchorRow.medianCpuMs.toFixed(1)})`,
  );
  log(
    `  SER / anchor: CPU ${(mean(totalCpu) / anchorRow.cpuMs).toFixed(2)} (median ${(median(totalCpu) / anchorRow.medianCpuMs).toFixed(2)}), wall ${(mean(total) / anchorRow.totalMs).toFixed(2)} (target <= 1)`,
  );
}
log('');
log(
  `end to end: ${mean(total).toFixed(1)} ms per ~4 s clip (target < ${TARGET_MS} ms): ${mean(total) < TARGET_MS ? 'met' : 'NOT met'}`,
);
if (json) {
  console.log(
    JSON.stringify({
      model: modelDir,
      backend: info.name,
      clips: picked.length,
      clipSeconds: Number(seconds.toFixed(3)),
      msPerClip: Number(mean(total).toFixed(2)),
      cpuMsPerClip: Number(mean(totalCpu).toFixed(2)),
      anchor: anchorRow ?? (typeof anchor === 'string' ? { skipped: anchor } : null),
      load: loadavg()[0],
      medianMs: Number(median(total).toFixed(2)),
      p95Ms: Number(p95(total).toFixed(2)),
      decodeMs: Number(mean(decode).toFixed(2)),
      speechCheckMs: Number(mean(speech).toFixed(2)),
      featuresMs: Number(mean(features).toFixed(2)),
      predictMs: Number(mean(predict).toFixed(2)),
      targetMs: TARGET_MS,
    }),
  );
}
