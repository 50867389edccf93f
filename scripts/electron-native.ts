/**
 * `npm run electron:native`: builds better-sqlite3 for the installed Electron into
 * .cache/electron-native/<platform>-<arch>-abi<N>/, leaving node_modules/better-sqlite3 (the
 * build for Node, used by the CLI, the web host and the tests) untouched. The Electron main
 * process loads it through better-sqlite3's `nativeBinding` option (src/main/store/
 * sqlite-binding.ts); `npm run package` ships it as resources/native/. `npm start` runs this
 * once when the folder is missing.
 *
 * Why not rebuild node_modules in place (electron-rebuild, electron-builder's npmRebuild /
 * install-app-deps): one checkout would then serve either Electron or Node, never both, and
 * `npm test` / `ser` would fail with NODE_MODULE_VERSION errors after every `npm start`.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  NATIVE_FIX,
  SQLITE_ADDON,
  checkoutNativeDir,
  type NativeTarget,
} from '../src/main/desktop/native-build.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

/** The Electron executable from the optional `electron` package, or null where it is absent. */
export function electronBinary(root: string = ROOT): string | null {
  try {
    const bin: unknown = createRequire(join(root, 'package.json'))('electron');
    return typeof bin === 'string' && existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

function electronVersion(root: string): string {
  const pkg = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Electron's ABI (process.versions.modules), asked of the binary itself running as Node. */
function electronTarget(electron: string, arch: string): NativeTarget {
  const abi = execFileSync(electron, ['-p', 'process.versions.modules'], {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    encoding: 'utf8',
  }).trim();
  return { platform: process.platform, arch, abi };
}

export interface NativeOptions {
  root?: string;
  electron: string;
  arch?: string;
  /** Rebuild even when the folder already holds a build. */
  force?: boolean;
}

/** Returns the folder holding better_sqlite3.node for this Electron; builds it when missing. */
export function ensureElectronNative(opts: NativeOptions): string {
  const root = opts.root ?? ROOT;
  const arch = opts.arch ?? process.arch;
  const target = electronTarget(opts.electron, arch);
  const out = checkoutNativeDir(root, target);
  if (!opts.force && existsSync(join(out, SQLITE_ADDON))) return out;

  const version = electronVersion(root);
  console.log(
    `SER Studio: building better-sqlite3 for Electron ${version} (ABI ${target.abi}, ${arch}) into ${out} ...`,
  );
  // @electron/rebuild rebuilds the node_modules of a project folder: give it a private copy of
  // the package so the Node build stays as it is.
  const staging = join(root, '.cache', 'electron-native', 'staging');
  const pkgDir = dirname(createRequire(join(root, 'package.json')).resolve('better-sqlite3/package.json'));
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'node_modules'), { recursive: true });
  cpSync(pkgDir, join(staging, 'node_modules', 'better-sqlite3'), {
    recursive: true,
    filter: (src) => !src.startsWith(join(pkgDir, 'build')),
  });
  writeFileSync(
    join(staging, 'package.json'),
    JSON.stringify({
      name: 'ser-native-staging',
      private: true,
      dependencies: { 'better-sqlite3': pkg.version },
    }),
  );
  // The rebuild runs in a child so this script stays synchronous for `npm start`.
  execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { rebuild } from '@electron/rebuild';
       await rebuild({ buildPath: ${JSON.stringify(staging)}, electronVersion: ${JSON.stringify(version)},
         arch: ${JSON.stringify(arch)}, onlyModules: ['better-sqlite3'], force: true, mode: 'sequential' });`,
    ],
    { cwd: root, stdio: 'inherit' },
  );
  const built = join(staging, 'node_modules', 'better-sqlite3', 'build', 'Release', SQLITE_ADDON);
  if (!existsSync(built)) throw new Error(`@electron/rebuild finished but ${built} is missing`);
  mkdirSync(out, { recursive: true });
  copyFileSync(built, join(out, SQLITE_ADDON));
  // Prove it loads in Electron (as Node) before anyone relies on it (only for this machine's arch).
  if (arch === process.arch)
    execFileSync(opts.electron, ['-e', `require(${JSON.stringify(join(out, SQLITE_ADDON))})`], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: 'inherit',
    });
  rmSync(staging, { recursive: true, force: true });
  console.log(`SER Studio: better-sqlite3 for Electron is in ${out}`);
  return out;
}

function main(): void {
  const electron = electronBinary();
  if (!electron) {
    console.error(
      `electron:native: the Electron binary is not installed, so there is nothing to build for (${NATIVE_FIX} needs it).\n` +
        '  Install it with `npm install electron` on a machine that can reach GitHub.',
    );
    process.exit(1);
  }
  const arch = process.argv.find((a) => a.startsWith('--arch='))?.slice('--arch='.length);
  ensureElectronNative({ electron, force: true, ...(arch ? { arch } : {}) });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
