/**
 * The experiment store: every run in one SQLite file. Writes are short IMMEDIATE transactions
 * (one per epoch, as training produces them), so a reader in another process never waits long
 * and a killed writer leaves only whole epochs behind.
 */
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { writeError } from '../util/fs-error.js';
import { dirname, join, resolve } from 'node:path';
import { SerError } from '../../shared/errors.js';
import { looksLikeRunId } from '../../shared/runs.js';
import type {
  CreateRunInput,
  DeleteRunResult,
  ExportRunResult,
  FinishRunInput,
  RunArtifact,
  RunComparison,
  RunFilter,
  RunRecord,
  RunSummary,
  UpdateRunInput,
} from '../../shared/runs.js';
import type { EpochMetrics } from '../../shared/training.js';
import { artifactSha256, isInside, keepReason } from './artifacts.js';
import type { ClipEvaluation, ClipEvaluationInput } from '../../shared/clips.js';
import { insertClipEvaluation, readClipEvaluations } from './clips.js';
import { compareRecords } from './compare.js';
import { guard } from './errors.js';
import { DEFAULT_STALE_AFTER_MS, HOST, deathReason, type RunningRow } from './liveness.js';
import { openDatabase } from './open.js';
import { findOrphans, removeOrphans, type Orphan } from './orphans.js';
import { INSERT_EPOCH, TAGS_OF_IDS, epochArgs, insertRun, listQuery } from './queries.js';
import { type EpochRow, type RunRow, SUMMARY_COLUMNS, finiteOrNull, toRecord, toSummaries } from './rows.js';
import { SCHEMA_VERSION, labelsKey } from './schema.js';
import { readExport, writeExport } from './transfer.js';
import {
  clipEvaluationSchema,
  createRunSchema,
  epochSchema,
  filterSchema,
  finishRunSchema,
  parseOrThrow,
  updateRunSchema,
} from './validate.js';

export interface OpenStoreOptions {
  /** Open without writing anything (no recovery, no upgrade). */
  readonly?: boolean;
  /** Recorded in every new run; the app passes app.getVersion(). */
  appVersion?: string;
  /** Where trained and imported model folders go; default `models/` beside the database. */
  modelsDir?: string;
  /** A 'running' run without a heartbeat for this long is marked interrupted on open. */
  staleAfterMs?: number;
  busyTimeoutMs?: number;
  /** Cap the database size in pages (tests simulate a full disk with it). */
  maxPageCount?: number;
}

export interface StoreInfo {
  file: string;
  schemaVersion: number;
  foundVersion: number;
  backupPath: string | null;
  readonly: boolean;
  readonlyReason: string | null;
  journalMode: string;
  foreignKeys: boolean;
  synchronous: 'off' | 'normal' | 'full' | 'extra' | 'unknown';
  busyTimeoutMs: number;
  modelsDir: string;
}

const short = (id: string): string => id.slice(0, 8);

/**
 * How long a training run's own writes (epochs, heartbeat, finish) keep retrying a busy database
 * before giving up: another process holding the lock for a minute must not lose an hour's run.
 */
export const TRAINING_WRITE_PATIENCE_MS = 120_000;

export class RunStore {
  readonly file: string;
  readonly readonly: boolean;
  readonly readonlyReason: string | null;
  readonly modelsDir: string;
  readonly schemaVersion = SCHEMA_VERSION;
  /** Schema version the file had when opened (0: new file). */
  readonly foundVersion: number;
  readonly backupPath: string | null;
  /** Runs this open marked 'interrupted'. */
  readonly recovered: string[];
  /** Leftover folders this open removed from the models folder (see orphans.ts). */
  readonly cleaned: Orphan[];
  private readonly db: Database.Database;
  private readonly appVersion: string;
  private readonly staleAfterMs: number;
  private readonly stmts = new Map<string, Database.Statement>();

