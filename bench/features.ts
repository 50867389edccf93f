/**
 * Feature extraction speed over all RAVDESS clips in ../shared/data/ravdess-16k, default
 * FeatureConfig (16 kHz, n_fft 2048, hop 512: MFCC + chroma + spectral contrast + log-mel).
 * Target: at most 8 ms per clip per core excluding decode (librosa 0.10.1: about 10 ms).
 *
 *   npm run bench:features               table
 *   npm run bench:features -- --json     the table, then one JSON line
 *   npm run bench:features -- --meyda    also time meyda and compare it with librosa's reference
 *   npm run bench:features -- --no-anchor  skip the numpy/scipy anchor (bench/anchors/infer_torch.py)
 *
 * Single core: decode and extract each clip in this thread. Pool: extractMany with 1 and 2
 * workers, no cache (wall clock, worker start-up included, and after the first result), then
 * with a cache, cold and warm.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig } from '../src/shared/features.js';
import { decodeFile } from '../src/main/audio/decode.js';
import { createProgress } from '../src/main/cli/progress.js';
import { extractFeatures } from '../src/main/features/extract.js';
import { extractMany, isExtractError } from '../src/main/features/worker-pool.js';
import { startAnchor } from './anchors/python.js';
import { DATA, ROOT, ravdessFiles, skipWithoutData } from './setup.js';

const REFERENCE = resolve(ROOT, '..', 'shared', 'reference', 'librosa-features.json');
const TARGET_MS = 8;
const json = process.argv.includes('--json');
const withMeyda = process.argv.includes('--meyda');
const cfg: FeatureConfig = DEFAULT_FEATURE_CONFIG;

skipWithoutData('features');

const files = ravdessFiles();
const progress = createProgress({ quiet: json && !process.stderr.isTTY });

const cpuMs = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) => (b.user - a.user + b.system - a.system) / 1000;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

// ---- single core ---------------------------------------------------------------------------
// Warm the JIT on a few clips first, as any real run is past its first clips within a second.
for (const f of files.slice(0, 40))
  extractFeatures((await decodeFile(f, { targetRate: cfg.sampleRate })).samples, cfg);
const decodeMs: number[] = [];
const extractMs: number[] = [];
let decodeCpu = 0;
let extractCpu = 0;
let frames = 0;
let seconds = 0;
const loadBefore = loadavg()[0]!;
progress.start('single core', files.length);
for (const [i, f] of files.entries()) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const audio = await decodeFile(f, { targetRate: cfg.sampleRate });
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const m = extractFeatures(audio.samples, cfg);
  const t2 = performance.now();
  const c2 = process.cpuUsage();
  decodeCpu += cpuMs(c0, c1);
  extractCpu += cpuMs(c1, c2);
  decodeMs.push(t1 - t0);
  extractMs.push(t2 - t1);
  frames += m.frames;
  seconds += audio.duration;
  if (i % 20 === 0) progress.update(i + 1);
}
progress.update(files.length);
progress.stop();
const single = {
  decodeMs: mean(decodeMs),
  extractMs: mean(extractMs),
  extractMedianMs: quantile(extractMs, 0.5),
  extractP95Ms: quantile(extractMs, 0.95),
  totalMs: mean(decodeMs) + mean(extractMs),
  // CPU time (this process): what a clip costs a core, whatever else the machine is doing.
  decodeCpuMs: decodeCpu / files.length,
  extractCpuMs: extractCpu / files.length,
  framesPerClip: frames / files.length,
  secondsPerClip: seconds / files.length,
};

// ---- pool ----------------------------------------------------------------------------------
async function poolRun(label: string, workers: number, cacheDir: string | null) {
  progress.start(label, files.length);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let first = 0;
  let cached = 0;
  const results = await extractMany(files, cfg, {
    workers,
    cacheDir,
    onProgress: (done, _total, file) => {
      if (done === 1) first = performance.now() - t0;
      if (file.cached) cached++;
      if (done % 20 === 0 || done === files.length) progress.update(done);
    },
  });
  const wallMs = performance.now() - t0;
  // process.cpuUsage covers every thread: the workers, their start-up and the main thread.
  const cpuMsPerClip = cpuMs(c0, process.cpuUsage()) / files.length;
  progress.stop();
  const errors = results.filter(isExtractError).length;
  const clipsPerSec = (files.length / wallMs) * 1000;
  // After the first result: the steady rate, without worker start-up (tsx + module load).
  const steadyPerSec = ((files.length - 1) / (wallMs - first)) * 1000;
  return {
    workers,
    wallMs,
    startupMs: first,
    clipsPerSec,
    clipsPerSecPerCore: clipsPerSec / workers,
    steadyClipsPerSec: steadyPerSec,
    cpuMsPerClip,
    errors,
    cached,
  };
}

const pool1 = await poolRun('pool, 1 worker', 1, null);
const pool2 = await poolRun('pool, 2 workers', 2, null);
const cacheDir = mkdtempSync(join(tmpdir(), 'ser-bench-features-'));
let cacheCold;
let cacheWarm;
try {
  cacheCold = await poolRun('cache, cold', 2, cacheDir);
  cacheWarm = await poolRun('cache, warm', 2, cacheDir);
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
const scaling = pool2.clipsPerSec / (2 * pool1.clipsPerSec);
const steadyScaling = pool2.steadyClipsPerSec / (2 * pool1.steadyClipsPerSec);
// CPU spent per clip with one worker over that with two: 100 % means the second worker adds no
// overhead, so on idle cores the pool scales linearly. Unlike the wall-clock ratio, it holds up
// while other jobs share the machine.
const cpuScaling = pool1.cpuMsPerClip / pool2.cpuMsPerClip;

const meyda = withMeyda ? await meydaComparison() : null;

// ---- anchor: numpy/scipy features from one shared STFT (bench/anchors/infer_torch.py) -----------
// librosa is not installed here. The anchor computes the same four features the way a Python
// pipeline sharing one STFT would (what librosa called feature by feature, one STFT each, does
// about 4x slower: issue 15). Clip by clip alternately with ours, CPU time of the feature pass.
async function anchorComparison() {
  const anchor = await startAnchor('infer_torch.py');
  if (typeof anchor === 'string') return { skipped: anchor };
  try {
    const subset = files.filter((_, i) => i % 6 === 0); // 200 clips across every actor
    for (const f of subset.slice(0, 5)) await anchor.ask({ path: f, only: 'features' });
    const ours: number[] = [];
    const theirs: number[] = [];
    for (const f of subset) {
      const audio = await decodeFile(f, { targetRate: cfg.sampleRate });
      const c0 = process.cpuUsage();
      extractFeatures(audio.samples, cfg);
      ours.push(cpuMs(c0, process.cpuUsage()));
      theirs.push((await anchor.ask<{ featuresCpuMs: number }>({ path: f, only: 'features' })).featuresCpuMs);
    }
    return {
      clips: subset.length,
      oursCpuMs: mean(ours),
      anchorCpuMs: mean(theirs),
      ratio: mean(ours) / mean(theirs),
      medianRatio: quantile(ours, 0.5) / quantile(theirs, 0.5),
      anchor: anchor.info,
    };
  } finally {
    anchor.close();
  }
}
const anchorResult = process.argv.includes('--no-anchor')
  ? { skipped: '--no-anchor' }
  : await anchorComparison();

const result = {
  bench: 'features',
  date: new Date().toISOString(),
  machine: {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    // 1-minute load average before and after: other work on the machine slows the wall clock.
    load: [Number(loadBefore.toFixed(2)), Number(loadavg()[0]!.toFixed(2))],
  },
  config: cfg,
  clips: files.length,
  single,
  pool: [pool1, pool2],
  scaling,
  steadyScaling,
  cpuScaling,
  cache: { cold: cacheCold, warm: cacheWarm },
  meyda,
  anchor: anchorResult,
  targetMs: TARGET_MS,
  pass: single.extractCpuMs <= TARGET_MS,
};

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const rows: [string, string][] = [
  ['clips', `${files.length} (${f1(single.secondsPerClip)} s, ${f1(single.framesPerClip)} frames each)`],
  ['single core: decode', `${f2(single.decodeMs)} ms/clip wall, ${f2(single.decodeCpuMs)} ms CPU`],
  [
    'single core: extract',
    `${f2(single.extractMs)} ms/clip wall (median ${f2(single.extractMedianMs)}, p95 ${f2(single.extractP95Ms)}), ` +
      `${f2(single.extractCpuMs)} ms CPU; target <= ${TARGET_MS}`,
  ],
  [
    'single core: total',
    `${f2(single.totalMs)} ms/clip wall = ${f1(1000 / single.totalMs)} clips/s; ` +
      `${f2(single.decodeCpuMs + single.extractCpuMs)} ms CPU`,
  ],
  ...[pool1, pool2].map((p): [string, string] => [
    `pool, ${p.workers} worker${p.workers > 1 ? 's' : ''}`,
    `${f1(p.clipsPerSec)} clips/s (${f1(p.clipsPerSecPerCore)}/core; ${f1(p.steadyClipsPerSec)} after start-up of ${Math.round(p.startupMs)} ms); ${f2(p.cpuMsPerClip)} ms CPU/clip`,
  ]),
  [
    'scaling 1 -> 2',
    `${(scaling * 100).toFixed(0)}% wall (${(steadyScaling * 100).toFixed(0)}% after start-up); ` +
      `CPU per clip 1 vs 2 workers ${(cpuScaling * 100).toFixed(0)}%`,
  ],
  ['cache cold, 2 workers', `${f1(cacheCold.clipsPerSec)} clips/s (${cacheCold.cached} hits)`],
  ['cache warm, 2 workers', `${f1(cacheWarm.clipsPerSec)} clips/s (${cacheWarm.cached} hits)`],
];
if (meyda) {
  rows.push([
    'meyda mfcc+chroma+mel',
    `${f1(meyda.msPerClip.spectral)} ms/clip (this engine, default set: ${f2(meyda.oursMsPerClip.default)})`,
  ]);
  rows.push([
    'meyda rms+zcr+centroid',
    `${f1(meyda.msPerClip.timeDomain)} ms/clip (this engine: ${f2(meyda.oursMsPerClip.timeDomain)} alone)`,
  ]);
  rows.push([
    'meyda vs librosa (min r)',
    Object.entries(meyda.minR)
      .map(([k, r]) => `${k} ${r.toFixed(3)}`)
      .join(', '),
  ]);
}
rows.push([
  'numpy/scipy one-STFT anchor',
  'skipped' in anchorResult
    ? `skipped (${anchorResult.skipped})`
    : `ours ${f2(anchorResult.oursCpuMs)} vs ${f2(anchorResult.anchorCpuMs)} ms CPU/clip over ${anchorResult.clips} clips, alternated: ratio ${f2(anchorResult.ratio)} (median ${f2(anchorResult.medianRatio)})`,
]);
const w = Math.max(...rows.map(([k]) => k.length));
console.log(
  `features benchmark (${result.machine.cpu}, ${result.machine.cores} cores, ${result.machine.memGiB} GiB, ` +
    `Node ${process.version}, load ${result.machine.load.join(' -> ')})`,
);
for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
console.log(`  ${result.pass ? 'target met' : 'TARGET MISSED'}; ${pool1.errors + pool2.errors} errors`);
if (json) console.log(JSON.stringify(result));

/**
 * meyda 5.6.3 frame by frame on the six reference clips, framed as librosa frames them: its
 * speed, and how its nearest equivalents correlate with librosa's numbers.
 */
