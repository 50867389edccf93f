/**
 * Makes resources/models/default, the model `ser infer` and the app use when none is chosen:
 *
 *   node bin/run-ts.mjs scripts/train-default-model.ts [--data DIR] [--out DIR] [--json]
 *
 * (defaults: ../shared/data/ravdess-16k, resources/models/default). Trains the recipe of
 * src/main/recipe/default-model.ts twice: on actors 1-16, tested on actors 17-20 (the
 * accuracy to expect on unheard voices), then on all 20 actors, saved. Prints both, and the
 * model folder's size. About 7 minutes on 2 cores once features are cached in
 * $SER_CACHE_DIR or <tmp>/ser-feature-cache.
 */
import { readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createProgress } from '../src/main/cli/progress.js';
import { makeDefaultModel } from '../src/main/recipe/default-model.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const { values } = parseArgs({
  options: { data: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } },
});
const data = resolve(values.data ?? join(ROOT, '..', 'shared', 'data', 'ravdess-16k'));
const out = resolve(values.out ?? join(ROOT, 'resources', 'models', 'default'));
const progress = createProgress({ quiet: values.json && !process.stderr.isTTY });
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

const report = await makeDefaultModel({
  dataDir: data,
  outDir: out,
  cacheDir: process.env.SER_CACHE_DIR ?? join(tmpdir(), 'ser-feature-cache'),
  onEvent: (stage, e) => {
    if (e.type === 'epoch') {
      const m = e.metrics;
      const val =
        m.valLoss === null ? '' : ` val_loss ${m.valLoss.toFixed(3)} val_acc ${pct(m.valAccuracy ?? 0)}`;
      progress.note(
        `${stage} epoch ${m.epoch}: loss ${m.trainLoss.toFixed(3)} acc ${pct(m.trainAccuracy)}${val} (${m.seconds.toFixed(1)} s)`,
      );
    } else if (e.type === 'stage' || e.type === 'log') progress.note(`${stage}: ${e.message}`);
  },
});
// The ensemble's further members sit in sub-folders (members/1, ...).
const bytes = (readdirSync(out, { recursive: true }) as string[]).reduce(
  (n, f) => n + (statSync(join(out, f)).isFile() ? statSync(join(out, f)).size : 0),
  0,
);
const e = report.heldOut.evaluation;
console.log(
  [
    `held out actors ${report.heldOut.testActors.join(',')}: accuracy ${pct(e.accuracy)}, macro-F1 ${pct(e.macroF1)} (${e.n} clips, ` +
      `${report.heldOut.epochs} epochs, ${report.heldOut.seconds.toFixed(0)} s)`,
    `final model: all 20 actors, ${report.final?.epochs} epochs, ${report.final?.seconds.toFixed(0)} s -> ${out} (${(bytes / 1024).toFixed(0)} KiB)`,
  ].join('\n'),
);
if (values.json) console.log(JSON.stringify({ ...report, bytes }));
