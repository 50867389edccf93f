import Database from 'better-sqlite3';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SerError } from '../../src/shared/errors.js';
import { MIGRATIONS, SCHEMA_VERSION, openStore } from '../../src/main/store/index.js';
import {
  LABELS,
  sampleConfig,
  sampleDataset,
  sampleEpoch,
  sampleEvaluation,
} from './fixtures/store-sample.js';
import { RUN_A, RUN_B, makeOldDb, raw, sha, tempDir } from './fixtures/store-helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir('schema')));
afterEach(() => cleanup());

describe('store schema and migrations', () => {
  it('creates the latest schema in a new file with WAL, foreign keys, NORMAL sync and a busy timeout', () => {
    const file = join(dir, 'sub', 'folder', 'ser.sqlite');
    const store = openStore(file);
    const info = store.info();
    store.close();
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(3);
    expect(info).toMatchObject({
      schemaVersion: SCHEMA_VERSION,
      foundVersion: 0,
      backupPath: null,
      readonly: false,
      journalMode: 'wal',
      foreignKeys: true,
      synchronous: 'normal',
      busyTimeoutMs: 5000,
      modelsDir: join(dir, 'sub', 'folder', 'models'),
    });
    expect(raw(file, (db) => db.pragma('application_id', { simple: true }))).toBe(0x53455253);
  });

  it('initialises an existing empty (0-byte) file', () => {
    const file = join(dir, 'empty.sqlite');
    writeFileSync(file, '');
    const store = openStore(file);
    expect(store.info().schemaVersion).toBe(SCHEMA_VERSION);
    expect(store.listRuns()).toEqual([]);
    store.close();
  });

  for (const from of MIGRATIONS.map((m) => m.version).filter((v) => v < SCHEMA_VERSION)) {
    it(`upgrades a v${from} database with data, after backing it up to .bak-v${from}`, () => {
      const file = join(dir, `v${from}.sqlite`);
      makeOldDb(file, from);
      const store = openStore(file, { appVersion: 'new' });
      expect(store.foundVersion).toBe(from);
      expect(store.backupPath).toBe(`${file}.bak-v${from}`);
      expect(store.info().schemaVersion).toBe(SCHEMA_VERSION);

      // The backup is a consistent copy of the old file, WAL content included.
      const backup = raw(
        store.backupPath!,
        (db) => ({
          version: db.pragma('user_version', { simple: true }),
          runs: (db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n,
          epochs: (db.prepare('SELECT count(*) AS n FROM epochs').get() as { n: number }).n,
          integrity: db.pragma('integrity_check', { simple: true }),
        }),
        true,
      );
      expect(backup).toEqual({ version: from, runs: 2, epochs: 10, integrity: 'ok' });

      const a = store.getRun(RUN_A);
      expect(a.name).toBe('old completed');
      expect(a.appVersion).toBe('0.0.1');
      expect(a.config).toEqual(sampleConfig());
      expect(a.dataset).toEqual(sampleDataset());
      expect(a.evaluation).toEqual(sampleEvaluation(LABELS, 28));
      expect(a.fits).toEqual([{ series: 'trainLoss', coefficients: [1, -0.1, 0.01] }]);
      expect(a.metrics.map((m) => m.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(a.metrics[6]).toEqual(sampleEpoch(7));
      expect(a.artifacts).toEqual([{ kind: 'model', path: '/models/old', sha256: 'b'.repeat(64) }]);
      // Backfilled summary columns.
      expect(a.epochs).toBe(7);
      expect(a.split).toEqual(sampleConfig().split);
      expect(store.listRuns().find((r) => r.id === RUN_A)!.split).toEqual(sampleConfig().split);
      expect(a.uar).toBeCloseTo(28 / 40, 12);
      expect(a.notes).toBe(from >= 2 ? 'kept through the upgrade' : '');
      expect(a.tags).toEqual(from >= 2 ? ['baseline', 'old'] : []);

      // The label-set filter works on backfilled keys, order ignored.
      expect(store.listRuns({ labels: ['angry', 'calm'] }).map((r) => r.id)).toEqual([RUN_B]);
      expect(store.listRuns({ labels: [...LABELS].reverse() }).map((r) => r.id)).toEqual([RUN_A]);
      // The stale 'running' run from the old file is recovered on open.
      expect(store.recovered).toEqual([RUN_B]);
      const b = store.getRun(RUN_B);
      expect(b.status).toBe('interrupted');
      expect(b.error).toMatch(/no sign of life from process 4243 on old-host/);
      expect(b.epochs).toBe(3);
      expect(store.integrityCheck()).toEqual(['ok']);
      // Runs from before clip-level results have none, and can be given some (a later evaluation).
      expect(store.getClipEvaluations(RUN_A)).toEqual([]);
      const later = store.addEvaluation(RUN_A, {
        kind: 'evaluate',
        fold: null,
        dataRoot: '/data',
        labels: LABELS,
        clips: [
          {
            path: '/data/a.wav',
            speaker: '17',
            label: LABELS[0]!,
            predicted: LABELS[1]!,
            probabilities: LABELS.map((_, i) => (i === 1 ? 0.7 : 0.3 / (LABELS.length - 1))),
          },
        ],
      });
      expect(later.clips).toHaveLength(1);

      // The upgraded file takes new runs and reopens without another backup.
      const id = store.createRun({
        name: 'after upgrade',
        config: sampleConfig(),
        dataset: sampleDataset(),
        backend: 'cpu',
      });
      store.appendEpoch(id, sampleEpoch(1));
      store.close();
      const again = openStore(file);
      expect(again.foundVersion).toBe(SCHEMA_VERSION);
      expect(again.backupPath).toBeNull();
      expect(again.listRuns().map((r) => r.name)).toEqual(['after upgrade', 'old running', 'old completed']);
      again.close();
    });
  }

  it('rolls a failed upgrade back completely and keeps the backup', () => {
    const file = join(dir, 'v2-broken.sqlite');
    makeOldDb(file, 2);
    // Something (a user, a tool) created a table the v3 migration needs: v3 fails half-way.
    raw(file, (db) => db.exec('CREATE TABLE run_details (x)'));
    expect(() => openStore(file)).toThrow(SerError);
    try {
      openStore(file);
    } catch (err) {
      expect((err as SerError).code).toBe('StoreError');
      expect((err as SerError).message).toMatch(
        /could not upgrade the schema from v2.*left at v2 \(backup at .*\.bak-v2(-1)?\)/,
      );
      expect((err as SerError).message).toContain(file);
    }
    const state = raw(file, (db) => ({
      version: db.pragma('user_version', { simple: true }),
      cols: (db.prepare('PRAGMA table_info(runs)').all() as { name: string }[]).map((c) => c.name),
      runs: (db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n,
    }));
    expect(state.version).toBe(2);
    expect(state.cols).toContain('config_json');
    expect(state.cols).not.toContain('epoch_count');
    expect(state.runs).toBe(2);
    // Each attempt made its own backup rather than overwriting the first.
    expect(existsSync(`${file}.bak-v2`)).toBe(true);
    expect(existsSync(`${file}.bak-v2-1`)).toBe(true);
  });

  it('refuses a database from a newer app version without touching it', () => {
    const file = join(dir, 'future.sqlite');
    const store = openStore(file);
    store.createRun({ name: 'x', config: sampleConfig(), dataset: sampleDataset(), backend: 'cpu' });
    store.close();
    raw(file, (db) => db.pragma(`user_version = ${SCHEMA_VERSION + 5}`));
    const before = sha(file);
    for (const readonly of [false, true]) {
      let err: unknown;
      try {
        openStore(file, { readonly });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SerError);
      expect((err as SerError).code).toBe('StoreError');
      expect((err as SerError).message).toBe(
        `database was written by a newer SER Studio (schema v${SCHEMA_VERSION + 5}, this version knows v${SCHEMA_VERSION}); ` +
          `update the app, the file was not touched: ${file}`,
      );
    }
    expect(sha(file)).toBe(before);
    expect(existsSync(`${file}.bak-v${SCHEMA_VERSION + 5}`)).toBe(false);
  });

  it("refuses a text file and another application's SQLite file, leaving both as they were", () => {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'shopping list\n'.repeat(100));
    const before = sha(text);
    expect(() => openStore(text)).toThrow(`not a SER Studio database (not an SQLite file): ${text}`);
    expect(sha(text)).toBe(before);
    expect(existsSync(`${text}-wal`) || existsSync(`${text}-shm`)).toBe(false);

    const other = join(dir, 'other.sqlite');
    const db = new Database(other);
    db.exec("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Ada')");
    db.close();
    const otherBefore = sha(other);
    expect(() => openStore(other)).toThrow(
      `not a SER Studio database (an SQLite file with other tables): ${other}`,
    );
    expect(sha(other)).toBe(otherBefore);

    expect(() => openStore(dir)).toThrow(`is a folder, not a database file: ${dir}`);
  });
});
