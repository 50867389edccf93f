/**
 * Where the Electron build of better-sqlite3 lives (see src/main/store/sqlite-binding.ts for why
 * there are two builds). One definition for the script that makes it (scripts/electron-native.ts),
 * the packager config (scripts/electron-builder-config.ts) and the Electron main process that
 * loads it. Nothing here imports 'electron', so it runs and is tested under plain Node.
 */
import { join } from 'node:path';

export const SQLITE_ADDON = 'better_sqlite3.node';
/** Under the packaged app's resources folder (electron-builder extraResources). */
export const PACKAGED_NATIVE_DIR = 'native';
export const NATIVE_FIX = '`npm run electron:native` (rebuilds better-sqlite3 for the installed Electron)';

export interface NativeTarget {
  platform: NodeJS.Platform;
  arch: string;
  /** process.versions.modules of the runtime that will load it. */
  abi: string;
}

/** From a checkout: .cache/electron-native/<platform>-<arch>-abi<N>/, beside the Node build. */
export function checkoutNativeDir(repoRoot: string, t: NativeTarget): string {
  return join(repoRoot, '.cache', 'electron-native', `${t.platform}-${t.arch}-abi${t.abi}`);
}

export interface CandidateContext extends NativeTarget {
  isPackaged: boolean;
  /** process.resourcesPath of the packaged app. */
  resourcesPath: string;
  repoRoot: string;
  /** node_modules/better-sqlite3/build/Release/better_sqlite3.node */
  defaultBuild: string;
}

/**
 * The .node files the Electron main process tries, in order. Packaged: only the one shipped for
 * it. From a checkout: the Electron build, then the default one (which loads only if someone
 * rebuilt node_modules for Electron in place, e.g. with `electron-builder install-app-deps`).
 */
export function sqliteCandidates(c: CandidateContext): string[] {
  if (c.isPackaged) return [join(c.resourcesPath, PACKAGED_NATIVE_DIR, SQLITE_ADDON)];
  return [join(checkoutNativeDir(c.repoRoot, c), SQLITE_ADDON), c.defaultBuild];
}
