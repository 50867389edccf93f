/**
 * `ser train`: train a model on a folder of clips in a worker thread, with a progress bar on a
 * TTY; Ctrl-C cancels cleanly (the run is recorded as cancelled). With --json the last stdout
 * line is one JSON object describing the result.
 * Exit codes: 0 completed, 1 failed, 2 bad flags, 130 cancelled.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { SEED_EMOTIONS } from '../../shared/dataset.js';
import { defaultSplit, sortSpeakers } from '../../shared/split-defaults.js';
import { AugmentKindSchema } from '../../shared/train-schema.js';
import type {
  AugmentKind,
  SplitConfig,
  TrainConfig,
  TrainEvent,
  TrainResult,
} from '../../shared/training.js';
import type { ArgsOf } from '../../shared/contract.js';
import { defaultDbPath } from '../store/paths.js';
import { buildTrainConfig, DEFAULT_RECIPE } from '../recipe/recipe.js';
import { meanStd } from '../training/metrics.js';
import {
  STORE_FLAGS,
  STORE_OPTIONS,
  UsageError,
  reportUsageError,
  flagsOrThrow,
  intFlag,
  listOf,
  parseActors,
  parseCommandArgs,
} from './args.js';
import { createProgress, formatSeconds } from './progress.js';
import { withService } from './service.js';
import { formatEvaluation } from './text.js';

const USAGE = `usage: ser train --data DIR [options]

  --data DIR            folder of clips (RAVDESS names, or one folder per emotion)
  --emotions LIST       emotions to learn (default ${SEED_EMOTIONS.join(',')})
  --split KIND          actors (default) | random | kfold
  --test-actors LIST    test speakers for --split actors, e.g. 17-20 or 1,2 (default: the last fifth)
  --folds K             folds for --split kfold (default 5, or one per speaker when fewer)
  --epochs N            maximum epochs (early stopping on validation loss)
  --seed S              seed of the split, augmentation and initial weights (default 42)
  --seeds LIST          one run per seed, e.g. 1,2,3; prints accuracy and UAR mean ± std over
                        the seeds (of the fold means for --split kfold)
  --augment LIST        ${AugmentKindSchema.options.join(',')}, or none (default ${DEFAULT_RECIPE.augment.join(',')})
  --copies N            augmented copies per training clip (default ${DEFAULT_RECIPE.copies})
  --model KIND          mlp (default: the recipe for new voices, an MLP over pooled feature
                        statistics) | ensemble (a CNN-LSTM and that MLP, their probabilities
                        averaged: best on a random split) | cnn-lstm
  --preset NAME         default | fast | seed | best: the recipe, or a CNN-LSTM preset (with the
                        MLP unless --model cnn-lstm); docs/BENCHMARKS.md
  --normalization MODE  speaker (default for mlp: per-speaker, calibrated at use time) |
                        global (default for the CNN-LSTM) | utterance (per clip)
  --name NAME  --tags a,b
  --db FILE             run store (default: $SER_DB, else ${defaultDbPath()})
  --backend NAME        tensorflow | wasm | cpu (default: the best that loads)
  --workers N           worker threads for features, augmentation and training (default: one
                        per core; folds and ensemble members train side by side; same result)
  --replicas N          threads sharing each model's batches (data-parallel; default 1: it
                        has not yet beaten one thread on a 2-core machine, docs/BENCHMARKS.md;
                        recorded with the run: batch norm then sees each thread's rows alone)
  --no-save             do not save the model folder
  --json                print one JSON object as the last stdout line, no progress`;

const OPTIONS = {
  data: { type: 'string' },
  emotions: { type: 'string' },
  split: { type: 'string' },
  'test-actors': { type: 'string' },
  folds: { type: 'string' },
  epochs: { type: 'string' },
  seed: { type: 'string' },
  seeds: { type: 'string' },
  augment: { type: 'string' },
  copies: { type: 'string' },
  preset: { type: 'string' },
  model: { type: 'string' },
  normalization: { type: 'string' },
  name: { type: 'string' },
  tags: { type: 'string' },
  backend: { type: 'string' },
  workers: { type: 'string' },
  replicas: { type: 'string' },
  'no-save': { type: 'boolean' },
  ...STORE_OPTIONS,
} as const;

const flagSchema = z.object({
  data: z.string({ error: 'is required (the folder of clips)' }).min(1, 'is required'),
  emotions: z.string().transform(listOf).optional(),
  split: z.enum(['random', 'actors', 'kfold'], { error: 'takes random, actors or kfold' }).optional(),
  'test-actors': z.string().transform(parseActors).optional(),
  folds: intFlag('folds', 2, 100).optional(),
  epochs: intFlag('epochs', 1, 100_000).optional(),
  seed: intFlag('seed', 0, 2 ** 31 - 1).optional(),
  seeds: z
    .string()
    .transform(listOf)
    .pipe(z.array(intFlag('seeds', 0, 2 ** 31 - 1)).min(1, 'takes a list of seeds, e.g. 1,2,3'))
    .refine((xs) => new Set(xs).size === xs.length, 'must not repeat a seed')
    .optional(),
  augment: z
    .string()
    .transform((s) => (s.trim() === 'none' ? [] : listOf(s)))
    .pipe(
      z.array(
        z.enum(AugmentKindSchema.options, { error: `takes ${AugmentKindSchema.options.join(', ')} or none` }),
      ),
    )
    .optional(),
  copies: intFlag('copies', 0, 50).optional(),
  preset: z
    .enum(['default', 'fast', 'seed', 'best'], { error: 'takes default, fast, seed or best' })
    .optional(),
  model: z.enum(['mlp', 'ensemble', 'cnn-lstm'], { error: 'takes mlp, ensemble or cnn-lstm' }).optional(),
  normalization: z
    .enum(['global', 'speaker', 'utterance'], { error: 'takes global, speaker or utterance' })
    .optional(),
  name: z.string().optional(),
  tags: z.string().transform(listOf).optional(),
  backend: z.enum(['tensorflow', 'wasm', 'cpu'], { error: 'takes tensorflow, wasm or cpu' }).optional(),
  workers: intFlag('workers', 1, 64).optional(),
  replicas: intFlag('replicas', 1, 16).optional(),
  'no-save': z.boolean().optional(),
  ...STORE_FLAGS,
});

type TrainFlags = z.infer<typeof flagSchema>;
type SplitKind = SplitConfig['kind'];

/** The split kind the flags ask for (--folds alone means kfold). */
function splitKindOf(f: TrainFlags): SplitKind {
  const kind = f.split ?? (f.folds !== undefined ? 'kfold' : 'actors');
  if (f['test-actors'] && kind !== 'actors') throw new UsageError('--test-actors goes with --split actors');
  if (f.folds !== undefined && kind !== 'kfold') throw new UsageError('--folds goes with --split kfold');
  return kind === 'kfold' ? 'kfold-actors' : kind;
}

