/** SQLite failures turned into one-line StoreErrors that name the file and what to do. */
import { SerError } from '../../shared/errors.js';

function sqliteCode(err: unknown): string | null {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') {
    return err.code.startsWith('SQLITE_') ? err.code : null;
  }
  return null;
}

/**
 * `action` says what was being done ("open", "save epoch 3 of run 1a2b…"), so the user knows
 * what was lost: SQLite rolls back the failed statement's transaction, nothing else.
 */
export function toStoreError(err: unknown, file: string, action: string): SerError {
  if (err instanceof SerError) return err;
  const code = sqliteCode(err) ?? '';
  const detail = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_NOTADB') {
    return new SerError('StoreError', `not a SER Studio database (not an SQLite file): ${file}`, file);
  }
  if (code.startsWith('SQLITE_CORRUPT')) {
    return new SerError('StoreError', `database is damaged (${detail}); restore a backup: ${file}`, file);
  }
  if (code === 'SQLITE_FULL') {
    return new SerError('StoreError', `disk full: could not ${action}, nothing was changed: ${file}`, file);
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new SerError('StoreError', `database is read-only: could not ${action}: ${file}`, file);
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return new SerError(
      'StoreError',
      `cannot open database (missing folder or no permission): ${file}`,
      file,
    );
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new SerError(
      'StoreError',
      `database is busy (another process kept it locked): could not ${action}: ${file}`,
      file,
    );
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return new SerError('StoreError', `disk I/O error: could not ${action} (${detail}): ${file}`, file);
  }
  if (code) return new SerError('StoreError', `could not ${action} (${detail}): ${file}`, file);
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && e.code === 'ENOSPC') {
    return new SerError('StoreError', `disk full: could not ${action}: ${e.path ?? file}`, e.path ?? file);
  }
  return new SerError('StoreError', `could not ${action} (${detail}): ${file}`, file);
}

/** Run `fn`, translating SQLite errors. */
export function guard<T>(file: string, action: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toStoreError(err, file, action);
  }
}
