/**
 * `ser evaluate --model PATH|RUN_ID --data DIR [--actors LIST]`: a saved model's accuracy,
 * macro-F1, per-class metrics and confusion matrix on a folder of clips (optionally only some
 * speakers), and its accuracy per speaker. With --json the last stdout line is one JSON object.
 * `--calibrate speaker`: for a model trained with per-speaker normalisation, each speaker's clips
 * (used unlabeled) calibrate that speaker; without it every clip is classified alone.
 *
 * When the model is a run's (a run id, or a run's model folder) the evaluation is recorded with
 * that run, clip by clip, so `ser runs show` and the app list it beside the run's own test.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { speakerAccuracy, type ClipEvaluationInput } from '../../shared/clips.js';
import { scanDataset } from '../dataset/scan.js';
import { defaultDbPath } from '../store/paths.js';
import { openStore, type RunStore } from '../store/run-store.js';
import { SerError } from '../../shared/errors.js';
import type { CalibrationInfo } from '../../shared/training.js';
import { expectsCalibration } from '../inference/calibration.js';
import { evaluateModel } from '../inference/evaluate-model.js';
import { modelRefNeedsStore } from '../inference/model-ref.js';
import { disposeClassifier, loadClassifier } from '../inference/predict.js';
import { defaultCacheDir } from '../training/run-request.js';
import { reportUsageError, flagsOrThrow, parseActors, parseCommandArgs } from './args.js';
import { createProgress } from './progress.js';
import { formatEvaluation } from './text.js';

const USAGE = `usage: ser evaluate --model PATH|RUN_ID --data DIR [options]

  --model PATH|ID    a model folder, a run id, or 'default' (the bundled model)
  --data DIR         folder of clips (RAVDESS names, or one folder per emotion)
  --actors LIST      only these speakers, e.g. 17-20 or 1,2
  --calibrate MODE   speaker: each speaker's clips calibrate that speaker (models trained with
                     --normalization speaker); none (default): every clip alone
  --db FILE          run store for run ids (default: $SER_DB, else ${defaultDbPath()})
  --json             print one JSON object as the last stdout line`;

const OPTIONS = {
  model: { type: 'string' },
  data: { type: 'string' },
  actors: { type: 'string' },
  calibrate: { type: 'string' },
  db: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const flagSchema = z.object({
  model: z.string({ error: 'is required (a model folder or run id)' }).min(1),
  data: z.string({ error: 'is required (the folder of clips)' }).min(1),
  actors: z.string().transform(parseActors).optional(),
  calibrate: z.enum(['speaker', 'none'], { error: 'takes speaker or none' }).optional(),
  db: z.string().optional(),
  json: z.boolean().optional(),
});

export async function run(argv: string[]): Promise<number> {
  let f: z.infer<typeof flagSchema>;
  try {
    const { values } = parseCommandArgs(argv, OPTIONS, null);
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    f = flagsOrThrow(flagSchema, values);
  } catch (err) {
    return reportUsageError('evaluate', err);
  }
  const dbPath = resolve(f.db ?? defaultDbPath());
  let store: RunStore | null = null;
  const progress = createProgress({ quiet: f.json });
  try {
    if (modelRefNeedsStore(f.model) || existsSync(dbPath)) store = openStore(dbPath);
    const c = await loadClassifier(f.model, store);
    const runOf = c.runId ?? (typeof c.meta.metrics?.runId === 'string' ? c.meta.metrics.runId : null);
    try {
      const scan = await scanDataset(resolve(f.data), { labels: c.labels, minClasses: 1 });
      progress.start('features', scan.items.length);
      const t0 = performance.now();
      if (f.calibrate === 'speaker' && !expectsCalibration(c.meta)) {
        throw new SerError(
          'ValidationError',
          '--calibrate speaker: this model was trained without per-speaker normalisation and takes no calibration',
        );
      }
      const { evaluation, clips, skipped, calibration } = await evaluateModel(c, scan, {
        speakers: f.actors,
        calibrate: f.calibrate ?? 'none',
        cacheDir: defaultCacheDir(dbPath),
        onProgress: (d) => progress.update(d),
      });
      progress.stop();
      const seconds = (performance.now() - t0) / 1000;
      for (const s of skipped.filter((s) => !s.reason.startsWith('label ')).slice(0, 20)) {
        progress.note(`skipped ${s.path}: ${s.reason}`);
      }
      const recorded = record(store, runOf, {
        kind: 'evaluate',
        fold: null,
        dataRoot: scan.root,
        labels: c.labels,
        clips,
      });
      if (!recorded.ok) progress.note(`not recorded with a run: ${recorded.why}`);
      const speakers = speakerAccuracy(clips);
      if (f.json) {
        console.log(
          JSON.stringify({
            model: { path: c.dir, runId: c.runId },
            labels: evaluation.labels,
            n: evaluation.n,
            accuracy: evaluation.accuracy,
            macroF1: evaluation.macroF1,
            uar: evaluation.uar,
            perClass: evaluation.perClass,
            confusion: evaluation.confusion,
            speakers,
            calibration: calibration ?? null,
            confidence: evaluation.confidence ?? null,
            clips,
            recorded: recorded.ok ? { runId: runOf, evaluationId: recorded.id } : null,
            skipped: skipped.length,
            seconds: Number(seconds.toFixed(2)),
          }),
        );
      } else {
        console.log(formatEvaluation(evaluation));
        console.log(
          `\naccuracy per speaker: ${speakers.map((s) => `${s.speaker} ${(100 * s.accuracy).toFixed(1)}%`).join(', ')}`,
        );
        if (calibration) console.log(formatCalibration(calibration));
        const conf = evaluation.confidence;
        if (conf) {
          console.log(
            conf.after.temperature === null
              ? `confidence: ECE ${(100 * conf.before.ece).toFixed(1)}% (the model has no temperature)`
              : `confidence: ECE ${(100 * conf.before.ece).toFixed(1)}% -> ${(100 * conf.after.ece).toFixed(1)}% with its temperature ${conf.after.temperature}`,
          );
        }
        if (recorded.ok)
          console.log(`recorded with run ${runOf!.slice(0, 8)} (ser runs show ${runOf!.slice(0, 8)})`);
        console.log(`\nmodel ${c.dir}${skipped.length ? `; ${skipped.length} clips skipped` : ''}`);
      }
      return 0;
    } finally {
      disposeClassifier(c);
    }
  } finally {
    progress.stop();
    store?.close();
  }
}

function record(
  store: RunStore | null,
  runId: string | null,
  input: ClipEvaluationInput,
): { ok: true; id: number } | { ok: false; why: string } {
  if (!runId) return { ok: false, why: 'the model is not from a recorded run' };
  if (!store) return { ok: false, why: 'no run database' };
  if (store.readonly) return { ok: false, why: `the database is read-only (${store.readonlyReason})` };
  try {
    return { ok: true, id: store.addEvaluation(runId, input).id };
  } catch (err) {
    return { ok: false, why: err instanceof Error ? err.message : String(err) };
  }
}

function formatCalibration(c: CalibrationInfo): string {
  return c.source === 'speaker'
    ? `calibrated per speaker: ${c.speakers} speakers, each from its own clips (at least ${c.clips} clips, ${c.seconds.toFixed(1)} s)`
    : 'uncalibrated: every clip alone (this model expects calibration: --calibrate speaker)';
}