/**
 * The TrainConfig `ser train` builds from its flags and the dataset's speakers: the recipe and
 * defaultSplit (src/shared/split-defaults.ts), exactly what the wizard builds for the same choices,
 * with the flags' explicit values over them.
 */
export function trainConfigFromFlags(f: TrainFlags, speakers: string[]): TrainConfig {
  const split = defaultSplit(splitKindOf(f), speakers);
  if (split.kind === 'actors' && f['test-actors']) split.testActors = f['test-actors'];
  if (split.kind === 'kfold-actors' && f.folds !== undefined) split.folds = f.folds;
  return buildTrainConfig({
    labels: f.emotions,
    preset: f.preset,
    model: f.model,
    split,
    epochs: f.epochs,
    seed: f.seed,
    augment: f.augment as AugmentKind[] | undefined,
    copies: f.copies,
    normalization: f.normalization,
    workers: f.workers,
    replicas: f.replicas,
  });
}

/** The dataset's speakers when the default split needs them (scanning only then). */
async function speakersFor(f: TrainFlags, dataDir: string): Promise<string[]> {
  const kind = splitKindOf(f);
  const needed =
    (kind === 'actors' && !f['test-actors']) || (kind === 'kfold-actors' && f.folds === undefined);
  if (!needed) return [];
  const scan = await withService({ db: f.db }, (s) =>
    s.call('dataset.scan', { root: dataDir, ...(f.emotions ? { labels: f.emotions } : {}) }),
  );
  const speakers = sortSpeakers(scan.items.map((it) => it.speaker).filter((s): s is string => s !== null));
  if (kind === 'actors' && speakers.length < 2) {
    throw new UsageError(
      `--split actors needs clips from at least two speakers (${dataDir} has ${speakers.length}); use --split random`,
    );
  }
  return speakers;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** What `ser train` asks the service for (train.start's arguments) and where the run goes. */
interface TrainCall {
  db: string | undefined;
  args: ArgsOf<'train.start'>;
}

export async function run(argv: string[]): Promise<number> {
  let calls: TrainCall[];
  let json = false;
  try {
    const { values } = parseCommandArgs(argv, OPTIONS, null);
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const f = flagsOrThrow(flagSchema, values);
    json = f.json ?? false;
    if (f.seed !== undefined && f.seeds) throw new UsageError('give --seed or --seeds, not both');
    const config = trainConfigFromFlags(f, await speakersFor(f, resolve(f.data)));
    const seeds = f.seeds ?? [config.seed];
    calls = seeds.map((seed) => ({
      db: f.db,
      args: {
        root: resolve(f.data),
        config: { ...config, seed },
        ...(f.name ? { name: seeds.length > 1 ? `${f.name} seed ${seed}` : f.name } : {}),
        ...(f.tags ? { tags: f.tags } : {}),
        ...(f.backend ? { backend: f.backend } : {}),
        ...(f['no-save'] ? { saveModel: false } : {}),
      },
    }));
  } catch (err) {
    return reportUsageError('train', err);
  }

  const results: TrainResult[] = [];
  for (const [i, call] of calls.entries()) {
    if (calls.length > 1 && !json)
      console.log(`${i > 0 ? '\n' : ''}seed ${call.args.config.seed} (${i + 1} of ${calls.length})`);
    const r = await trainOne(call, json && calls.length === 1, json);
    results.push(r);
    if (r.status !== 'completed') break;
  }
  if (calls.length > 1) reportSeeds(results, calls, json);
  const last = results.at(-1)!;
  return last.status === 'completed' ? 0 : last.status === 'cancelled' ? 130 : 1;
}

/** One run through the service with progress on the terminal; Ctrl-C cancels it. */
async function trainOne(req: TrainCall, jsonLine: boolean, quiet: boolean): Promise<TrainResult> {
  const progress = createProgress({ quiet });
  let barFor = '';
  const onEvent = (e: TrainEvent) => {
    switch (e.type) {
      case 'started':
        progress.note(
          `run ${e.runId ?? '(not recorded)'}: ${e.clips} clips, ${e.labels.length} emotions, backend ${e.backend}`,
        );
        break;
      case 'stage':
        barFor = '';
        progress.stop();
        progress.note(e.message);
        break;
      case 'progress':
        if (barFor !== e.stage) {
          barFor = e.stage;
          progress.start(e.stage, e.total);
        }
        progress.update(e.done);
        break;
      case 'batch': {
        const key = `${e.member !== undefined ? `member ${e.member + 1} ` : ''}epoch ${e.epoch}${e.fold !== undefined ? ` fold ${e.fold + 1}` : ''}`;
        if (barFor !== key) {
          barFor = key;
          progress.start(key, e.batches);
        }
        progress.update(
          e.batch,
          `loss ${e.loss.toFixed(3)} acc ${pct(e.accuracy)}${e.etaSeconds !== undefined ? ` ETA ${formatSeconds(e.etaSeconds)}` : ''}`,
        );
        break;
      }
      case 'epoch': {
        const m = e.metrics;
        const val =
          m.valLoss !== null ? ` val_loss ${m.valLoss.toFixed(3)} val_acc ${pct(m.valAccuracy ?? 0)}` : '';
        progress.stop();
        barFor = '';
        progress.note(
          `${e.fold !== undefined ? `fold ${e.fold + 1} ` : ''}${e.member !== undefined ? `member ${e.member + 1} ` : ''}epoch ${m.epoch}: loss ${m.trainLoss.toFixed(3)} acc ${pct(m.trainAccuracy)}${val} (${m.seconds.toFixed(1)} s, ETA ${formatSeconds(e.etaSeconds)})`,
        );
        break;
      }
      case 'fold':
        progress.note(
          `fold ${e.fold + 1}/${e.folds}${e.testSpeakers ? ` (test speakers ${e.testSpeakers.join(',')})` : ''}: accuracy ${pct(e.evaluation.accuracy)}, macro-F1 ${pct(e.evaluation.macroF1)}`,
        );
        break;
      case 'log':
        progress.note(e.level === 'warn' ? `warning: ${e.message}` : e.message);
        break;
      case 'error':
      case 'done':
      case 'cancelled':
        progress.stop();
        break;
    }
  };

  const result = await withService({ db: req.db }, async (service) => {
    // Events may come before train.start answers: this process runs one job, so take them all.
    const off = service.on('train.event', ({ event }) => onEvent(event));
    let jobId: string | null = null;
    let interrupts = 0;
    const onSigint = () => {
      interrupts++;
      if (interrupts === 1) {
        progress.stop();
        progress.note('cancelling after the current batch (Ctrl-C again to quit at once)');
        if (jobId) void service.call('train.cancel', { jobId });
      } else process.exit(130);
    };
    process.on('SIGINT', onSigint);
    try {
      ({ jobId } = await service.call('train.start', req.args));
      // Ctrl-C while train.start was under way: cancel now that the job has an id.
      if (interrupts > 0) await service.call('train.cancel', { jobId });
      return await service.call('train.wait', { jobId });
    } finally {
      process.off('SIGINT', onSigint);
      off();
      progress.stop();
    }
  });
  report(result, jsonLine, quiet, req.args.config.normalization === 'speaker');
  return result;
}

/** The result that counts for a seed: the mean over folds (k-fold) or the test evaluation. */
function seedScores(r: TrainResult): { accuracy: number; uar: number } | null {
  const e = r.evaluation;
  if (!e) return null;
  return { accuracy: e.foldAccuracy?.mean ?? e.accuracy, uar: e.foldUar?.mean ?? e.uar };
}

/** With --seeds: each seed's accuracy and UAR, and their mean ± std over the seeds. */
function reportSeeds(results: TrainResult[], calls: TrainCall[], json: boolean): void {
  const scored = results.map((r, i) => ({ seed: calls[i]!.args.config.seed, r, s: seedScores(r) }));
  const done = scored.filter((x) => x.s !== null);
  const acc = meanStd(done.map((x) => x.s!.accuracy));
  const uar = meanStd(done.map((x) => x.s!.uar));
  const kfold = calls[0]!.args.config.split.kind === 'kfold-actors';
  if (json) {
    console.log(
      JSON.stringify({
        status: results.at(-1)!.status,
        seeds: calls.map((c) => c.args.config.seed),
        measure: kfold ? 'mean over folds' : 'test split',
        accuracy: done.length ? acc : null,
        uar: done.length ? uar : null,
        runs: scored.map((x) => ({ ...resultJson(x.r), seed: x.seed })),
      }),
    );
    return;
  }
  const lines = [
    '',
    `over ${done.length} seed${done.length === 1 ? '' : 's'}${kfold ? ' (each the mean over its folds)' : ''}:`,
    ...done.map(
      (x) =>
        `  seed ${x.seed}: accuracy ${pct(x.s!.accuracy)}, UAR ${pct(x.s!.uar)} (run ${x.r.runId ?? '-'})`,
    ),
    `  mean ± std: accuracy ${pct(acc.mean)} ± ${pct(acc.std)}, UAR ${pct(uar.mean)} ± ${pct(uar.std)}`,
  ];
  if (done.length < results.length)
    lines.push(`  stopped: seed ${scored.at(-1)!.seed} ${results.at(-1)!.status}`);
  console.log(lines.join('\n'));
}

/** The JSON object `ser train --json` prints for one run. */
function resultJson(r: TrainResult): Record<string, unknown> {
  const e = r.evaluation;
  return {
    status: r.status,
    runId: r.runId,
    labels: r.labels,
    testAccuracy: e ? e.accuracy : null,
    macroF1: e ? e.macroF1 : null,
    uar: e ? e.uar : null,
    confusion: e ? e.confusion : null,
    perClass: e ? e.perClass : null,
    n: e ? e.n : null,
    ...(e?.folds
      ? {
          foldAccuracy: e.foldAccuracy,
          foldUar: e.foldUar,
          folds: e.folds.map((f) => ({
            fold: f.fold,
            testSpeakers: f.testSpeakers,
            accuracy: f.evaluation.accuracy,
            uar: f.evaluation.uar,
            macroF1: f.evaluation.macroF1,
            epochs: f.epochs,
          })),
        }
      : {}),
    backend: r.backend,
    seconds: Number(r.seconds.toFixed(2)),
    modelDir: r.modelDir,
    skipped: r.skipped ?? [],
    warnings: r.warnings ?? [],
    ...(r.error ? { error: r.error } : {}),
  };
}

/**
 * One run's result: its JSON line (`jsonLine`), nothing else when `quiet`, or the text report.
 * `perSpeaker`: the model normalises per speaker, so its test clips were calibrated by their speakers.
 */
function report(r: TrainResult, jsonLine: boolean, quiet: boolean, perSpeaker: boolean): void {
  if (jsonLine) {
    console.log(JSON.stringify(resultJson(r)));
    return;
  }
  if (quiet) return;
  const e = r.evaluation;
  if (r.status === 'failed') {
    console.error(`ser train: ${r.error?.code ?? 'TrainingError'}: ${r.error?.message ?? 'failed'}`);
    return;
  }
  if (r.status === 'cancelled') {
    console.error(`ser train: cancelled${r.runId ? ` (run ${r.runId} recorded as cancelled)` : ''}`);
    return;
  }
  if (e) console.log(formatEvaluation(e));
  if (e && perSpeaker)
    console.log(
      '\ntest clips calibrated per speaker (each test speaker standardised by its own unlabeled clips); one clip alone scores lower: `ser evaluate --model RUN --data DIR` without --calibrate',
    );
  // The progress log already listed them one by one; the count stays visible at the end.
  if (r.skipped?.length)
    console.log(`\nskipped ${r.skipped.length} clip${r.skipped.length === 1 ? '' : 's'} (see above)`);
  console.log(
    `\nrun ${r.runId ?? '(not recorded)'} in ${formatSeconds(r.seconds)} on ${r.backend}${r.modelDir ? `; model saved to ${r.modelDir}` : ''}`,
  );
}
