/**
 * Live mode and the dataset map, measured in the real app in Chromium (the web host with the
 * real engine, as the browser tests run it):
 *
 * - live: Chromium's fake microphone plays RAVDESS speech (clips of actors 1-4 back to back, made
 *   here); live mode runs for --seconds; the page reports predictions per second (last 10 s) and
 *   the time from the newest audio reaching the page to its prediction on screen (median, p95,
 *   worst). Targets: >= 2 predictions a second, median < 150 ms.
 * - map: the wizard scans ravdess-16k (1,200 clips), measures every clip (features through the
 *   worker pool, cache cold, then a second scan with the cache warm) and draws the map; the page
 *   reports the time from the features in hand to the PCA map drawn (target < 2 s) and to the UMAP
 *   layout drawn.
 *
 *   npm run bench:live                    table
 *   npm run bench:live -- --json          the table, then one JSON line
 *   options: --seconds N (live mode, default 20), --skip-map
 */
import { execSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeBuffer, decodeFile } from '../src/main/audio/decode.js';
import { classify, loadClassifier } from '../src/main/inference/predict.js';
import { LIVE_WINDOW_SECONDS } from '../src/shared/live.js';
import { encodeWav } from '../src/shared/wav-encode.js';
import { fakeMicrophone, startApp, WEB_DIR } from '../tests/e2e/harness.js';
import { benchLog, DATA, ROOT, skipWithoutData } from './setup.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean' },
    seconds: { type: 'string', default: '20' },
    'skip-map': { type: 'boolean' },
  },
});
const json = values.json ?? false;
const log = benchLog(json);
skipWithoutData('live');
if (!existsSync(join(WEB_DIR, 'index.html'))) {
  console.log('bench:live needs the web build: run `npm run build:web` first');
  process.exit(1);
}

const commit = (() => {
  try {
    return execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim();
  } catch {
    return 'unknown';
  }
})();
const loadBefore = loadavg()[0]!;
const dir = mkdtempSync(join(tmpdir(), 'ser-bench-live-'));

// Speech without pauses longer than RAVDESS's own: 24 clips of actors 1-4 back to back (~90 s).
const parts: Float32Array[] = [];
for (const a of ['01', '02', '03', '04']) {
  const folder = join(DATA, `Actor_${a}`);
  for (const f of readdirSync(folder).sort().slice(0, 6)) {
    parts.push((await decodeFile(join(folder, f), { targetRate: 16000 })).samples);
  }
}
const speech = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
let at = 0;
for (const p of parts) {
  speech.set(p, at);
  at += p.length;
}
const mic = join(dir, 'speech.wav');
writeFileSync(mic, encodeWav(speech, 16000));

const result: Record<string, unknown> = { commit, date: new Date().toISOString(), cores: cpus().length };
try {
  const app = await startApp({ allow: [DATA], browserArgs: fakeMicrophone(mic) });
  try {
    const page = app.page;
    await page.getByText(/^Backend: /).waitFor();
    await page.getByRole('checkbox', { name: /Live/ }).check();
    await page.getByRole('button', { name: '● Record' }).click();
    const strip = page.getByRole('region', { name: 'Live prediction' });
    await strip.waitFor();
    await page.waitForTimeout(Number(values.seconds) * 1000);
    const attr = async (n: string) => Number(await strip.getAttribute(n));
    result.live = {
      seconds: Number(values.seconds),
      predictions: await attr('data-predictions'),
      perSecond: await attr('data-rate'),
      latencyMs: {
        p50: await attr('data-latency-p50'),
        p95: await attr('data-latency-p95'),
        max: await attr('data-latency-max'),
      },
    };
    await page.getByRole('button', { name: '■ Stop' }).click();

    if (!values['skip-map']) {
      await page.getByRole('tab', { name: 'Train' }).click();
      const map = page.getByRole('figure', { name: 'Dataset map' });
      const runs: Record<string, unknown>[] = [];
      for (const cache of ['cold', 'warm']) {
        const t0 = Date.now();
        await page.getByLabel('Dataset folder path').fill(DATA);
        await page.getByRole('button', { name: 'Scan', exact: true }).click();
        // A second scan replaces the first map: wait for it to go before timing the new one.
        if (runs.length > 0) await map.waitFor({ state: 'detached', timeout: 60_000 });
        await page.locator('figure[data-pca-ms]').waitFor({ timeout: 600_000 });
        const measured = (Date.now() - t0) / 1000;
        await page.waitForFunction(() => document.querySelector('figure[data-umap-ms]'), undefined, {
          timeout: 600_000,
        });
        runs.push({
          cache,
          points: Number(await map.getAttribute('data-points')),
          scanAndMeasureSeconds: Number(measured.toFixed(1)),
          pcaDrawnMs: Number(await map.getAttribute('data-pca-ms')),
          umapDrawnMs: Number(await map.getAttribute('data-umap-ms')),
          suspects: Number(await map.getAttribute('data-suspects')),
        });
        log(`map (${cache} cache): ${JSON.stringify(runs[runs.length - 1])}`);
      }
      result.map = runs;
    }
    if (app.errors.length) log(`page errors: ${app.errors.join(' | ')}`);
  } finally {
    await app.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
// The anchor: the engine alone on the same windows (decode the WAV, features, model), in this
// process. The live path's time above it is capture, transfer and drawing.
{
  const c = await loadClassifier('default');
  const n = LIVE_WINDOW_SECONDS * 16000;
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const start = (i * 7919 * 16) % (speech.length - n);
    const wav = encodeWav(speech.subarray(start, start + n), 16000);
    const t = performance.now();
    const a = await decodeBuffer(wav, 'window.wav', { targetRate: 16000 });
    await classify(c, { samples: a.samples, sampleRate: 16000 });
    if (i >= 5) times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  result.engineWindowMs = Math.round(times[Math.floor(times.length / 2)]! * 10) / 10;
}
result.load = [Number(loadBefore.toFixed(2)), Number(loadavg()[0]!.toFixed(2))];

const live = result.live as { predictions: number; perSecond: number; latencyMs: Record<string, number> };
const rows: [string, string, string][] = [
  ['live: predictions per second (last 10 s)', String(live.perSecond), '>= 2'],
  ['live: audio to screen, median', `${live.latencyMs.p50} ms`, '< 150 ms'],
  ['live: audio to screen, p95 / worst', `${live.latencyMs.p95} / ${live.latencyMs.max} ms`, ''],
  ['anchor: engine alone on a 3 s window, median', `${String(result.engineWindowMs)} ms`, ''],
];
for (const m of (result.map as Record<string, number | string>[] | undefined) ?? []) {
  rows.push([`map of ${m.points} clips (${m.cache} cache): PCA drawn`, `${m.pcaDrawnMs} ms`, '< 2000 ms']);
  rows.push([`map (${m.cache} cache): UMAP drawn`, `${m.umapDrawnMs} ms`, '']);
  rows.push([`map (${m.cache} cache): scan + measure every clip`, `${m.scanAndMeasureSeconds} s`, '']);
}
const w = Math.max(...rows.map((r) => r[0].length));
log(`bench:live  commit ${commit}, ${cpus().length} cores, load ${result.load}`);
for (const [k, v, t] of rows) log(`${k.padEnd(w)}  ${v.padStart(14)}  ${t}`);
if (json) console.log(JSON.stringify(result));
