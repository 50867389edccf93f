/**
 * The one run export format, used by the app (runs.export / runs.import) and by `ser runs
 * export / import`: a `.ser-run.tar.gz` holding one folder with run.json and the model folder
 * (the store's export layout, store/transfer.ts). `tar -xzf` unpacks it; the unpacked folder is
 * accepted by an import too.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExportedFile } from '../../shared/contract.js';
import { SerError } from '../../shared/errors.js';
import type { RunRecord } from '../../shared/runs.js';
import type { RunStore } from '../store/index.js';
import { RUN_JSON } from '../store/transfer.js';
import { packDir, unpackInto } from './tar.js';

export const EXPORT_SUFFIX = '.ser-run.tar.gz';

/** A file-name-safe short form of a name (lowercase, dashes, at most 60 characters). */
export function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'run'
  );
}

async function withTemp<T>(fn: (dir: string) => T | Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'ser-run-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A run and its model as one archive, named `<name>-<id8>.ser-run.tar.gz`. */
export function exportRunArchive(
  store: RunStore,
  id: string,
): Promise<ExportedFile & { warnings: string[] }> {
  const run = store.getRun(id);
  const top = `${slug(run.name)}-${run.id.slice(0, 8)}`;
  return withTemp((tmp) => {
    const dir = join(tmp, top);
    const res = store.exportRun(run.id, dir);
    return { fileName: `${top}${EXPORT_SUFFIX}`, bytes: packDir(dir, top), warnings: res.warnings };
  });
}

/** Import an archive made by exportRunArchive (`name` names it in errors). */
export function importRunArchive(store: RunStore, bytes: Uint8Array, name: string): Promise<RunRecord> {
  return withTemp(async (tmp) => {
    await unpackInto(bytes, tmp);
    // The archive holds one folder with run.json (or run.json at its top, if repacked by hand).
    const entries = readdirSync(tmp);
    const dir = existsSync(join(tmp, RUN_JSON))
      ? tmp
      : entries.length === 1 && existsSync(join(tmp, entries[0]!, RUN_JSON))
        ? join(tmp, entries[0]!)
        : null;
    if (!dir) throw new SerError('ValidationError', `not a SER Studio run export (no ${RUN_JSON}): ${name}`);
    return store.importRun(dir);
  });
}
