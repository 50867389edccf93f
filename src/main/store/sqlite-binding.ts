/**
 * Which compiled better-sqlite3 addon this process loads.
 *
 * A .node file is built for one runtime ABI (process.versions.modules): `npm install` builds
 * node_modules/better-sqlite3 for the Node that ran it, which is what the CLI, the web host and the
 * tests use. Electron has its own ABI, so its main process needs a second build of the same
 * package (made by scripts/electron-native.mjs with @electron/rebuild into its own folder, shipped
 * by `npm run package` as resources/native/). The Electron main process names the candidates with
 * useSqliteBinding() before opening the store; everyone else never calls it and gets the default.
 * The candidates are loaded here, in order, so a wrong-ABI file is reported with the fix instead
 * of failing later inside `new Database()` with "NODE_MODULE_VERSION 115 ... requires 139".
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SerError } from '../../shared/errors.js';

const requireNative = createRequire(import.meta.url);

export interface BindingChoice {
  /** The file that loaded (better-sqlite3 requires it again by path: Node's cache returns it). */
  file: string;
  /** One line per earlier candidate that did not load, for the log. */
  rejected: string[];
}

let chosen: string | null = null;

/** The default build: node_modules/better-sqlite3/build/Release/better_sqlite3.node. */
export function defaultSqliteBinding(): string {
  const pkg = requireNative.resolve('better-sqlite3/package.json');
  return join(dirname(pkg), 'build', 'Release', 'better_sqlite3.node');
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split('\n')[0] ?? msg).trim();
}

/**
 * Load the first candidate that this runtime can load. `fix` is the command that builds the
 * missing one, named in the error when none loads.
 */
export function chooseSqliteBinding(candidates: readonly string[], fix: string): BindingChoice {
  const rejected: string[] = [];
  for (const file of candidates) {
    if (!existsSync(file)) {
      rejected.push(`${file}: not built`);
      continue;
    }
    try {
      requireNative(file);
      return { file, rejected };
    } catch (err) {
      rejected.push(`${file}: ${firstLine(err)}`);
    }
  }
  const runtime = process.versions.electron
    ? `Electron ${process.versions.electron}`
    : `Node ${process.versions.node}`;
  throw new SerError(
    'StoreError',
    `no better-sqlite3 build loads in ${runtime} (ABI ${process.versions.modules}): ${rejected.join('; ')}. Fix: ${fix}`,
  );
}

/** Use this .node file for every database opened from now on in this process (Electron main). */
export function useSqliteBinding(file: string | null): void {
  chosen = file;
}

/** Spread into `new Database(file, {...})`: the chosen addon, or nothing (better-sqlite3's default). */
export function sqliteBindingOption(): { nativeBinding?: string } {
  return chosen ? { nativeBinding: chosen } : {};
}