  constructor(file: string, opts: OpenStoreOptions = {}) {
    const opened = openDatabase(file, { readonly: opts.readonly, busyTimeoutMs: opts.busyTimeoutMs });
    this.db = opened.db;
    this.file = opened.file;
    this.readonly = opened.readonly;
    this.readonlyReason = opened.readonlyReason;
    this.foundVersion = opened.foundVersion;
    this.backupPath = opened.backupPath;
    this.modelsDir = resolve(opts.modelsDir ?? join(dirname(this.file), 'models'));
    this.appVersion = opts.appVersion ?? 'unknown';
    this.staleAfterMs = opts.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    if (opts.maxPageCount !== undefined) this.db.pragma(`max_page_count = ${Math.floor(opts.maxPageCount)}`);
    try {
      this.recovered = this.readonly ? [] : this.recoverInterrupted();
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.cleaned = this.readonly ? [] : this.cleanModelsFolder();
  }

  /** Remove leftovers of killed saves and imports from the models folder (after recovery). */
  cleanModelsFolder(): Orphan[] {
    const runOf = this.stmt('SELECT status FROM runs WHERE id = ?');
    const artifacts = this.stmt('SELECT path FROM artifacts WHERE run_id = ?');
    return removeOrphans(
      findOrphans(this.modelsDir, (id, path) => {
        const row = runOf.get(id) as { status: string } | undefined;
        if (!row) return 'none';
        if (row.status === 'running') return 'running';
        // Imported runs record files inside the folder; a trained run records the folder itself.
        const paths = artifacts.all(id) as { path: string }[];
        return paths.some((a) => isInside(resolve(a.path), path)) ? 'recorded' : 'unrecorded';
      }),
    );
  }

  private stmt(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /** Run `fn` in an IMMEDIATE transaction (takes the write lock up front, so no upgrade deadlock). */
  private write<T>(action: string, fn: () => T, patienceMs = 0): T {
    if (this.readonly) {
      throw new SerError(
        'StoreError',
        `database is open read-only (${this.readonlyReason}), writes are disabled: could not ${action}: ${this.file}`,
        this.file,
      );
    }
    const deadline = Date.now() + patienceMs;
    for (;;) {
      try {
        return this.db.transaction(fn).immediate();
      } catch (err) {
        // SQLite already waited busy_timeout; a training run keeps waiting until its deadline
        // rather than lose the run to a reader or writer that holds the lock for a while.
        const code = (err as { code?: unknown }).code;
        const busy =
          typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
        if (!busy || Date.now() >= deadline)
          return guard(this.file, action, () => {
            throw err;
          });
      }
    }
  }

  private read<T>(action: string, fn: () => T): T {
    return guard(this.file, action, fn);
  }

  private statusOf(id: string): { status: string; pid: number | null; host: string | null } {
    const row = this.stmt('SELECT status, pid, host FROM runs WHERE id = ?').get(id) as
      { status: string; pid: number | null; host: string | null } | undefined;
    if (!row) throw new SerError('NotFound', `no run ${id} in ${this.file}`, this.file);
    return row;
  }

  createRun(input: CreateRunInput): string {
    const v = parseOrThrow<CreateRunInput>(createRunSchema, input, 'run');
    const id = randomUUID();
    const now = Date.now();
    const labels = v.config.labels;
    this.write(`create run '${v.name}'`, () => {
      this.stmt(
        `INSERT INTO runs (id, name, notes, status, created_at, backend, app_version, labels_json, labels_key,
           pid, host, heartbeat, split_json)
         VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        id,
        v.name,
        v.notes ?? '',
        new Date(now).toISOString(),
        v.backend,
        this.appVersion,
        JSON.stringify(labels),
        labelsKey(labels),
        process.pid,
        HOST,
        now,
        JSON.stringify(v.config.split),
      );
      this.stmt('INSERT INTO run_details (run_id, config_json, dataset_json) VALUES (?, ?, ?)').run(
        id,
        JSON.stringify(v.config),
        JSON.stringify(v.dataset),
      );
      this.setTags(id, v.tags ?? []);
    });
    return id;
  }

  private setTags(id: string, tags: string[]): void {
    this.stmt('DELETE FROM run_tags WHERE run_id = ?').run(id);
    const ins = this.stmt('INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)');
    for (const t of tags) ins.run(id, t.trim());
  }

  /**
   * Writes to a run need it to be running. One exception: a run marked interrupted while its
   * process was alive after all (a heartbeat gap longer than staleAfterMs) is running again as
   * soon as that same process writes to it, so a false alarm never breaks a live training.
   */
  private requireRunning(id: string, action: string): void {
    const { status, pid, host } = this.statusOf(id);
    if (status === 'running') return;
    if (status === 'interrupted' && pid === process.pid && host === HOST) {
      this.stmt("UPDATE runs SET status = 'running', finished_at = NULL, error = NULL WHERE id = ?").run(id);
      return;
    }
    throw new SerError(
      'StoreError',
      `run ${short(id)} is ${status}, not running: could not ${action}`,
      this.file,
    );
  }

  /** One epoch, one transaction. Refused unless the run is running and the epoch comes after the last. */
  appendEpoch(id: string, metrics: EpochMetrics): void {
    const m = parseOrThrow<EpochMetrics>(epochSchema, metrics, 'epoch metrics');
    const action = `save epoch ${m.epoch} of run ${short(id)}`;
    this.write(
      action,
      () => {
        this.requireRunning(id, action);
        const last = this.stmt('SELECT max(epoch) AS e FROM epochs WHERE run_id = ?').get(id) as {
          e: number | null;
        };
        if (last.e !== null && m.epoch <= last.e) {
          // k-fold training numbers epochs on across folds, so every epoch of a run is unique.
          throw new SerError(
            'StoreError',
            `epoch ${m.epoch} of run ${short(id)} does not come after epoch ${last.e}: refused (epochs must increase)`,
            this.file,
          );
        }
        this.stmt(INSERT_EPOCH).run(...epochArgs(id, m));
        this.stmt('UPDATE runs SET epoch_count = epoch_count + 1, heartbeat = ? WHERE id = ?').run(
          Date.now(),
          id,
        );
      },
      TRAINING_WRITE_PATIENCE_MS,
    );
  }

  /** Tell readers the training process is alive (between epochs that take long). */
  heartbeat(id: string): void {
    this.write(
      `update the heartbeat of run ${short(id)}`,
      () => {
        this.requireRunning(id, 'update the heartbeat');
        this.stmt('UPDATE runs SET heartbeat = ? WHERE id = ?').run(Date.now(), id);
      },
      TRAINING_WRITE_PATIENCE_MS,
    );
  }

  /** Heartbeat on a timer until the returned function is called (or the run stops running). */
  keepAlive(id: string, intervalMs = 30_000): () => void {
    const timer = setInterval(() => {
      try {
        this.heartbeat(id);
      } catch {
        clearInterval(timer);
      }
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Status, final evaluation and artifacts in one transaction; only a running run can finish. */
  finishRun(id: string, input: FinishRunInput): void {
    const v = parseOrThrow<FinishRunInput>(finishRunSchema, input, 'run result');
    // Hash outside the transaction: a large model folder must not hold the write lock.
    const artifacts: RunArtifact[] = (v.artifacts ?? []).map((a) => {
      const path = resolve(a.path);
      if (a.sha256) return { kind: a.kind, path, sha256: a.sha256 };
      if (!existsSync(path))
        throw new SerError('StoreError', `artifact not found, cannot checksum it: ${path}`, path);
      return { kind: a.kind, path, sha256: artifactSha256(path) };
    });
    const e = v.evaluation;
    const action = `finish run ${short(id)} as ${v.status}`;
    this.write(
      action,
      () => {
        this.requireRunning(id, action);
        this.stmt(
          `UPDATE runs SET status = ?, finished_at = ?, heartbeat = ?, accuracy = ?, macro_f1 = ?, uar = ?, error = ?
         WHERE id = ?`,
        ).run(
          v.status,
          new Date().toISOString(),
          Date.now(),
          e ? finiteOrNull(e.accuracy) : null,
          e ? finiteOrNull(e.macroF1) : null,
          e ? finiteOrNull(e.uar) : null,
          v.error ?? null,
          id,
        );
        this.stmt('UPDATE run_details SET evaluation_json = ?, fits_json = ? WHERE run_id = ?').run(
          e ? JSON.stringify(e) : null,
          v.fits ? JSON.stringify(v.fits) : null,
          id,
        );
        const ins = this.stmt(
          'INSERT OR REPLACE INTO artifacts (run_id, kind, path, sha256) VALUES (?, ?, ?, ?)',
        );
        for (const a of artifacts) ins.run(id, a.kind, a.path, a.sha256);
        for (const c of v.clipEvaluations ?? []) insertClipEvaluation(this.db, id, c);
        if (v.dataset) {
          this.stmt('UPDATE run_details SET dataset_json = ? WHERE run_id = ?').run(
            JSON.stringify(v.dataset),
            id,
          );
        }
      },
      TRAINING_WRITE_PATIENCE_MS,
    );
  }

  /**
   * Record a later evaluation of a run's model (`ser evaluate`, the app's "evaluate this folder")
   * with its clips; returns it as stored. Any finished run may get more evaluations.
   */
  addEvaluation(id: string, input: ClipEvaluationInput): ClipEvaluation {
    const v = parseOrThrow<ClipEvaluationInput>(clipEvaluationSchema, input, 'evaluation');
    const action = `record an evaluation of run ${short(id)}`;
    const evalId = this.write(action, () => {
      this.statusOf(id);
      return insertClipEvaluation(this.db, id, v);
    });
    const stored = this.getClipEvaluations(id).find((e) => e.id === evalId);
    if (!stored) throw new SerError('StoreError', `evaluation vanished after ${action}`, this.file);
    return stored;
  }

  /** Every clip-level evaluation of a run, oldest first (none for runs recorded before schema v4). */
  getClipEvaluations(id: string): ClipEvaluation[] {
    return this.read(`read the clip results of run ${short(id)}`, () => {
      this.statusOf(id);
      return readClipEvaluations(this.db, id);
    });
  }

  /** Mark runs whose process is gone as interrupted; returns their ids. Called on open. */
  recoverInterrupted(now = Date.now()): string[] {
    // Look before taking the write lock: most opens find nothing running.
    const running = this.read('look for crashed runs', () =>
      this.stmt("SELECT count(*) AS n FROM runs WHERE status = 'running'").get(),
    ) as { n: number };
    if (running.n === 0) return [];
    return this.write('mark crashed runs as interrupted', () => {
      const rows = this.stmt(
        "SELECT id, pid, host, heartbeat FROM runs WHERE status = 'running'",
      ).all() as RunningRow[];
      const done: string[] = [];
      for (const row of rows) {
        const reason = deathReason(row, now, this.staleAfterMs);
        if (!reason) continue;
        const last = row.heartbeat === null ? null : new Date(row.heartbeat).toISOString();
        this.stmt(
          "UPDATE runs SET status = 'interrupted', finished_at = ?, error = ? WHERE id = ? AND status = 'running'",
        ).run(last, `interrupted: ${reason}`, row.id);
        done.push(row.id);
      }
      return done;
    });
  }

  listRuns(filter: RunFilter = {}): RunSummary[] {
    const f = parseOrThrow<RunFilter>(filterSchema, filter, 'run filter');
    const { sql, args } = listQuery(f);
    return this.read('list runs', () => {
      const rows = this.stmt(sql)
        .raw(true)
        .all(...args) as unknown[][];
      const tags = new Map<string, string[]>();
      if (rows.length > 0) {
        const ids = JSON.stringify(rows.map((r) => r[0]));
        for (const [id, tag] of this.stmt(TAGS_OF_IDS).raw(true).all(ids) as [string, string][]) {
          const list = tags.get(id);
          if (list) list.push(tag);
          else tags.set(id, [tag]);
        }
      }
      return toSummaries(rows, tags);
    });
  }

  getRun(id: string): RunRecord {
    return this.read(`read run ${short(id)}`, () => {
      const row = this.stmt(
        `SELECT ${SUMMARY_COLUMNS}, r.*, d.* FROM runs r JOIN run_details d ON d.run_id = r.id WHERE r.id = ?`,
      ).get(id) as RunRow | undefined;
      if (!row) throw new SerError('NotFound', `no run ${id} in ${this.file}`, this.file);
      const epochs = this.stmt(
        `SELECT epoch, train_loss, train_accuracy, val_loss, val_accuracy, seconds
         FROM epochs WHERE run_id = ? ORDER BY epoch`,
      ).all(id) as EpochRow[];
      const artifacts = this.stmt(
        'SELECT kind, path, sha256 FROM artifacts WHERE run_id = ? ORDER BY rowid',
      ).all(id) as RunArtifact[];
      return toRecord(row, epochs, artifacts);
    });
  }

  /**
   * Artifacts of many runs in one query (newest run first), e.g. every run that has a model,
   * without reading each run's epochs.
   */
  listArtifacts(kind?: RunArtifact['kind']): (RunArtifact & { runId: string })[] {
    return this.read('list artifacts', () =>
      this.stmt(
        `SELECT a.run_id AS runId, a.kind, a.path, a.sha256 FROM artifacts a JOIN runs r ON r.id = a.run_id
         WHERE @kind IS NULL OR a.kind = @kind ORDER BY r.created_at DESC, r.rowid DESC, a.rowid`,
      ).all({ kind: kind ?? null }),
    ) as (RunArtifact & { runId: string })[];
  }

  /** A full id or a unique prefix of at least 4 characters, like git. */
  resolveId(ref: string): string {
    const p = ref.trim().toLowerCase();
    if (!looksLikeRunId(p)) {
      throw new SerError('ValidationError', `not a run id (give at least 4 hex digits of it): '${ref}'`);
    }
    const hits = this.read('find run', () =>
      this.stmt('SELECT id FROM runs WHERE id GLOB ? ORDER BY id LIMIT 6').all(`${p}*`),
    ) as { id: string }[];
    if (hits.length === 1) return hits[0]!.id;
    if (hits.length === 0)
      throw new SerError('NotFound', `no run matches '${ref}' in ${this.file}`, this.file);
    const some = hits.slice(0, 5).map((h) => h.id);
    const more = hits.length > 5 ? ', …' : '';
    throw new SerError(
      'ValidationError',
      `'${ref}' matches several runs (${some.join(', ')}${more}); give more characters`,
    );
  }

  compareRuns(ids: string[]): RunComparison {
    const unique = [...new Set(ids)];
    if (unique.length < 2) throw new SerError('ValidationError', 'compare needs at least two different runs');
    return compareRecords(unique.map((id) => this.getRun(id)));
  }

  updateRun(id: string, patch: UpdateRunInput): RunRecord {
    const v = parseOrThrow<UpdateRunInput>(updateRunSchema, patch, 'run update');
    this.write(`update run ${short(id)}`, () => {
      this.statusOf(id);
      if (v.name !== undefined) this.stmt('UPDATE runs SET name = ? WHERE id = ?').run(v.name, id);
      if (v.notes !== undefined) this.stmt('UPDATE runs SET notes = ? WHERE id = ?').run(v.notes, id);
      if (v.tags !== undefined) this.setTags(id, v.tags);
    });
    return this.getRun(id);
  }

  /**
   * Remove the run (epochs, tags and artifact rows go with it). With `artifacts: true` its files
   * are deleted too, where keepReason allows and no other run records the same path.
   */
  deleteRun(id: string, opts: { artifacts?: boolean } = {}): DeleteRunResult {
    const run = this.getRun(id);
    if (run.status === 'running') {
      const where = run.host === HOST ? '' : ` on ${run.host}`;
      throw new SerError(
        'StoreError',
        `run ${short(id)} is still running (process ${run.pid}${where}); stop it before deleting`,
        this.file,
      );
    }
    this.write(`delete run ${short(id)}`, () => this.stmt('DELETE FROM runs WHERE id = ?').run(id));
    const result: DeleteRunResult = { id, removed: [], kept: [] };
    const shared = this.stmt('SELECT count(*) AS n FROM artifacts WHERE path = ?');
    for (const a of run.artifacts) {
      if (!opts.artifacts) {
        result.kept.push({ path: a.path, reason: 'kept on request' });
        continue;
      }
      const inUse = (shared.get(a.path) as { n: number }).n > 0;
      const reason = inUse
        ? 'recorded by another run'
        : keepReason(a.path, { managed: [this.modelsDir], protect: [this.file] });
      if (reason) {
        result.kept.push({ path: a.path, reason });
        continue;
      }
      try {
        rmSync(a.path, { recursive: true, force: true });
        result.removed.push(a.path);
      } catch (err) {
        result.kept.push({
          path: a.path,
          reason: `could not delete (${(err as NodeJS.ErrnoException).code})`,
        });
      }
    }
    // The run's own folder goes too when it was never recorded (killed while saving).
    const own = join(this.modelsDir, id);
    if (opts.artifacts && existsSync(own) && !run.artifacts.some((a) => isInside(resolve(a.path), own))) {
      rmSync(own, { recursive: true, force: true });
      result.removed.push(own);
    }
    return result;
  }

  exportRun(id: string, dir: string): ExportRunResult {
    const run = this.getRun(id);
    if (run.status === 'running') {
      throw new SerError(
        'StoreError',
        `run ${short(id)} is still running; export it when it has finished`,
        this.file,
      );
    }
    return writeExport(run, dir, this.getClipEvaluations(id));
  }

  /**
   * Import an exported run under its own id (so the same run is recognisable on every machine);
   * importing a run that is already here is refused. Artifacts are copied to `<modelsDir>/<id>/`.
   */
  importRun(dir: string): RunRecord {
    const { doc, dir: from } = readExport(dir);
    const run = doc.run;
    const exists = this.read('check run', () => this.stmt('SELECT 1 FROM runs WHERE id = ?').get(run.id));
    if (exists) {
      throw new SerError(
        'StoreError',
        `run ${run.id} ('${run.name}') is already in ${this.file}; delete it there first to import it again`,
        this.file,
      );
    }
    const target = join(this.modelsDir, run.id);
    const artifacts: RunArtifact[] = doc.files.map((f) => ({
      kind: f.kind,
      path: join(target, f.path),
      sha256: f.sha256,
    }));
    // Copied into a temp folder named for this process, then renamed: another process opening the
    // store meanwhile sees a live temp folder, never a model folder without a run (an orphan).
    const tmp = join(this.modelsDir, `.${run.id}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`);
    try {
      if (artifacts.length) {
        // A folder named after a run id that is not in the database is a leftover of a failed import.
        rmSync(target, { recursive: true, force: true });
        mkdirSync(tmp, { recursive: true });
        doc.files.forEach((f) => cpSync(join(from, f.path), join(tmp, f.path), { recursive: true }));
        renameSync(tmp, target);
      }
      // A run exported while running can never resume here.
      const status = run.status === 'running' ? 'interrupted' : run.status;
      this.write(`import run ${short(run.id)}`, () => {
        insertRun(this.db, { ...run, status }, artifacts);
        for (const e of doc.clipEvaluations ?? []) insertClipEvaluation(this.db, run.id, e, e.createdAt);
      });
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      rmSync(target, { recursive: true, force: true });
      if (err instanceof SerError) throw err;
      // "disk full: could not import the model (nothing imported) at <target>"
      throw writeError(err, 'import the model (nothing imported)', target);
    }
    return this.getRun(run.id);
  }

  /** How the connection is set up, for diagnostics (`ser runs` notes, tests). */
  info(): StoreInfo {
    return this.read('read settings', () => ({
      file: this.file,
      schemaVersion: this.db.pragma('user_version', { simple: true }) as number,
      foundVersion: this.foundVersion,
      backupPath: this.backupPath,
      readonly: this.readonly,
      readonlyReason: this.readonlyReason,
      journalMode: this.db.pragma('journal_mode', { simple: true }) as string,
      foreignKeys: this.db.pragma('foreign_keys', { simple: true }) === 1,
      synchronous:
        (['off', 'normal', 'full', 'extra'] as const)[
          this.db.pragma('synchronous', { simple: true }) as number
        ] ?? 'unknown',
      busyTimeoutMs: this.db.pragma('busy_timeout', { simple: true }) as number,
      modelsDir: this.modelsDir,
    }));
  }

  /** `['ok']` when the file is sound (PRAGMA integrity_check). */
  integrityCheck(): string[] {
    return this.read('check integrity', () =>
      (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check),
    );
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export function openStore(file: string, opts: OpenStoreOptions = {}): RunStore {
  return new RunStore(file, opts);
}
