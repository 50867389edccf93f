/** SQL that is built rather than fixed: the list query from a filter, and inserting a whole run. */
import type Database from 'better-sqlite3';
import type { RunArtifact, RunFilter, RunRecord } from '../../shared/runs.js';
import type { EpochMetrics } from '../../shared/training.js';
import { LIST_COLUMNS, finiteOrNull } from './rows.js';
import { labelsKey } from './schema.js';

/** One SELECT over the small runs rows; status, tag, label set and metric filters use indexes. */
export function listQuery(f: RunFilter): { sql: string; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.status?.length) {
    where.push(`r.status IN (${f.status.map(() => '?').join(', ')})`);
    args.push(...f.status);
  }
  if (f.tag !== undefined) {
    where.push('r.id IN (SELECT run_id FROM run_tags WHERE tag = ?)');
    args.push(f.tag.trim());
  }
  if (f.labels) {
    where.push('r.labels_key = ?');
    args.push(labelsKey(f.labels));
  }
  const metricCol = f.metric === 'macroF1' ? 'r.macro_f1' : 'r.accuracy';
  if (f.min !== undefined) {
    where.push(`${metricCol} >= ?`);
    args.push(f.min);
  }
  if (f.max !== undefined) {
    where.push(`${metricCol} <= ?`);
    args.push(f.max);
  }
  if (f.search) {
    where.push('(instr(lower(r.name), ?) > 0 OR instr(lower(r.notes), ?) > 0)');
    args.push(f.search.toLowerCase(), f.search.toLowerCase());
  }
  const dir = f.order === 'asc' ? 'ASC' : f.order === 'desc' ? 'DESC' : f.sort === 'name' ? 'ASC' : 'DESC';
  const sortCol = {
    createdAt: 'r.created_at',
    name: 'r.name COLLATE NOCASE',
    accuracy: 'r.accuracy',
    macroF1: 'r.macro_f1',
  }[f.sort ?? 'createdAt'];
  // Runs without a metric go last whichever way the list is sorted.
  const nulls = f.sort === 'accuracy' || f.sort === 'macroF1' ? `${sortCol} IS NULL, ` : '';
  const sql =
    `SELECT ${LIST_COLUMNS} FROM runs r` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY ${nulls}${sortCol} ${dir}, r.rowid ${dir} LIMIT ? OFFSET ?`;
  args.push(f.limit ?? -1, f.offset ?? 0);
  return { sql, args };
}

/** Tags of the listed runs in one query (ids passed as one JSON array), sorted per run. */
export const TAGS_OF_IDS = `SELECT run_id, tag FROM run_tags
  WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, tag`;

/** One epoch row; its arguments come from `epochArgs`. */
export const INSERT_EPOCH = `INSERT INTO epochs (run_id, epoch, train_loss, train_accuracy, val_loss, val_accuracy, seconds)
  VALUES (?, ?, ?, ?, ?, ?, ?)`;

/** INSERT_EPOCH's arguments: a diverged (NaN/Infinity) training metric is stored as NULL. */
export function epochArgs(runId: string, m: EpochMetrics): unknown[] {
  return [
    runId,
    m.epoch,
    finiteOrNull(m.trainLoss),
    finiteOrNull(m.trainAccuracy),
    m.valLoss,
    m.valAccuracy,
    m.seconds,
  ];
}

/** Insert a complete run (an import): row, details, tags, epochs and artifacts. Call inside a transaction. */
export function insertRun(db: Database.Database, run: RunRecord, artifacts: RunArtifact[]): void {
  const e = run.evaluation;
  db.prepare(
    `INSERT INTO runs (id, name, notes, status, created_at, finished_at, backend, app_version, labels_json,
       labels_key, accuracy, macro_f1, uar, error, pid, host, heartbeat, epoch_count, split_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    run.id,
    run.name,
    run.notes,
    run.status,
    run.createdAt,
    run.finishedAt,
    run.backend,
    run.appVersion,
    JSON.stringify(run.labels),
    labelsKey(run.labels),
    e ? finiteOrNull(e.accuracy) : run.accuracy,
    e ? finiteOrNull(e.macroF1) : run.macroF1,
    e ? finiteOrNull(e.uar) : run.uar,
    run.error,
    run.pid,
    run.host,
    run.heartbeatAt === null ? null : Date.parse(run.heartbeatAt),
    run.metrics.length,
    JSON.stringify(run.config.split),
  );
  db.prepare(
    'INSERT INTO run_details (run_id, config_json, dataset_json, evaluation_json, fits_json) VALUES (?, ?, ?, ?, ?)',
  ).run(
    run.id,
    JSON.stringify(run.config),
    JSON.stringify(run.dataset),
    e ? JSON.stringify(e) : null,
    run.fits.length ? JSON.stringify(run.fits) : null,
  );
  const tag = db.prepare('INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)');
  for (const t of run.tags) tag.run(run.id, t);
  const ep = db.prepare(INSERT_EPOCH);
  for (const m of run.metrics) ep.run(...epochArgs(run.id, m));
  const ins = db.prepare('INSERT INTO artifacts (run_id, kind, path, sha256) VALUES (?, ?, ?, ?)');
  for (const a of artifacts) ins.run(run.id, a.kind, a.path, a.sha256);
}
