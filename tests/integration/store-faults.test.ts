/**
 * Bad places for a database: read-only files and file systems, a full disk. Real conditions
 * where this machine allows them (root: a tmpfs mounted for the test; non-root: chmod), SQLite's
 * max_page_count everywhere; each simulation that cannot run here is skipped with the reason.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SerError } from '../../src/shared/errors.js';
import { SCHEMA_VERSION, openStore, type RunStore } from '../../src/main/store/index.js';
import { sampleEpoch, sampleEvaluation, sampleRun } from './fixtures/store-sample.js';
import { makeOldDb, raw, sha, tempDir, thrown } from './fixtures/store-helpers.js';

const IS_ROOT = process.getuid?.() === 0;

function mount(dir: string, opts: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
function remount(dir: string, opts: string): void {
  execFileSync('mount', ['-o', `remount,${opts}`, dir], { stdio: 'ignore' });
}
function umount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
  }
}

/** Whether this process may mount a tmpfs (root in a container may still be refused). */
const CAN_MOUNT = (() => {
  if (!IS_ROOT) return false;
  const { dir, cleanup } = tempDir('probe');
  const ok = mount(dir, 'size=64k');
  if (ok) umount(dir);
  cleanup();
  return ok;
})();
/** chmod makes a file read-only only for a non-root user; root needs a read-only mount. */
const CAN_READONLY = CAN_MOUNT || !IS_ROOT;
const NO_READONLY = '(skipped: root without permission to mount a tmpfs cannot make a file read-only)';
const NO_MOUNT = '(skipped: needs root with permission to mount a tmpfs)';

let dir: string;
let cleanup: () => void;
const mounted: string[] = [];
beforeEach(() => ({ dir, cleanup } = tempDir('faults')));
afterEach(() => {
  for (const m of mounted.splice(0)) umount(m);
  if (!IS_ROOT) chmodRecursive(dir);
  cleanup();
});

function chmodRecursive(d: string): void {
  chmodSync(d, 0o755);
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) chmodRecursive(p);
    else chmodSync(p, 0o644);
  }
}

/** A folder holding a database with two finished runs. */
function populatedDb(folder: string): { file: string; ids: string[] } {
  mkdirSync(folder, { recursive: true });
  const file = join(folder, 'ser.sqlite');
  const store = openStore(file);
  const ids = ['one', 'two'].map((name) => {
    const id = store.createRun(sampleRun({ name }));
    for (let e = 1; e <= 5; e++) store.appendEpoch(id, sampleEpoch(e));
    store.finishRun(id, { status: 'completed', evaluation: sampleEvaluation() });
    return id;
  });
  store.close();
  return { file, ids };
}

/** Make `folder` (and the database in it) read-only the strongest way this process can. */
function makeReadOnly(folder: string): string {
  if (IS_ROOT) {
    remount(folder, 'ro');
    return 'the file system is read-only';
  }
  for (const f of readdirSync(folder)) chmodSync(join(folder, f), 0o444);
  chmodSync(folder, 0o555);
  return 'the file is not writable';
}

