/**
 * Opening a database file safely: recognise what the file is before writing a byte to it,
 * fall back to read-only when it cannot be written, back it up before upgrading the schema,
 * and refuse files from a newer app.
 */
import Database from 'better-sqlite3';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  statfsSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SerError } from '../../shared/errors.js';
import { toStoreError } from './errors.js';
import { APPLICATION_ID, SCHEMA_VERSION, migrate } from './schema.js';
import { sqliteBindingOption } from './sqlite-binding.js';

export interface OpenDbOptions {
  readonly?: boolean;
  /** How long a write waits for another process's lock before failing (SQLite busy_timeout). */
  busyTimeoutMs?: number;
}

export interface OpenedDb {
  db: Database.Database;
  file: string;
  readonly: boolean;
  /** Why the file was opened read-only although writes were asked for; null otherwise. */
  readonlyReason: string | null;
  /** The schema version found in the file before any upgrade (0 for a new file). */
  foundVersion: number;
  /** Copy made before upgrading, or null when nothing was upgraded. */
  backupPath: string | null;
}

const SQLITE_HEADER = 'SQLite format 3\0';

function canWrite(path: string): NodeJS.ErrnoException | null {
  try {
    accessSync(path, constants.W_OK);
    return null;
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
}

/** Why writes to an existing database would fail, or null when they should work. */
function writeBlocker(file: string): string | null {
  const fileErr = canWrite(file);
  if (fileErr) return fileErr.code === 'EROFS' ? 'the file system is read-only' : 'the file is not writable';
  // WAL needs to create FILE-wal and FILE-shm beside the database.
  const dirErr = canWrite(dirname(file));
  if (dirErr) return dirErr.code === 'EROFS' ? 'the file system is read-only' : 'its folder is not writable';
  return null;
}

/**
 * A WAL database in a folder we cannot write cannot be opened in place (SQLite needs the -shm
 * file), so read a snapshot into memory, marked as a rollback-journal file so SQLite accepts it.
 */
function openSnapshot(file: string, timeout: number): Database.Database {
  const buf = readFileSync(file);
  if (buf.length >= 20 && buf.subarray(0, 16).toString('latin1') === SQLITE_HEADER) {
    buf[18] = 1;
    buf[19] = 1;
  }
  return new Database(buf, { readonly: true, timeout, ...sqliteBindingOption() });
}

function probe(db: Database.Database, file: string): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  const appId = db.pragma('application_id', { simple: true }) as number;
  if (appId !== 0 && appId !== APPLICATION_ID) {
    throw new SerError(
      'StoreError',
      `not a SER Studio database (another application's SQLite file): ${file}`,
      file,
    );
  }
  if (version === 0) {
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as {
      n: number;
    };
    if (tables.n > 0) {
      throw new SerError(
        'StoreError',
        `not a SER Studio database (an SQLite file with other tables): ${file}`,
        file,
      );
    }
  }
  if (version > SCHEMA_VERSION) {
    throw new SerError(
      'StoreError',
      `database was written by a newer SER Studio (schema v${version}, this version knows v${SCHEMA_VERSION}); ` +
        `update the app, the file was not touched: ${file}`,
      file,
    );
  }
  return version;
}

/** `ser.sqlite.bak-v2`, or `.bak-v2-1`, ... when an earlier attempt left one behind. */
function backupPathFor(file: string, version: number): string {
  const base = `${file}.bak-v${version}`;
  if (!existsSync(base)) return base;
  for (let i = 1; ; i++) if (!existsSync(`${base}-${i}`)) return `${base}-${i}`;
}

function backup(db: Database.Database, file: string, version: number): string {
  const target = backupPathFor(file, version);
  try {
    // VACUUM INTO reads through the connection, so committed pages still in the WAL are included.
    db.prepare('VACUUM INTO ?').run(target);
    return target;
  } catch (err) {
    rmSync(target, { force: true });
    const e = toStoreError(err, target, 'write the backup');
    throw new SerError(
      'StoreError',
      `cannot upgrade the database: the backup before upgrading failed (${e.message}); nothing was changed: ${file}`,
      file,
    );
  }
}

function openFile(file: string, readonly: boolean, timeout: number): Database.Database {
  try {
    return new Database(file, { readonly, fileMustExist: readonly, timeout, ...sqliteBindingOption() });
  } catch (err) {
    throw toStoreError(err, file, 'open the database');
  }
}

