/**
 * `ser infer --file a.wav [--file b.wav ...]`: the emotion and the probability of every label,
 * per file, with the bundled model or a saved one. A bad file gets a one-line reason on stderr
 * while the good ones still print; the exit code is 0 only if every file was classified.
 */
import { basename, resolve } from 'node:path';
import { z } from 'zod';
import { toErrorData, type SerErrorData } from '../../shared/errors.js';
import type { Prediction } from '../../shared/training.js';
import { defaultDbPath } from '../store/paths.js';
import { openStore, type RunStore } from '../store/run-store.js';
import { backendInfo } from '../model/backend.js';
import { classify, disposeClassifier, loadClassifier } from '../inference/predict.js';
import { UsageError, flagsOrThrow, parseCommandArgs } from './args.js';
import { printable } from './text.js';

const USAGE = `usage: ser infer --file PATH [--file PATH ...] [options]   (or: ser infer [options] FILE...)

  --file PATH        audio file (WAV, MP3, FLAC, OGG); repeat for several
  --model PATH|ID    a model folder or a run id (default: the bundled model)
  --db FILE          run store for run ids (default: $SER_DB, else ${defaultDbPath()})
  --json             print one JSON object as the last stdout line`;

const OPTIONS = {
  file: { type: 'string', multiple: true },
  model: { type: 'string' },
  db: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const flagSchema = z.object({
  file: z.array(z.string().min(1)).min(1, 'give at least one audio file'),
  model: z.string().min(1).optional(),
  db: z.string().optional(),
  json: z.boolean().optional(),
});

type Entry = { ok: true; prediction: Prediction } | { ok: false; path: string; error: SerErrorData };

export async function run(argv: string[]): Promise<number> {
  let f: z.infer<typeof flagSchema>;
  try {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, null, true);
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    f = flagsOrThrow(flagSchema, { ...values, file: [...(values.file ?? []), ...positionals] });
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`ser infer: ${err.message}\n(ser infer --help for the options)`);
      return 2;
    }
    throw err;
  }

  // A run id needs the store; a folder or the default model does not.
  let store: RunStore | null = null;
  const ref = f.model ?? 'default';
  const looksLikeId = /^[0-9a-f-]{4,36}$/i.test(ref);
  try {
    if (looksLikeId) store = openStore(resolve(f.db ?? defaultDbPath()), { readonly: true });
    const c = await loadClassifier(ref, store);
    const entries: Entry[] = [];
    const backend = backendInfo();
    // On a terminal, say which model and backend answered (stderr, so stdout stays one line per
    // file); scripts get the same in the --json object.
    if (!f.json && process.stderr.isTTY) {
      console.error(`model: ${c.runId ?? c.dir} (${c.labels.join(', ')}); backend: ${backend.summary}`);
    }
    try {
      for (const file of f.file) {
        try {
          const p = await classify(c, resolve(file));
          const prediction = { ...p, path: file };
          entries.push({ ok: true, prediction });
          if (!f.json) {
            console.log(formatPrediction(prediction));
            for (const w of p.warnings ?? []) console.error(`warning: ${printable(w)}`);
          }
        } catch (err) {
          const error = toErrorData(err);
          entries.push({ ok: false, path: file, error });
          console.error(`ser infer: ${printable(file)}: ${error.code}: ${printable(error.message)}`);
        }
      }
    } finally {
      disposeClassifier(c);
    }
    if (f.json) {
      console.log(
        JSON.stringify({
          model: { path: c.dir, runId: c.runId, labels: c.labels },
          backend: backend.name,
          results: entries.map((e) =>
            e.ok
              ? { ok: true, ...e.prediction, warnings: e.prediction.warnings ?? [] }
              : { ok: false, path: e.path, error: e.error },
          ),
          warnings: entries.flatMap((e) => (e.ok ? (e.prediction.warnings ?? []) : [])),
        }),
      );
    }
    return entries.every((e) => e.ok) ? 0 : 1;
  } finally {
    store?.close();
  }
}

function formatPrediction(p: Prediction): string {
  const probs = Object.entries(p.probabilities)
    .sort((a, b) => b[1] - a[1])
    .map(([l, v]) => `${l} ${(100 * v).toFixed(1)}%`)
    .join('  ');
  return `${printable(basename(p.path))}: ${p.label} (${(100 * (p.probabilities[p.label] ?? 0)).toFixed(1)}%)  [${probs}]  ${p.duration.toFixed(2)} s`;
}
