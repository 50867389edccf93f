/**
 * The runtime choice for speech encoders, measured: onnxruntime-node directly against
 * @huggingface/transformers (which runs on onnxruntime-node), on the tiny encoder
 * (scripts/tiny-encoder/build.ts). Each side runs in its own fresh process, alternately, so cold
 * start includes the import. transformers.js is not a dependency of the project: install it
 * beside, e.g. `mkdir /tmp/tjs && cd /tmp/tjs && npm init -y && npm i @huggingface/transformers`
 * (with `onnxruntime-node-install=skip` in its .npmrc), then
 *
 *   node bin/run-ts.mjs bench/encoder-runtime.ts -- --transformers /tmp/tjs [--rounds 3] [--json]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildTinyEncoder } from '../scripts/tiny-encoder/build.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const tjsDir = arg('transformers');
const rounds = Number(arg('rounds') ?? 3);
const json = process.argv.includes('--json');
if (!tjsDir) {
  console.error(
    'bench:encoder-runtime needs --transformers DIR (a folder where @huggingface/transformers is installed)',
  );
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'ser-enc-runtime-'));
const modelDir = join(work, 'tiny');
buildTinyEncoder(modelDir);
const ortEntry = resolve('node_modules/onnxruntime-node/dist/index.js');
const tjsEntry = resolve(tjsDir, 'node_modules/@huggingface/transformers/dist/transformers.node.mjs');
const AUDIO_S = 10;

// Both children: t0 at process start (before the import), ready after the first embedding,
// then 5 timed runs on the same 10 s of audio; print JSON.
const common = `
const t0 = performance.now();
const n = 16000 * ${AUDIO_S};
const x = new Float32Array(n);
for (let i = 0; i < n; i++) x[i] = 0.2 * Math.sin(2 * Math.PI * (150 + 50 * Math.sin(i / 8000)) * i / 16000);
`;
const ortChild = `${common}
const ort = (await import(${JSON.stringify(ortEntry)})).default;
const s = await ort.InferenceSession.create(${JSON.stringify(join(modelDir, 'onnx/model.onnx'))});
const run = async () => (await s.run({ input_values: new ort.Tensor('float32', x, [1, n]) })).last_hidden_state;
await run();
const ready = performance.now() - t0;
const times = [];
for (let r = 0; r < 5; r++) { const a = performance.now(); await run(); times.push(performance.now() - a); }
console.log(JSON.stringify({ ready, times, rss: process.memoryUsage().rss }));
`;
const tjsChild = `${common}
const T = await import(${JSON.stringify(tjsEntry)});
T.env.allowRemoteModels = false;
T.env.localModelPath = ${JSON.stringify(work)};
const processor = await T.AutoProcessor.from_pretrained('tiny');
const model = await T.AutoModel.from_pretrained('tiny', { dtype: 'fp32', device: 'cpu' });
const run = async () => (await model(await processor(x))).last_hidden_state;
await run();
const ready = performance.now() - t0;
const times = [];
for (let r = 0; r < 5; r++) { const a = performance.now(); await run(); times.push(performance.now() - a); }
console.log(JSON.stringify({ ready, times, rss: process.memoryUsage().rss }));
`;
const files = { ort: join(work, 'ort.mjs'), transformers: join(work, 'tjs.mjs') };
writeFileSync(files.ort, ortChild);
writeFileSync(files.transformers, tjsChild);

const du = (p: string) => Number(execFileSync('du', ['-sk', p]).toString().split('\t')[0]) / 1024;
const sizes = {
  ort: du(resolve('node_modules/onnxruntime-node')) + du(resolve('node_modules/onnxruntime-common')),
  transformers: du(resolve(tjsDir, 'node_modules')),
};
type Sample = { ready: number; times: number[]; rss: number };
const samples: Record<'ort' | 'transformers', Sample[]> = { ort: [], transformers: [] };
const load0 = loadavg()[0]!;
for (let r = 0; r < rounds; r++) {
  for (const side of ['ort', 'transformers'] as const) {
    samples[side].push(
      JSON.parse(execFileSync(process.execPath, [files[side]]).toString().trim().split('\n').pop()!),
    );
  }
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const summary = Object.fromEntries(
  (['ort', 'transformers'] as const).map((side) => [
    side,
    {
      installMiB: Math.round(sizes[side]),
      coldStartMs: Math.round(median(samples[side].map((s) => s.ready))),
      msPerSecondOfAudio: Number((median(samples[side].flatMap((s) => s.times)) / AUDIO_S).toFixed(2)),
      rssMiB: Math.round(median(samples[side].map((s) => s.rss)) / 2 ** 20),
    },
  ]),
);
const out = { rounds, audioSeconds: AUDIO_S, load: [load0, loadavg()[0]], summary };
if (json) console.log(JSON.stringify(out));
else {
  console.log(
    `load ${load0.toFixed(2)} -> ${loadavg()[0]!.toFixed(2)}, ${rounds} alternating rounds, ${AUDIO_S} s of audio`,
  );
  for (const [k, v] of Object.entries(summary)) console.log(k.padEnd(13), JSON.stringify(v));
}
rmSync(work, { recursive: true, force: true });
