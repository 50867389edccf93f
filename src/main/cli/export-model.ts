/**
 * `ser export-model --model PATH|RUN_ID --out DIR`: the model as a standard TensorFlow.js
 * LayersModel of stock layers (one per ensemble member) with ser-model.json and a README, in a
 * new or empty folder: the app's "Export as TF.js model", the same service call (models.export)
 * in this process, written to a folder.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { MODEL_EXPORT_MANIFEST, type ModelExportSummary } from '../../shared/model-export.js';
import { STORE_FLAGS, STORE_OPTIONS, UsageError, storeUsage, commandFlags } from './args.js';
import { withService } from './service.js';
import { printable } from './text.js';

const USAGE = `usage: ser export-model --model PATH|RUN_ID --out DIR [options]

  --model PATH|ID    a model folder, a run id, or 'default' (the bundled model; the default)
  --out DIR          a new or empty folder: model.json + weights.bin (stock TensorFlow.js layers;
                     an ensemble's further members in members/N/), ${MODEL_EXPORT_MANIFEST}, README.md
${storeUsage()}`;

const OPTIONS = {
  model: { type: 'string' },
  out: { type: 'string' },
  ...STORE_OPTIONS,
} as const;

const flagSchema = z.object({
  model: z.string().min(1).default('default'),
  out: z.string({ error: 'is required (a new or empty folder)' }).min(1),
  ...STORE_FLAGS,
});

/** --out must be new or an empty folder (checked before any work, as a usage error). */
function checkOut(out: string): void {
  let st;
  try {
    st = statSync(out);
  } catch {
    return;
  }
  if (!st.isDirectory()) throw new UsageError(`--out is a file, not a folder: ${out}`);
  if (readdirSync(out).length > 0)
    throw new UsageError(`--out is not empty: ${out} (export into a new or empty folder)`);
}

function describe(s: ModelExportSummary): string[] {
  return [
    `exported to ${printable(s.dir ?? '')}`,
    ...s.members.map(
      (m) =>
        `  ${m.modelJson}  ${m.architecture}, input [${m.inputShape.join(', ')}]: ${m.layers.join(' > ')}`,
    ),
    `  ${MODEL_EXPORT_MANIFEST}  labels ${s.labels.join(', ')}; features, normalisation${s.expectsCalibration ? ', calibration (the model expects a speaker calibration; README step 2)' : ''}`,
    '  README.md  the librosa calls and every step from audio to probabilities',
    `check: loaded back with tf.loadLayersModel, probabilities within ${s.maxAbsDifference.toExponential(1)} of the model's`,
  ];
}

export async function run(argv: string[]): Promise<number> {
  const f = commandFlags('export-model', argv, OPTIONS, flagSchema, USAGE, {
    check: (flags) => checkOut(resolve(flags.out)),
  });
  if (typeof f === 'number') return f;
  // A folder is passed as an absolute path; anything else is a run id (prefix) or 'default'.
  const model = existsSync(f.model) ? resolve(f.model) : f.model;
  const s = await withService({ db: f.db, readonlyStore: true }, (svc) =>
    svc.call('models.export', { model, out: resolve(f.out) }),
  );
  if (f.json) console.log(JSON.stringify({ ...s, file: undefined }));
  else for (const line of describe(s)) console.log(line);
  return 0;
}
