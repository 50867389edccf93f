/**
 * `ser infer --file a.wav [--file b.wav ...]`: the emotion and the probability of every label,
 * per file, with the bundled model or a saved one. A bad file gets a one-line reason on stderr
 * while the good ones still print; the exit code is 0 only if every file was classified.
 * `--calibrate PATH...` (files or a folder of the same speaker's clips, unlabeled) calibrates a
 * model trained with per-speaker normalisation; without it such a model answers uncalibrated.
 */
import { basename, resolve } from 'node:path';
import { z } from 'zod';
import { SerError } from '../../shared/errors.js';
import type { Prediction } from '../../shared/training.js';
import { CALIBRATION_MINIMUM } from '../inference/calibration.js';
import { STORE_FLAGS, STORE_OPTIONS, storeUsage, commandFlags } from './args.js';
import { withService } from './service.js';
import { printable } from './text.js';

const USAGE = `usage: ser infer --file PATH [--file PATH ...] [options]   (or: ser infer [options] FILE...)

  --file PATH        audio file (WAV, MP3, FLAC, OGG); repeat for several
  --model PATH|ID    a model folder or a run id (default: the bundled model)
  --calibrate PATH   clips of the same speaker (files or a folder; repeat for several), no labels
                     needed: calibrates a model trained with per-speaker normalisation
                     (at least ${CALIBRATION_MINIMUM.clips} clips and ${CALIBRATION_MINIMUM.seconds} s; the files classified may be among them)
${storeUsage()}`;

const OPTIONS = {
  file: { type: 'string', multiple: true },
  model: { type: 'string' },
  calibrate: { type: 'string', multiple: true },
  ...STORE_OPTIONS,
} as const;

const flagSchema = z.object({
  file: z.array(z.string().min(1)).min(1, 'give at least one audio file'),
  model: z.string().min(1).optional(),
  calibrate: z.array(z.string().min(1)).optional(),
  ...STORE_FLAGS,
});

export async function run(argv: string[]): Promise<number> {
  // Files by --file or as plain arguments.
  const f = commandFlags('infer', argv, OPTIONS, flagSchema, USAGE, {
    positionals: true,
    input: (values, positionals) => ({
      ...values,
      file: [...((values.file as string[] | undefined) ?? []), ...positionals],
    }),
  });
  if (typeof f === 'number') return f;

  // Looking up a run's model writes nothing: the store (opened only for a run id) is read-only.
  const res = await withService({ db: f.db, readonlyStore: true }, async (service) => {
    const result = await service
      .call('classify', {
        files: f.file.map((file) => ({ path: resolve(file) })),
        modelRunId: f.model ?? 'default',
        ...(f.calibrate
          ? { calibrate: f.calibrate.map((p) => ({ path: resolve(p) })), requireCalibration: true }
          : {}),
      })
      .catch((err: unknown) => {
        // The service names calibration 'calibration'; here it is the --calibrate flag.
        if (
          err instanceof SerError &&
          err.code === 'ValidationError' &&
          err.message.startsWith('calibration: ')
        )
          throw new SerError(err.code, `--calibrate: ${err.message.slice('calibration: '.length)}`);
        throw err;
      });
    const info = await service.call('app.info');
    return { result, backend: info.backend, backendDetail: info.backendDetail };
  });
  const { result, backend, backendDetail } = res;
  const { model } = result;

  // On a terminal, say which model and backend answered (stderr, so stdout stays one line per
  // file); scripts get the same in the --json object.
  if (!f.json && process.stderr.isTTY) {
    console.error(
      `model: ${model.runId ?? model.path} (${model.labels.join(', ')}); backend: ${backendDetail}`,
    );
  }
  for (const l of result.calibrationLeftOut ?? [])
    console.error(`ser infer: calibration clip ${l.name}: ${l.error.code}: ${l.error.message} (left out)`);
  const calibration = f.calibrate ? result.calibration : null;
  if (calibration && !f.json) {
    console.error(
      `calibrated with ${calibration.clips} clip${calibration.clips === 1 ? '' : 's'}, ${calibration.seconds.toFixed(1)} s of audio`,
    );
  }
  if (!f.calibrate && model.expectsCalibration && !f.json && process.stderr.isTTY) {
    console.error(
      `ser infer: uncalibrated: this model expects calibration with clips of the speaker (--calibrate, at least ${CALIBRATION_MINIMUM.clips} clips and ${CALIBRATION_MINIMUM.seconds} s); answering with a typical speaker's statistics`,
    );
  }
  // Each entry with the path as the user gave it.
  const entries = result.results.map((e, i) => {
    const path = f.file[i]!;
    return e.ok ? { ...e, prediction: { ...e.prediction, path } } : { ...e, path };
  });
  for (const e of entries) {
    if (e.ok) {
      if (!f.json) {
        console.log(formatPrediction(e.prediction));
        for (const w of e.prediction.warnings ?? []) console.error(`warning: ${printable(w)}`);
      }
    } else console.error(`ser infer: ${printable(e.path)}: ${e.error.code}: ${printable(e.error.message)}`);
  }
  if (f.json) {
    console.log(
      JSON.stringify({
        model: {
          path: model.path,
          runId: model.runId,
          labels: model.labels,
          expectsCalibration: model.expectsCalibration,
        },
        calibration: model.expectsCalibration ? result.calibration : null,
        backend,
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
  return `${printable(basename(p.path))}: ${answerOf(p)}  [${probs}]  ${p.duration.toFixed(2)} s${cal}`;
}

/**
 * The answer in words: the label and its probability, or, when the prediction is uncertain
 * (src/shared/confidence.ts), "uncertain" and the two likeliest emotions.
 */
function answerOf(p: Prediction): string {
  const pct = (l: string) => `${(100 * (p.probabilities[l] ?? 0)).toFixed(1)}%`;
  if (!p.uncertain) return `${p.label} (${pct(p.label)})`;
  const [a, b] = Object.entries(p.probabilities).sort((x, y) => y[1] - x[1]);
  return `uncertain: ${a![0]} ${pct(a![0])} or ${b ? `${b[0]} ${pct(b[0])}` : '?'}`;
}
