/**
 * `npm run package [-- electron-builder flags]`: installers for this platform (AppImage + .deb,
 * .dmg, or NSIS .exe) in dist/. Steps: better-sqlite3 for Electron (scripts/electron-native.ts),
 * `electron-vite build`, then electron-builder with scripts/electron-builder-config.ts, using the
 * installed Electron (node_modules/electron/dist) instead of downloading another copy.
 *
 * Needs the Electron binary: where the optional `electron` package could not download it this
 * stops at once and says so, instead of electron-builder failing later on the same download.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builderConfig } from './electron-builder-config.js';
import { electronBinary, ensureElectronNative } from './electron-native.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

function run(args: string[], what: string): void {
  console.log(`package: ${what}`);
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`package: ${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

const electron = electronBinary(ROOT);
if (!electron) {
  console.error(
    [
      'package: cannot package: the Electron binary is not installed here.',
      '  The installers embed Electron, which comes from GitHub (the optional `electron` package downloads it',
      '  during `npm install`; electron-builder would download the same), and this machine cannot fetch it.',
      '  On a machine that can: `npm install` (or `npm install electron`), then `npm run package`.',
      '  Nothing was built. The browser version runs here: `npm start`.',
    ].join('\n'),
  );
  process.exit(1);
}

const electronDir = join(ROOT, 'node_modules', 'electron');
const { version } = JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8')) as {
  version: string;
};
const nativeDir = ensureElectronNative({ root: ROOT, electron });
run([join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], 'electron-vite build');

const configFile = join(ROOT, '.cache', 'electron-builder.json');
mkdirSync(join(ROOT, '.cache'), { recursive: true });
writeFileSync(
  configFile,
  JSON.stringify(
    builderConfig({ electronVersion: version, electronDist: join(electronDir, 'dist'), nativeDir }),
    null,
    2,
  ),
);
run(
  [
    join(ROOT, 'node_modules', 'electron-builder', 'cli.js'),
    '--config',
    configFile,
    ...process.argv.slice(2),
  ],
  `electron-builder (Electron ${version})`,
);
console.log(`package: installers are in ${join(ROOT, 'dist')}`);