describe('store on read-only files', () => {
  it('opened read-only on request: reads work, every write is refused clearly, nothing changes', () => {
    const { file, ids } = populatedDb(join(dir, 'db'));
    const before = sha(file);
    const store = openStore(file, { readonly: true });
    try {
      expect(store.readonly).toBe(true);
      expect(store.listRuns().map((r) => r.name)).toEqual(['two', 'one']);
      expect(store.getRun(ids[0]!).metrics).toHaveLength(5);
      const err = thrown(() => store.createRun(sampleRun({ name: 'new' })));
      expect(err.code).toBe('StoreError');
      expect(err.message).toBe(
        `database is open read-only (opened read-only), writes are disabled: could not create run 'new': ${file}`,
      );
      expect(thrown(() => store.updateRun(ids[0]!, { name: 'x' })).message).toMatch(
        /writes are disabled: could not update run/,
      );
      expect(thrown(() => store.deleteRun(ids[0]!)).message).toMatch(
        /writes are disabled: could not delete run/,
      );
    } finally {
      store.close();
    }
    expect(sha(file)).toBe(before);
    expect(thrown(() => openStore(join(dir, 'missing.sqlite'), { readonly: true })).message).toBe(
      `no database at ${join(dir, 'missing.sqlite')}`,
    );
  });

  it.skipIf(!CAN_READONLY)(
    `falls back to read-only where the file cannot be written ${CAN_READONLY ? '' : NO_READONLY}`,
    () => {
      const folder = join(dir, 'ro');
      mkdirSync(folder);
      if (IS_ROOT) {
        expect(mount(folder, 'size=1m')).toBe(true);
        mounted.push(folder);
      }
      const { file, ids } = populatedDb(folder);
      const before = sha(file);
      const reason = makeReadOnly(folder);

      const store = openStore(file);
      try {
        expect(store.readonly).toBe(true);
        expect(store.readonlyReason).toBe(reason);
        expect(store.listRuns().map((r) => r.id)).toEqual([...ids].reverse());
        expect(store.getRun(ids[1]!).evaluation).toEqual(sampleEvaluation());
        expect(thrown(() => store.createRun(sampleRun({ name: 'new' }))).message).toBe(
          `database is open read-only (${reason}), writes are disabled: could not create run 'new': ${file}`,
        );
      } finally {
        store.close();
      }
      expect(sha(file)).toBe(before);
      expect(thrown(() => openStore(join(folder, 'new.sqlite'))).message).toMatch(
        /^cannot create (a database in a read-only folder|the database folder)/,
      );
    },
  );

  it.skipIf(!CAN_READONLY)(
    `refuses to upgrade an old database it cannot write ${CAN_READONLY ? '' : NO_READONLY}`,
    () => {
      const folder = join(dir, 'ro-old');
      mkdirSync(folder);
      if (IS_ROOT) {
        expect(mount(folder, 'size=1m')).toBe(true);
        mounted.push(folder);
      }
      const file = join(folder, 'ser.sqlite');
      makeOldDb(file, 1);
      const before = sha(file);
      const reason = makeReadOnly(folder);
      expect(thrown(() => openStore(file)).message).toBe(
        `database uses schema v1 and needs an upgrade to v${SCHEMA_VERSION}, which needs write access (${reason}): ${file}`,
      );
      expect(sha(file)).toBe(before);
    },
  );

  it('explains a database path under a file', () => {
    writeFileSync(join(dir, 'plain'), 'x');
    const err = thrown(() => openStore(join(dir, 'plain', 'ser.sqlite')));
    expect(err.message).toBe(
      `cannot create the database folder (a file is in the way): ${join(dir, 'plain')}`,
    );
  });
});

/** Append epochs 1, 2, ... up to `max` until one fails: how many were saved, and the failure. */
function appendUntilFull(
  store: RunStore,
  id: string,
  max: number,
): { saved: number; failed: SerError | null } {
  for (let e = 1; e <= max; e++) {
    try {
      store.appendEpoch(id, sampleEpoch(e));
    } catch (err) {
      return { saved: e - 1, failed: err as SerError };
    }
  }
  return { saved: max, failed: null };
}