/** Free bytes on the file system holding `dir` (Infinity when it cannot be told). */
function freeBytes(dir: string): number {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return Infinity;
  }
}

/** Below this much free space, a failed writable open is retried read-only (WAL needs room for -shm/-wal). */
const FULL_DISK_BYTES = 1024 * 1024;

/**
 * Open for reading and writing, or read-only when asked or when writing is impossible. On a full
 * disk a writable open fails (SQLite cannot create its -shm / -wal files): the database is then
 * opened read-only, so lists and exports still work, and every write says the disk is full.
 */
export function openDatabase(path: string, opts: OpenDbOptions = {}): OpenedDb {
  try {
    return openOnce(path, opts);
  } catch (err) {
    const file = resolve(path);
    const ioFailure =
      err instanceof SerError &&
      /^(disk I\/O error|disk full): could not open the database/.test(err.message);
    if (opts.readonly || !ioFailure || !existsSync(file) || freeBytes(dirname(file)) >= FULL_DISK_BYTES) {
      throw err;
    }
    const opened = openOnce(path, { ...opts, readonly: true });
    return { ...opened, readonlyReason: `disk full at ${dirname(file)}; free space to make changes` };
  }
}

function openOnce(path: string, opts: OpenDbOptions): OpenedDb {
  const file = resolve(path);
  const timeout = opts.busyTimeoutMs ?? 5000;
  const exists = existsSync(file);
  if (exists && statSync(file).isDirectory()) {
    throw new SerError('StoreError', `is a folder, not a database file: ${file}`, file);
  }
  let readonly = opts.readonly === true;
  let readonlyReason: string | null = null;
  if (!exists) {
    if (readonly) throw new SerError('StoreError', `no database at ${file}`, file);
    try {
      mkdirSync(dirname(file), { recursive: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      const why: Record<string, string> = {
        EEXIST: 'a file is in the way',
        ENOTDIR: 'a file is in the way',
        EACCES: 'permission denied',
        EPERM: 'permission denied',
        EROFS: 'read-only file system',
        ENOSPC: 'disk full',
      };
      throw new SerError(
        'StoreError',
        `cannot create the database folder (${why[code] ?? code}): ${dirname(file)}`,
        file,
      );
    }
    const blocked = canWrite(dirname(file));
    if (blocked)
      throw new SerError('StoreError', `cannot create a database in a read-only folder: ${file}`, file);
  } else if (!readonly) {
    readonlyReason = writeBlocker(file);
    readonly = readonlyReason !== null;
  }

  let db = openFile(file, readonly, timeout);
  let foundVersion: number;
  try {
    try {
      foundVersion = probe(db, file);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      // CANTOPEN: no -shm can be made (read-only folder); IOERR: nor grown (full disk).
      const snapshot = typeof code === 'string' && /^SQLITE_(CANTOPEN|IOERR)/.test(code);
      if (!readonly || !snapshot) throw err;
      db.close();
      db = openSnapshot(file, timeout);
      foundVersion = probe(db, file);
      if (existsSync(`${file}-wal`)) {
        readonlyReason = `${readonlyReason ?? 'read-only'}; changes still in ${file}-wal are not shown`;
      }
    }
    // 10,000 runs' list rows are ~3 MB: keep them in SQLite's cache (default 2 MB) between lists.
    db.pragma('cache_size = -16000');
    if (readonly) {
      if (foundVersion < SCHEMA_VERSION) {
        throw new SerError(
          'StoreError',
          `database uses schema v${foundVersion} and needs an upgrade to v${SCHEMA_VERSION}, ` +
            `which needs write access (${readonlyReason ?? 'opened read-only'}): ${file}`,
          file,
        );
      }
      return {
        db,
        file,
        readonly,
        readonlyReason: readonlyReason ?? 'opened read-only',
        foundVersion,
        backupPath: null,
      };
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    let backupPath: string | null = null;
    if (foundVersion < SCHEMA_VERSION) {
      if (foundVersion > 0) backupPath = backup(db, file, foundVersion);
      try {
        migrate(db);
      } catch (err) {
        const e = toStoreError(err, file, `upgrade the schema from v${foundVersion}`);
        const kept = backupPath ? ` (backup at ${backupPath})` : '';
        throw new SerError('StoreError', `${e.message}; the file was left at v${foundVersion}${kept}`, file);
      }
    }
    return { db, file, readonly: false, readonlyReason: null, foundVersion, backupPath };
  } catch (err) {
    db.close();
    throw toStoreError(err, file, 'open the database');
  }
}
