/**
 * One wording for a file-system failure while writing, wherever it happens (model save, run
 * export and import, settings): "disk full: could not <what> at <path>", so a user knows what
 * was lost and where to free space. The store's SQLite errors say the same in store/errors.ts.
 */
import { SerError, type SerErrorCode } from '../../shared/errors.js';

/** Why a write failed, from its errno code, in the words the messages use. */
function reason(code: string | undefined): string | null {
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'disk full';
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return 'not writable';
  return null;
}

/**
 * True for an error thrown by a system call (it names the syscall). zlib's errors carry a code
 * too (Z_DATA_ERROR) but no syscall: a corrupt archive is not a write failure.
 */
export function isFileSystemError(err: unknown): err is NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException;
  return err instanceof Error && typeof e.code === 'string' && typeof e.syscall === 'string';
}

/**
 * `err` as a one-line SerError naming what could not be written and where. A SerError passes
 * through unchanged; anything that is not a file-system error too.
 */
export function writeError(
  err: unknown,
  what: string,
  path: string,
  code: SerErrorCode = 'StoreError',
): unknown {
  if (err instanceof SerError || !isFileSystemError(err)) return err;
  const why = reason(err.code);
  return new SerError(
    code,
    why ? `${why}: could not ${what} at ${path}` : `could not ${what} (${err.code}) at ${path}`,
    path,
  );
}
