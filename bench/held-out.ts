/**
 * Train on some speakers and evaluate the saved model on others, the way a user would: the
 * model folder is written, loaded back as a Classifier and evaluated with evaluateModel, plain
 * (each clip alone) and, for models that expect it, calibrated per speaker. Shared by
 * bench/accuracy.ts (folds by actor) and bench/robustness.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatasetScan } from '../src/shared/dataset.js';
import type { Evaluation, TrainConfig, TrainEvent } from '../src/shared/training.js';
import { evaluateModel } from '../src/main/inference/evaluate-model.js';
import { expectsCalibration } from '../src/main/inference/calibration.js';
import { disposeClassifier, loadClassifier, type Classifier } from '../src/main/inference/predict.js';
import { trainOnScan } from '../src/main/training/trainer.js';
import { sortSpeakers } from '../src/main/training/splits.js';

/** Only the clips of `speakers` (a development set that keeps other actors unseen). */
export function restrictScan(scan: DatasetScan, speakers: string[] | null): DatasetScan {
  if (!speakers) return scan;
  const keep = new Set(speakers);
  return { ...scan, items: scan.items.filter((it) => it.speaker !== null && keep.has(it.speaker)) };
}

/** "1-16" or "1,2,5" as the scan's speaker ids (zero-padded like RAVDESS's). */
export function parseSpeakerList(spec: string, scan: DatasetScan): string[] {
  const present = sortSpeakers(scan.items.map((it) => it.speaker).filter((s): s is string => s !== null));
  const wanted = new Set<number>();
  for (const part of spec.split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (!Number.isInteger(a) || (b !== undefined && !Number.isInteger(b)))
      throw new Error(`bad speaker list ${spec}`);
    for (let i = a!; i <= (b ?? a!); i++) wanted.add(i);
  }
  return present.filter((s) => wanted.has(Number(s)));
}

/** Speakers in sorted order cut into `folds` consecutive groups (actors 1-4, 5-8, ...). */
export function speakerFolds(scan: DatasetScan, folds: number): string[][] {
  const present = sortSpeakers([
    ...new Set(scan.items.map((it) => it.speaker).filter((s): s is string => s !== null)),
  ]);
  const size = Math.ceil(present.length / folds);
  return Array.from({ length: folds }, (_, f) => present.slice(f * size, (f + 1) * size)).filter(
    (g) => g.length,
  );
}

export interface HeldOutModel {
  classifier: Classifier;
  seconds: number;
  done: () => void;
}

/** Train `config` on every speaker of `scan` but `testSpeakers` (validation: 15 % of the rest) and load the saved folder. */
export async function trainHeldOut(
  scan: DatasetScan,
  config: TrainConfig,
  testSpeakers: string[],
  opts: { cacheDir: string | null; onEvent?: (e: TrainEvent) => void },
): Promise<HeldOutModel> {
  const dir = mkdtempSync(join(tmpdir(), 'ser-heldout-'));
  const r = await trainOnScan(
    scan,
    { ...config, split: { kind: 'actors', testActors: testSpeakers, valFraction: 0.15 } },
    { cacheDir: opts.cacheDir, modelDir: join(dir, 'model'), saveModel: true, onEvent: opts.onEvent },
  );
  if (r.status !== 'completed' || !r.modelDir) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`training failed: ${r.status} ${r.error?.message ?? ''}`);
  }
  const classifier = await loadClassifier(r.modelDir);
  return {
    classifier,
    seconds: r.seconds,
    done: () => {
      disposeClassifier(classifier);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The ensemble (`member` null) or one member alone. */
export function memberOf(c: Classifier, member: number | null): Classifier {
  return member === null ? c : { ...c, members: [c.members[member]!] };
}

export interface HeldOutEval {
  plain: Evaluation;
  /** Each speaker's clips calibrate that speaker; null for models that need no calibration. */
  calibrated: Evaluation | null;
}

export async function evaluateHeldOut(
  c: Classifier,
  scan: DatasetScan,
  speakers: string[],
  cacheDir: string | null,
): Promise<HeldOutEval> {
  const plain = (await evaluateModel(c, scan, { speakers, cacheDir, calibrate: 'none' })).evaluation;
  const calibrated = expectsCalibration(c.meta)
    ? (await evaluateModel(c, scan, { speakers, cacheDir, calibrate: 'speaker' })).evaluation
    : null;
  return { plain, calibrated };
}

export type Json = Record<string, unknown>;

/** A `--patch` JSON object merged into a config: objects field by field, anything else replaced. */
export function mergePatch<T>(base: T, patch: Json | undefined): T {
  if (!patch) return base;
  const out: Json = { ...(base as Json) };
  for (const [k, v] of Object.entries(patch)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? mergePatch(b, v as Json)
        : v;
  }
  return out as T;
}
