/**
 * The database schema as a list of migrations. `PRAGMA user_version` holds the number of
 * migrations applied; a migration is never edited once released, a new one is appended.
 *
 * v1  runs, epochs, artifacts (the first release)
 * v2  notes on runs, run_tags (user annotations)
 * v3  listing reads small rows only: summary columns maintained on write (epoch_count, uar,
 *     labels_key), the JSON documents (config, dataset, evaluation, fits: ~4 KB a run) moved
 *     to run_details; indexes for the list filters and sorts
 * v4  clip-level results: every evaluation of a run (its test clips, each k-fold fold, each later
 *     `ser evaluate`) with one row per clip (file, speaker, true and predicted label,
 *     probabilities), so a confusion cell or a speaker can list its clips. Older runs have none.
 *     The split (how the test number was measured) as a summary column, so lists show it.
 */
import type Database from 'better-sqlite3';

/** 'SERS' in ASCII: lets us recognise our own files (PRAGMA application_id). */
export const APPLICATION_ID = 0x53455253;

export interface Migration {
  version: number;
  describe: string;
  up: (db: Database.Database) => void;
}

const v1 = `
CREATE TABLE runs (
  id              TEXT PRIMARY KEY,
  name            TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('running','completed','failed','cancelled','interrupted')),
  created_at      TEXT NOT NULL,
  finished_at     TEXT,
  backend         TEXT NOT NULL,
  app_version     TEXT NOT NULL,
  config_json     TEXT NOT NULL,
  dataset_json    TEXT NOT NULL,
  labels_json     TEXT NOT NULL,
  accuracy        REAL,
  macro_f1        REAL,
  evaluation_json TEXT,
  fits_json       TEXT,
  error           TEXT,
  pid             INTEGER,
  host            TEXT,
  heartbeat       INTEGER
);
CREATE INDEX runs_created ON runs (created_at);
CREATE INDEX runs_status ON runs (status, created_at);

CREATE TABLE epochs (
  run_id          TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch           INTEGER NOT NULL,
  train_loss      REAL,             -- NULL: NaN (a diverged epoch is still recorded)
  train_accuracy  REAL,
  val_loss        REAL,
  val_accuracy    REAL,
  seconds         REAL NOT NULL,
  PRIMARY KEY (run_id, epoch)
) WITHOUT ROWID;

CREATE TABLE artifacts (
  run_id          TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  kind            TEXT NOT NULL,
  path            TEXT NOT NULL,
  sha256          TEXT NOT NULL,
  PRIMARY KEY (run_id, kind, path)
);
CREATE INDEX artifacts_path ON artifacts (path);
`;

const v2 = `
ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '';
CREATE TABLE run_tags (
  run_id          TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  tag             TEXT NOT NULL,
  PRIMARY KEY (run_id, tag)
) WITHOUT ROWID;
CREATE INDEX run_tags_tag ON run_tags (tag, run_id);
`;

const v3 = `
ALTER TABLE runs ADD COLUMN epoch_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN uar REAL;
ALTER TABLE runs ADD COLUMN labels_key TEXT NOT NULL DEFAULT '';
UPDATE runs SET
  epoch_count = (SELECT count(*) FROM epochs WHERE epochs.run_id = runs.id),
  uar = json_extract(evaluation_json, '$.uar');

CREATE TABLE run_details (
  run_id          TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  config_json     TEXT NOT NULL,
  dataset_json    TEXT NOT NULL,
  evaluation_json TEXT,
  fits_json       TEXT
);
INSERT INTO run_details (run_id, config_json, dataset_json, evaluation_json, fits_json)
  SELECT id, config_json, dataset_json, evaluation_json, fits_json FROM runs;
ALTER TABLE runs DROP COLUMN config_json;
ALTER TABLE runs DROP COLUMN dataset_json;
ALTER TABLE runs DROP COLUMN evaluation_json;
ALTER TABLE runs DROP COLUMN fits_json;

CREATE INDEX runs_accuracy ON runs (accuracy);
CREATE INDEX runs_macro_f1 ON runs (macro_f1);
CREATE INDEX runs_labels ON runs (labels_key);
`;

const v4 = `
ALTER TABLE runs ADD COLUMN split_json TEXT;
UPDATE runs SET split_json =
  (SELECT json_extract(d.config_json, '$.split') FROM run_details d WHERE d.run_id = runs.id);

CREATE TABLE evaluations (
  id              INTEGER PRIMARY KEY,
  run_id          TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  kind            TEXT NOT NULL CHECK (kind IN ('test','fold','evaluate')),
  fold            INTEGER,
  created_at      TEXT NOT NULL,
  data_root       TEXT,
  labels_json     TEXT NOT NULL,
  n               INTEGER NOT NULL,
  accuracy        REAL
);
CREATE INDEX evaluations_run ON evaluations (run_id, id);

CREATE TABLE clip_results (
  evaluation_id   INTEGER NOT NULL REFERENCES evaluations (id) ON DELETE CASCADE,
  clip            INTEGER NOT NULL,
  path            TEXT NOT NULL,
  speaker         TEXT,
  true_label      TEXT NOT NULL,
  predicted       TEXT NOT NULL,
  probs_json      TEXT NOT NULL,  -- JSON array in the evaluation's label order
  PRIMARY KEY (evaluation_id, clip)
) WITHOUT ROWID;
`;

/** The label set as one comparable string: sorted in JS so writer and migration agree. */
export function labelsKey(labels: readonly string[]): string {
  return JSON.stringify([...new Set(labels)].sort());
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    describe: 'runs, epochs, artifacts',
    up: (db) => {
      db.exec(v1);
      db.pragma(`application_id = ${APPLICATION_ID}`);
    },
  },
  { version: 2, describe: 'notes and tags', up: (db) => db.exec(v2) },
  {
    version: 3,
    describe: 'summary columns and list indexes',
    up: (db) => {
      db.exec(v3);
      const rows = db.prepare('SELECT id, labels_json FROM runs').all() as {
        id: string;
        labels_json: string;
      }[];
      const set = db.prepare('UPDATE runs SET labels_key = ? WHERE id = ?');
      for (const r of rows) set.run(labelsKey(parseLabels(r.labels_json)), r.id);
    },
  },
  { version: 4, describe: 'clip-level evaluation results', up: (db) => db.exec(v4) },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

function parseLabels(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Apply migrations up to `target` in one IMMEDIATE transaction, re-reading the version under
 * the lock so two processes opening an old file at once migrate it once.
 */
export function migrate(db: Database.Database, target = SCHEMA_VERSION): number {
  const run = db.transaction(() => {
    const from = db.pragma('user_version', { simple: true }) as number;
    for (const m of MIGRATIONS) {
      if (m.version <= from || m.version > target) continue;
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }
    return from;
  });
  return run.immediate();
}
