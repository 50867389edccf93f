/**
 * A saved model evaluated on a folder of labelled clips (RAVDESS names or one folder per label):
 * the operation behind `ser evaluate` and the app's "Evaluate a folder". Accuracy, UAR, macro-F1,
 * per-class metrics, confusion, accuracy per speaker, every clip's probabilities, the clips the
 * engine refused (speech check, decoding) with their reasons, and, when the model is a run's, the
 * clip results recorded with that run (its page and `ser runs show` list them).
 *
 * `EvaluateJobs` runs it in the background for the service: the web host drops calls after 60 s,
 * so progress and the result travel as `evaluate.event`, and a job can be cancelled.
 */
import { randomUUID } from 'node:crypto';
import type { EvaluateEvent, FolderEvaluation } from '../../shared/contract.js';
import { SerError, toErrorData } from '../../shared/errors.js';
import type { ClipEvaluationInput } from '../../shared/clips.js';
import type { RunRecord } from '../../shared/runs.js';
import { scanDataset } from '../dataset/scan.js';
import { expectsCalibration } from '../inference/calibration.js';
import { evaluateModel } from '../inference/evaluate-model.js';
import { resolveModelRef } from '../inference/model-ref.js';
import { disposeClassifier, loadClassifier } from '../inference/predict.js';
import type { RunStore } from '../store/index.js';
import type { EventHub } from './events.js';

export const DEFAULT_MODEL_NAME = 'Default model (bundled)';

export interface EvaluateFolderOptions {
  /** A run id, a model folder, or null / 'default' for the bundled model. */
  model: string | null;
  /** The folder of clips (already checked against the allowed folders by the caller). */
  root: string;
  /** Only these speakers (matched as `--actors` is: '7' finds '07'). */
  speakers?: string[] | undefined;
  calibrate?: 'speaker' | 'none' | undefined;
  /** Run ids are looked up here, and a run's evaluation is recorded here; null: neither. */
  store: RunStore | null;
  defaultModelDir?: string;
  cacheDir?: string | null;
  /** Folders links may lead into (the app's allowed folders); absent: anywhere. */
  scanRoots?: string[];
  signal?: AbortSignal;
  onProgress?: (p: Extract<EvaluateEvent, { type: 'progress' }>) => void;
}

export async function evaluateFolder(o: EvaluateFolderOptions): Promise<FolderEvaluation> {
  const t0 = performance.now();
  const ref = resolveModelRef(o.model, {
    store: o.store,
    ...(o.defaultModelDir ? { defaultDir: o.defaultModelDir } : {}),
  });
  const c = await loadClassifier(ref.dir);
  try {
    const calibrates = expectsCalibration(c.meta);
    if (o.calibrate === 'speaker' && !calibrates) {
      throw new SerError(
        'ValidationError',
        'calibrate per speaker: this model was trained without per-speaker normalisation and takes no calibration',
      );
    }
    o.onProgress?.({ type: 'progress', stage: 'scan', done: 0, total: 1 });
    const scan = await scanDataset(o.root, { minClasses: 1, ...(o.scanRoots ? { roots: o.scanRoots } : {}) });
    throwIfAborted(o.signal);
    const known = new Set(c.labels);
    const unknown = new Map<string, number>();
    for (const it of scan.items)
      if (!known.has(it.label)) unknown.set(it.label, (unknown.get(it.label) ?? 0) + 1);

    const { evaluation, clips, skipped, calibration } = await evaluateModel(c, scan, {
      ...(o.speakers?.length ? { speakers: o.speakers } : {}),
      calibrate: o.calibrate ?? 'none',
      cacheDir: o.cacheDir ?? null,
      ...(o.signal ? { signal: o.signal } : {}),
      onProgress: (done, total) => o.onProgress?.({ type: 'progress', stage: 'features', done, total }),
    });
    throwIfAborted(o.signal);
    o.onProgress?.({ type: 'progress', stage: 'classify', done: 1, total: 1 });

    // The run whose model this is: the one named, or the one a model folder says made it.
    const runId = ref.runId ?? (typeof c.meta.metrics?.runId === 'string' ? c.meta.metrics.runId : null);
    const recorded = record(o.store, runId, {
      kind: 'evaluate',
      fold: null,
      dataRoot: scan.root,
      labels: c.labels,
      clips,
    });
    const run = ref.runId && o.store ? o.store.getRun(ref.runId) : null;
    const name = run ? run.name : o.model && o.model !== 'default' ? ref.dir : DEFAULT_MODEL_NAME;
    return {
      model: {
        id: ref.runId ?? (o.model && o.model !== 'default' ? ref.dir : 'default'),
        runId: ref.runId,
        name,
        dir: c.dir,
        expectsCalibration: calibrates,
      },
      root: scan.root,
      speakers: o.speakers?.length ? o.speakers : null,
      trainedOn: run ? trainingSpeakers(run) : null,
      evaluation,
      clips,
      refused: skipped.filter((s) => !s.reason.startsWith('label ')),
      unknownLabels: [...unknown].map(([label, n]) => ({ label, clips: n })),
      scanSkipped: scan.skipped.length,
      calibration: calibration ?? null,
      recorded: recorded.ok ? { runId: runId!, evaluationId: recorded.id } : null,
      notRecorded: recorded.ok ? null : recorded.why,
      seconds: Number(((performance.now() - t0) / 1000).toFixed(2)),
    };
  } finally {
    disposeClassifier(c);
  }
}