describe('store on a full disk', () => {
  it('a database at its size limit (max_page_count) refuses the epoch clearly and keeps every earlier one', () => {
    const file = join(dir, 'ser.sqlite');
    const seed = openStore(file);
    seed.close();
    const pages = raw(file, (db) => db.pragma('page_count', { simple: true }) as number);
    const store = openStore(file, { maxPageCount: pages + 4 });
    const id = store.createRun(sampleRun({ notes: 'n'.repeat(2000) }));
    const { saved, failed } = appendUntilFull(store, id, 5000);
    expect(failed).toBeInstanceOf(SerError);
    expect(failed!.message).toBe(
      `disk full: could not save epoch ${saved + 1} of run ${id.slice(0, 8)}, nothing was changed: ${file}`,
    );
    expect(store.getRun(id).epochs).toBe(saved);
    expect(store.integrityCheck()).toEqual(['ok']);
    store.close();
    // With room again the same run continues where it stopped.
    const again = openStore(file);
    again.appendEpoch(id, sampleEpoch(saved + 1));
    expect(again.getRun(id).metrics.map((m) => m.epoch)).toEqual(
      Array.from({ length: saved + 1 }, (_, i) => i + 1),
    );
    again.close();
  });

  it.skipIf(!CAN_MOUNT)(
    `a real full file system: writes fail clearly, nothing is lost, writing resumes once there is room ${CAN_MOUNT ? '' : NO_MOUNT}`,
    () => {
      const folder = join(dir, 'tiny');
      mkdirSync(folder);
      expect(mount(folder, 'size=384k')).toBe(true);
      mounted.push(folder);
      const file = join(folder, 'ser.sqlite');
      const store = openStore(file);
      const id = store.createRun(sampleRun());
      const { saved, failed } = appendUntilFull(store, id, 100_000);
      expect(failed).toBeInstanceOf(SerError);
      expect(failed!.code).toBe('StoreError');
      expect(failed!.message).toMatch(
        new RegExp(
          `^disk full: could not save epoch ${saved + 1} of run ${id.slice(0, 8)}, nothing was changed: ${file}$`,
        ),
      );
      // Reads still work on the full disk, and show exactly the saved epochs.
      expect(store.getRun(id).epochs).toBe(saved);
      store.close();

      remount(folder, 'size=8m');
      const again = openStore(file);
      expect(again.integrityCheck()).toEqual(['ok']);
      const run = again.getRun(id);
      expect(run.status).toBe('running');
      expect(run.metrics.map((m) => m.epoch)).toEqual(Array.from({ length: saved }, (_, i) => i + 1));
      again.appendEpoch(id, sampleEpoch(saved + 1));
      again.finishRun(id, { status: 'completed' });
      again.close();
    },
  );

  it.skipIf(!CAN_MOUNT)(
    `an upgrade that runs out of space, before or after the backup, changes nothing ${CAN_MOUNT ? '' : NO_MOUNT}`,
    () => {
      const folder = join(dir, 'tiny-upgrade');
      mkdirSync(folder);
      expect(mount(folder, 'size=2m')).toBe(true);
      mounted.push(folder);
      const file = join(folder, 'ser.sqlite');
      makeOldDb(file, 1, 300_000);
      const before = sha(file);
      const size = statSync(file).size;
      const ballast = join(folder, 'ballast');
      /** Fill the disk until only `room` bytes are free. */
      const leave = (room: number) => {
        rmSync(ballast, { force: true });
        const free = Number(
          execFileSync('df', ['--output=avail', '-B1', folder]).toString().trim().split('\n')[1],
        );
        writeFileSync(ballast, Buffer.alloc(Math.max(0, free - room)));
      };
      const unchanged = () => {
        expect(sha(file)).toBe(before);
        expect(raw(file, (db) => db.pragma('user_version', { simple: true }))).toBe(1);
      };

      // No room for the backup: refused before anything is written.
      leave(size / 3);
      expect(thrown(() => openStore(file)).message).toMatch(
        new RegExp(
          `^cannot upgrade the database: the backup before upgrading failed \\(disk full: .*\\); nothing was changed: ${file}$`,
        ),
      );
      expect(existsSync(`${file}.bak-v1`)).toBe(false);
      unchanged();

      // Room for the backup but not for the migration: rolled back, the backup kept.
      leave(size + 100_000);
      expect(thrown(() => openStore(file)).message).toBe(
        `disk full: could not upgrade the schema from v1, nothing was changed: ${file}; the file was left at v1 (backup at ${file}.bak-v1)`,
      );
      expect(raw(`${file}.bak-v1`, (db) => db.pragma('integrity_check', { simple: true }), true)).toBe('ok');
      unchanged();

      rmSync(ballast);
      const store = openStore(file);
      expect(store.backupPath).toBe(`${file}.bak-v1-1`);
      expect(store.listRuns()).toHaveLength(2);
      expect(store.integrityCheck()).toEqual(['ok']);
      store.close();
    },
  );
});
