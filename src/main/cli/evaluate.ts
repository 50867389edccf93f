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
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { z } from 'zod';
import { speakerAccuracy } from '../../shared/clips.js';
import type { EvaluateEvent, FolderEvaluation } from '../../shared/contract.js';
import { SerError } from '../../shared/errors.js';
import type { CalibrationInfo } from '../../shared/training.js';
import { STORE_FLAGS, STORE_OPTIONS, parseActors, storeUsage, commandFlags } from './args.js';
import { createProgress } from './progress.js';
import { withService, type CliService } from './service.js';
import { formatEvaluation } from './text.js';

const USAGE = `usage: ser evaluate --model PATH|RUN_ID --data DIR [options]

  --model PATH|ID    a model folder, a run id, or 'default' (the bundled model)
  --data DIR         folder of clips (RAVDESS names, or one folder per emotion)
  --actors LIST      only these speakers, e.g. 17-20 or 1,2
  --calibrate MODE   speaker: each speaker's clips calibrate that speaker (models trained with
                     --normalization speaker); none (default): every clip alone
${storeUsage()}`;

const OPTIONS = {
  model: { type: 'string' },
  data: { type: 'string' },
  actors: { type: 'string' },
  calibrate: { type: 'string' },
  ...STORE_OPTIONS,
} as const;

const flagSchema = z.object({
  model: z.string({ error: 'is required (a model folder or run id)' }).min(1),
  data: z.string({ error: 'is required (the folder of clips)' }).min(1),
  actors: z.string().transform(parseActors).optional(),
  calibrate: z.enum(['speaker', 'none'], { error: 'takes speaker or none' }).optional(),
  ...STORE_FLAGS,
});

type EvaluateFlags = z.infer<typeof flagSchema>;

export async function run(argv: string[]): Promise<number> {
  const f = commandFlags('evaluate', argv, OPTIONS, flagSchema, USAGE);
  if (typeof f === 'number') return f;
  const progress = createProgress({ quiet: f.json });
  let barStarted = false;
  const r = await withService({ db: f.db }, (service) =>
    evaluateThroughService(service, f, (e) => {
      if (e.stage !== 'features') return;
      if (e.done === 0 || !barStarted) {
        barStarted = true;
        progress.start('features', e.total);
      }
      progress.update(e.done);
    }),
  ).finally(() => progress.stop());
  if (r === 'cancelled') {
    console.error('ser evaluate: cancelled');
    return 130;
  }
  for (const s of r.refused.slice(0, 20)) progress.note(`skipped ${s.path}: ${s.reason}`);
  if (r.notRecorded !== null) progress.note(`not recorded with a run: ${r.notRecorded}`);
  const { evaluation, clips, calibration, recorded } = r;
  const speakers = speakerAccuracy(clips);
  const skipped = r.refused.length;
  if (f.json) {
    console.log(
      JSON.stringify({
        model: { path: r.model.dir, runId: r.model.runId },
        labels: evaluation.labels,
        n: evaluation.n,
        accuracy: evaluation.accuracy,
        macroF1: evaluation.macroF1,
        uar: evaluation.uar,
        perClass: evaluation.perClass,
        confusion: evaluation.confusion,
        speakers,
        calibration,
        confidence: evaluation.confidence ?? null,
        clips,
        recorded,
        skipped,
        seconds: r.seconds,
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
    if (recorded)
      console.log(
        `recorded with run ${recorded.runId.slice(0, 8)} (ser runs show ${recorded.runId.slice(0, 8)})`,
      );
    console.log(`\nmodel ${r.model.dir}${skipped ? `; ${skipped} clips skipped` : ''}`);
  }
  return 0;
}

/**
 * evaluate.start, its progress and result as evaluate.event; Ctrl-C cancels (evaluate.cancel),
 * a second Ctrl-C quits at once.
 */
async function evaluateThroughService(
  service: CliService,
  f: EvaluateFlags,
  onProgress: (e: Extract<EvaluateEvent, { type: 'progress' }>) => void,
): Promise<FolderEvaluation | 'cancelled'> {
  const jobId = randomUUID();
  let settle: (e: EvaluateEvent) => void = () => undefined;
  const ended = new Promise<EvaluateEvent>((resolveEnd) => (settle = resolveEnd));
  // Listening before the call, under a job id chosen here, so no event is missed.
  const off = service.on('evaluate.event', (m) => {
    if (m.jobId !== jobId) return;
    if (m.event.type === 'progress') onProgress(m.event);
    else settle(m.event);
  });
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) process.exit(130);
    void service.call('evaluate.cancel', { jobId });
  };
  process.on('SIGINT', onSigint);
  try {
    await service.call('evaluate.start', {
      jobId,
      modelRunId: f.model,
      root: resolve(f.data),
      ...(f.actors ? { speakers: f.actors } : {}),
      ...(f.calibrate ? { calibrate: f.calibrate } : {}),
    });
    const end = await ended;
    if (end.type === 'done') return end.result;
    if (end.type === 'cancelled') return 'cancelled';
    if (end.type === 'error') {
      // The service names the choice in words; here it is the --calibrate flag.
      const message = end.error.message.replace(/^calibrate per speaker: /, '--calibrate speaker: ');
      throw new SerError(end.error.code, message, end.error.path);
    }
    throw new SerError('InternalError', `unexpected evaluate event ${end.type}`);
  } finally {
    process.off('SIGINT', onSigint);
    off();
  }
}

function formatCalibration(c: CalibrationInfo): string {
  return c.source === 'speaker'
    ? `calibrated per speaker: ${c.speakers} speakers, each from its own clips (at least ${c.clips} clips, ${c.seconds.toFixed(1)} s)`
    : 'uncalibrated: every clip alone (this model expects calibration: --calibrate speaker)';
}
