/**
 * `ser infer --file a.wav [--file b.wav ...]`: the emotion and the probability of every label,
 * per file, with the bundled model or a saved one. A bad file gets a one-line reason on stderr
 * while the good ones still print; the exit code is 0 only if every file was classified.
 * `--calibrate PATH...` (files or a folder of the same speaker's clips, unlabeled) calibrates a
 * model trained with per-speaker normalisation; without it such a model answers uncalibrated.
 */
import { basename, resolve } from 'node:path';
import { z } from 'zod';
import { SerError, toErrorData, type SerErrorData } from '../../shared/errors.js';
import type { Prediction } from '../../shared/training.js';
import { defaultDbPath } from '../store/paths.js';
import { openStore, type RunStore } from '../store/run-store.js';
import { backendInfo } from '../model/backend.js';
import {
  CALIBRATION_MINIMUM,
  calibrateFromFiles,
  calibrationInfo,
  checkCalibration,
  expectsCalibration,
  type SpeakerCalibration,
} from '../inference/calibration.js';
import { classify, disposeClassifier, loadClassifier, type Classifier } from '../inference/predict.js';
import { reportUsageError, flagsOrThrow, parseCommandArgs } from './args.js';
import { modelRefNeedsStore } from '../inference/model-ref.js';
import { printable } from './text.js';

const USAGE = `usage: ser infer --file PATH [--file PATH ...] [options]   (or: ser infer [options] FILE...)

  --file PATH        audio file (WAV, MP3, FLAC, OGG); repeat for several
  --model PATH|ID    a model folder or a run id (default: the bundled model)
  --calibrate PATH   clips of the same speaker (files or a folder; repeat for several), no labels
                     needed: calibrates a model trained with per-speaker normalisation
                     (at least ${CALIBRATION_MINIMUM.clips} clips and ${CALIBRATION_MINIMUM.seconds} s; the files classified may be among them)
  --db FILE          run store for run ids (default: $SER_DB, else ${defaultDbPath()})
  --json             print one JSON object as the last stdout line`;

const OPTIONS = {
  file: { type: 'string', multiple: true },
  model: { type: 'string' },
  calibrate: { type: 'string', multiple: true },
  db: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const flagSchema = z.object({
  file: z.array(z.string().min(1)).min(1, 'give at least one audio file'),
  model: z.string().min(1).optional(),
  calibrate: z.array(z.string().min(1)).optional(),
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
    return reportUsageError('infer', err);
  }

  // A run id needs the store; a folder or the default model does not.
  let store: RunStore | null = null;
  const ref = f.model ?? 'default';
  try {
    if (modelRefNeedsStore(ref)) store = openStore(resolve(f.db ?? defaultDbPath()), { readonly: true });
    const c = await loadClassifier(ref, store);
    const entries: Entry[] = [];
    const backend = backendInfo();
    let calibration: SpeakerCalibration | null = null;
    // On a terminal, say which model and backend answered (stderr, so stdout stays one line per
    // file); scripts get the same in the --json object.
    if (!f.json && process.stderr.isTTY) {
      console.error(`model: ${c.runId ?? c.dir} (${c.labels.join(', ')}); backend: ${backend.summary}`);
    }
    try {
      calibration = f.calibrate ? await calibrate(c, f.calibrate, !f.json) : null;
      if (!f.calibrate && expectsCalibration(c.meta) && !f.json && process.stderr.isTTY) {
        console.error(
          `ser infer: uncalibrated: this model expects calibration with clips of the speaker (--calibrate, at least ${CALIBRATION_MINIMUM.clips} clips and ${CALIBRATION_MINIMUM.seconds} s); answering with a typical speaker's statistics`,
        );
      }
      for (const file of f.file) {
        try {
          const p = await classify(c, resolve(file), calibration);
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
    const calibrationJson = expectsCalibration(c.meta) ? calibrationInfo(calibration) : null;
    if (f.json) {
      console.log(
        JSON.stringify({
          model: {
            path: c.dir,
            runId: c.runId,
            labels: c.labels,
            expectsCalibration: expectsCalibration(c.meta),
          },
          calibration: calibrationJson,
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

/**
 * The speaker's calibration from --calibrate; refuses (ValidationError) a model that takes none
 * and a calibration below CALIBRATION_MINIMUM, and says what it used.
 */
async function calibrate(c: Classifier, paths: string[], say: boolean): Promise<SpeakerCalibration> {
  if (!expectsCalibration(c.meta)) {
    throw new SerError(
      'ValidationError',
      `--calibrate: this model was trained without per-speaker normalisation and takes no calibration (train with --normalization speaker)`,
    );
  }
  const { calibration, used, skipped } = await calibrateFromFiles(
    paths.map((p) => resolve(p)),
    c.meta.featureConfig,
  );
  for (const s of skipped) console.error(`ser infer: calibration clip ${s.path}: ${s.reason} (left out)`);
  if (!calibration)
    throw new SerError('ValidationError', `--calibrate: none of the ${skipped.length} files could be used`);
  checkCalibration(calibration, '--calibrate');
  if (say) {
    console.error(
      `calibrated with ${used.length} clip${used.length === 1 ? '' : 's'}, ${calibration.seconds.toFixed(1)} s of audio`,
    );
  }
  return calibration;
}

function formatPrediction(p: Prediction): string {
  const probs = Object.entries(p.probabilities)
    .sort((a, b) => b[1] - a[1])
    .map(([l, v]) => `${l} ${(100 * v).toFixed(1)}%`)
    .join('  ');
  const cal = !p.calibration
    ? ''
    : p.calibration.source === 'none'
      ? '  uncalibrated'
      : `  calibrated (${p.calibration.clips} clips, ${p.calibration.seconds.toFixed(1)} s)`;
  return `${printable(basename(p.path))}: ${p.label} (${(100 * (p.probabilities[p.label] ?? 0)).toFixed(1)}%)  [${probs}]  ${p.duration.toFixed(2)} s${cal}`;
}
