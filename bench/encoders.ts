/**
 * `npm run bench:encoders [-- --json] [--clips N] [--imported]`: embedding speed of every
 * catalogue encoder found downloaded in the encoder cache (ms per second of audio, CPU ms per
 * second of audio, peak RSS) over RAVDESS clips. Imported encoders (the tiny test encoder, a
 * user's own) are measured too with --imported. Where no real encoder is present it says so and
 * measures nothing. The accuracy protocol on embeddings (bench:accuracy's 5 folds by actor,
 * single clip and calibrated, and the robustness conditions) needs embeddings as a feature family
 * in training, which is issue 21's next stage; until then this bench says so instead.
 */
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { decodeFile } from '../src/main/audio/decode.js';
import { defaultEncoderDir } from '../src/main/encoders/paths.js';
import { folderNormalises, openEncoder } from '../src/main/encoders/runtime.js';
import { listEncoders } from '../src/main/encoders/store.js';
import { readManifest } from '../src/main/encoders/manifest.js';
import { RAVDESS_16K } from '../tests/helpers/shared-data.js';

const json = process.argv.includes('--json');
const withImported = process.argv.includes('--imported');
const ci = process.argv.indexOf('--clips');
const nClips = ci >= 0 ? Number(process.argv[ci + 1]) : 40;
const root = defaultEncoderDir();
const found = listEncoders(root).filter((r) => r.downloaded && (r.source === 'catalogue' || withImported));
const accuracy = 'not run: embeddings as a training feature family are not built yet (issue 21, next stage)';

if (found.length === 0) {
  const msg = `no real encoder in ${root} (ser encoders pull wavlm-base-plus, or --imported for imported ones); nothing measured`;
  console.log(
    json
      ? JSON.stringify({ dir: root, encoders: [], note: msg, accuracy })
      : `bench:encoders: ${msg}\naccuracy: ${accuracy}`,
  );
  process.exit(0);
}

const files: string[] = [];
for (const a of readdirSync(RAVDESS_16K).sort()) {
  for (const f of readdirSync(join(RAVDESS_16K, a)).sort()) files.push(join(RAVDESS_16K, a, f));
}
const step = Math.max(1, Math.floor(files.length / nClips));
const clips = await Promise.all(
  files
    .filter((_, i) => i % step === 0)
    .slice(0, nClips)
    .map(async (f) => (await decodeFile(f, { targetRate: 16_000 })).samples),
);
const seconds = clips.reduce((s, c) => s + c.length / 16_000, 0);

const results = [];
for (const r of found) {
  const m = readManifest(r.dir!);
  const enc = await openEncoder(join(r.dir!, m.model), { doNormalize: folderNormalises(r.dir!) });
  let peak = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const c of clips) {
    await enc.embed(c);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await enc.close();
  results.push({
    id: r.id,
    revision: r.revision,
    hidden: enc.hidden,
    clips: clips.length,
    audioSeconds: Number(seconds.toFixed(1)),
    msPerSecondOfAudio: Number((wall / seconds).toFixed(3)),
    cpuMsPerSecondOfAudio: Number(((cpu.user + cpu.system) / 1000 / seconds).toFixed(3)),
    peakRssMiB: Math.round(peak / 2 ** 20),
  });
}
const out = { dir: root, load: loadavg()[0], encoders: results, accuracy };
if (json) console.log(JSON.stringify(out));
else {
  console.log(`bench:encoders: ${root}, load ${loadavg()[0]!.toFixed(2)}`);
  for (const r of results) {
    console.log(
      `  ${r.id.padEnd(22)} hidden ${r.hidden}  ${r.msPerSecondOfAudio} ms/s audio (CPU ${r.cpuMsPerSecondOfAudio})  peak RSS ${r.peakRssMiB} MiB  (${r.clips} clips, ${r.audioSeconds} s)`,
    );
  }
  console.log(`accuracy: ${accuracy}`);
}