interface MeydaFrame {
  mfcc: number[];
  melBands: number[];
  chroma: number[];
  rms: number;
  zcr: number;
  spectralCentroid: number;
}

async function meydaComparison() {
  const Meyda = (await import('meyda')).default as unknown as {
    bufferSize: number;
    sampleRate: number;
    melBands: number;
    chromaBands: number;
    numberOfMFCCCoefficients: number;
    extract: (features: string[], frame: Float32Array) => MeydaFrame;
  };
  const ref = JSON.parse(readFileSync(REFERENCE, 'utf8')) as {
    clips: (Record<string, number[][]> & { file: string; n_frames: number })[];
  };
  const { nFft: n, hopLength: hop, sampleRate: sr } = cfg;
  Object.assign(Meyda, {
    bufferSize: n,
    sampleRate: sr,
    melBands: 128,
    chromaBands: 12,
    numberOfMFCCCoefficients: 40,
  });
  const clips = await Promise.all(
    ref.clips.map(async (c) => ({ c, y: (await decodeFile(join(DATA, c.file))).samples })),
  );
  const framesOf = (y: Float32Array, count: number) =>
    Array.from({ length: count }, (_, t) => {
      const f = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const k = t * hop - n / 2 + i;
        if (k >= 0 && k < y.length) f[i] = y[k]!;
      }
      return f;
    });
  const time = (features: string[]) => {
    const t0 = performance.now();
    for (const { c, y } of clips) for (const f of framesOf(y, c.n_frames)) Meyda.extract(features, f);
    return (performance.now() - t0) / clips.length;
  };
  time(['mfcc', 'chroma', 'melBands', 'rms', 'zcr', 'spectralCentroid']);
  const msPerClip = {
    spectral: time(['mfcc', 'chroma', 'melBands']),
    timeDomain: time(['rms', 'zcr', 'spectralCentroid']),
  };
  // This engine on the same clips, warm: the three simple features alone, and the default set.
  const ours = (features: FeatureConfig['features']) => {
    const c = { ...cfg, features };
    for (const { y } of clips) extractFeatures(y, c);
    const t0 = performance.now();
    for (let r = 0; r < 20; r++) for (const { y } of clips) extractFeatures(y, c);
    return (performance.now() - t0) / clips.length / 20;
  };
  const oursMsPerClip = { default: ours(cfg.features), timeDomain: ours(['rms', 'zcr', 'centroid']) };
  const minR: Record<string, number> = {};
  for (const { c, y } of clips) {
    const got: Record<string, number[][]> = {
      mfcc: [],
      log_mel: [],
      chroma: [],
      rms: [],
      zcr: [],
      spectral_centroid: [],
    };
    for (const f of framesOf(y, c.n_frames)) {
      const o = Meyda.extract(['mfcc', 'melBands', 'chroma', 'rms', 'zcr', 'spectralCentroid'], f);
      got.mfcc!.push(Array.from(o.mfcc));
      got.log_mel!.push(Array.from(o.melBands));
      got.chroma!.push(Array.from(o.chroma));
      // meyda counts crossings and gives the centroid in bins; scale to librosa's units.
      got.rms!.push([o.rms]);
      got.zcr!.push([o.zcr / n]);
      got.spectral_centroid!.push([(o.spectralCentroid * sr) / n]);
    }
    for (const [key, byFrame] of Object.entries(got)) {
      const theirs = c[key]!;
      const a: number[] = [];
      const b: number[] = [];
      theirs.forEach((row, r) => row.forEach((v, t) => (a.push(byFrame[t]![r]!), b.push(v))));
      minR[key] = Math.min(minR[key] ?? 1, pearson(a, b));
    }
  }
  return { msPerClip, oursMsPerClip, minR };
}

function pearson(a: number[], b: number[]): number {
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}
