/**
 * Clip-level evaluation rows (schema v4): one `evaluations` row per evaluation of a run and one
 * `clip_results` row per clip. Plain functions over a connection; the caller holds the transaction.
 */
import type Database from 'better-sqlite3';
import type { ClipEvaluation, ClipEvaluationInput } from '../../shared/clips.js';

interface EvaluationRow {
  id: number;
  kind: ClipEvaluation['kind'];
  fold: number | null;
  created_at: string;
  data_root: string | null;
  labels_json: string;
}

type ClipRow = [number, string, string | null, string, string, string];

/** Insert one evaluation and its clips; returns the evaluation's id. */
export function insertClipEvaluation(
  db: Database.Database,
  runId: string,
  e: ClipEvaluationInput,
  createdAt = new Date().toISOString(),
): number {
  const correct = e.clips.filter((c) => c.predicted === c.label).length;
  const { lastInsertRowid } = db
    .prepare(
      `INSERT INTO evaluations (run_id, kind, fold, created_at, data_root, labels_json, n, accuracy)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      runId,
      e.kind,
      e.fold,
      createdAt,
      e.dataRoot,
      JSON.stringify(e.labels),
      e.clips.length,
      e.clips.length ? correct / e.clips.length : null,
    );
  const id = Number(lastInsertRowid);
  const ins = db.prepare(
    `INSERT INTO clip_results (evaluation_id, clip, path, speaker, true_label, predicted, probs_json)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  e.clips.forEach((c, i) =>
    ins.run(
      id,
      i,
      c.path,
      c.speaker,
      c.label,
      c.predicted,
      // Four decimals are plenty to show and rank; a 1200-clip k-fold run stays ~60 KB.
      JSON.stringify(c.probabilities.map((p) => Math.round(p * 1e4) / 1e4)),
    ),
  );
  return id;
}

/** Every evaluation of a run with its clips, oldest first (test or folds, then later evaluations). */
export function readClipEvaluations(db: Database.Database, runId: string): ClipEvaluation[] {
  const evals = db
    .prepare(
      'SELECT id, kind, fold, created_at, data_root, labels_json FROM evaluations WHERE run_id = ? ORDER BY id',
    )
    .all(runId) as EvaluationRow[];
  const clipsOf = db
    .prepare(
      `SELECT clip, path, speaker, true_label, predicted, probs_json FROM clip_results
       WHERE evaluation_id = ? ORDER BY clip`,
    )
    .raw(true);
  return evals.map((e) => ({
    id: e.id,
    kind: e.kind,
    fold: e.fold,
    createdAt: e.created_at,
    dataRoot: e.data_root,
    labels: JSON.parse(e.labels_json) as string[],
    clips: (clipsOf.all(e.id) as ClipRow[]).map(([, path, speaker, label, predicted, probs]) => ({
      path,
      speaker,
      label,
      predicted,
      probabilities: JSON.parse(probs) as number[],
    })),
  }));
}