/** The speakers whose clips trained the run's saved model. */
function trainingSpeakers(run: RunRecord): string[] {
  const all = Object.keys(run.dataset.countsBySpeaker);
  const split = run.config.split;
  return split.kind === 'actors' ? all.filter((s) => !split.testActors.includes(s)) : all;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SerError('Cancelled', 'evaluation cancelled');
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

/** Progress events are frequent (one per clip); the UI needs a few per second. */
const PROGRESS_INTERVAL_MS = 100;

/** Evaluations of this session, one at a time, their events fanned out as `evaluate.event`. */
export class EvaluateJobs {
  private running = new Map<string, AbortController>();

  constructor(private readonly hub: EventHub) {}

  start(
    jobId: string | undefined,
    opts: Omit<EvaluateFolderOptions, 'signal' | 'onProgress'>,
  ): { jobId: string } {
    if (this.running.size > 0) {
      throw new SerError('ValidationError', 'an evaluation is already running; wait for it or cancel it');
    }
    const id = jobId ?? randomUUID();
    const abort = new AbortController();
    this.running.set(id, abort);
    const emit = (event: EvaluateEvent) => this.hub.emit('evaluate.event', { jobId: id, event });
    let last = 0;
    // Started on the next turn, so the caller has its job id before the first event.
    setImmediate(() => {
      evaluateFolder({
        ...opts,
        signal: abort.signal,
        onProgress: (p) => {
          const now = Date.now();
          if (p.done < p.total && p.done > 0 && now - last < PROGRESS_INTERVAL_MS) return;
          last = now;
          emit(p);
        },
      })
        .then(
          (result) => {
            if (result.recorded)
              this.hub.emit('runs.changed', { reason: 'updated', id: result.recorded.runId });
            emit({ type: 'done', result });
          },
          (err: unknown) => {
            const error = toErrorData(err);
            emit(
              abort.signal.aborted || error.code === 'Cancelled'
                ? { type: 'cancelled' }
                : { type: 'error', error },
            );
          },
        )
        .finally(() => this.running.delete(id));
    });
    return { jobId: id };
  }

  cancel(jobId: string): boolean {
    const abort = this.running.get(jobId);
    if (!abort) return false;
    abort.abort();
    return true;
  }

  cancelAll(): void {
    for (const a of this.running.values()) a.abort();
  }
}
