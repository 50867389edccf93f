/**
 * The electron-builder configuration of `npm run package`, as a function so the packaging script
 * and the packaged-layout test (tests/integration/electron-packaged.test.ts) use the same one.
 *
 * - Installers: AppImage + .deb (Linux), .dmg (macOS), NSIS .exe (Windows); icon made from
 *   resources/icons/icon.svg (scripts/make-icon.ts), converted per platform by electron-builder.
 * - The app is out/ (electron-vite build) and the production node_modules, in app.asar. Files that
 *   must be real files on disk are unpacked beside it (app.asar.unpacked): native addons, and the
 *   TensorFlow.js wasm binaries, whose path src/main/model/backend.ts points at explicitly.
 * - The bundled model and the better-sqlite3 build for Electron are extra resources (outside the
 *   asar): resources/models/default and resources/native/better_sqlite3.node, where
 *   src/main/index.ts and src/main/desktop/native-build.ts look for them.
 * - npmRebuild is off: electron-builder would rebuild better-sqlite3 for Electron inside this
 *   checkout's node_modules, which breaks the CLI and the tests under Node; the Electron build is
 *   made beside it by scripts/electron-native.ts (@electron/rebuild) and shipped as above.
 *   @tensorflow/tfjs-node (optional, built for Node only) is left out: the app uses wasm.
 *   onnxruntime-node (speech encoders, 296 MB of binaries for every platform) is left out until
 *   the app itself runs encoders (issue 21's next stage, which ships the target's binary only,
 *   unpacked); `ser encoders` uses it from the CLI.
 */
import type { Configuration } from 'electron-builder';
import { PACKAGED_NATIVE_DIR, SQLITE_ADDON } from '../src/main/desktop/native-build.js';

export const APP_ID = 'io.github.ser-studio.app';
export const PRODUCT_NAME = 'SER Studio';
export const ICON = 'resources/icons/icon.png';

/** asar entries that are read as real files at run time. */
export const ASAR_UNPACK = ['**/*.node', '**/*.wasm'];

export interface BuilderOptions {
  electronVersion: string;
  /** node_modules/electron/dist: electron-builder copies it instead of downloading Electron. */
  electronDist?: string;
  /** The folder holding better_sqlite3.node built for that Electron (scripts/electron-native.ts). */
  nativeDir: string;
  /** Where installers go (default dist/). */
  outputDir?: string;
}

export function builderConfig(o: BuilderOptions): Configuration {
  return {
    appId: APP_ID,
    productName: PRODUCT_NAME,
    executableName: 'ser-studio',
    copyright: 'Copyright © 2026 SER Studio developers (MIT licence)',
    electronVersion: o.electronVersion,
    ...(o.electronDist ? { electronDist: o.electronDist } : {}),
    directories: { output: o.outputDir ?? 'dist', buildResources: 'resources/icons' },
    files: [
      'package.json',
      'out/main/**/*',
      'out/preload/**/*',
      'out/renderer/**/*',
      '!**/*.map',
      '!node_modules/@tensorflow/tfjs-node{,/**/*}',
      '!node_modules/{onnxruntime-node,onnxruntime-common}{,/**/*}',
      // Only the CLI runs TypeScript (tsx, esbuild); the renderer's own packages are in its bundle.
      '!node_modules/{tsx,esbuild,@esbuild,wavesurfer.js}{,/**/*}',
      // A second copy of the .wasm files (the build's raw output); the package loads dist/.
      '!node_modules/@tensorflow/tfjs-backend-wasm/wasm-out{,/**/*}',
      // better-sqlite3's sources and its Node build: the app loads resources/native/ instead.
      '!node_modules/better-sqlite3/{src,deps,build}{,/**/*}',
    ],
    asar: true,
    asarUnpack: ASAR_UNPACK,
    extraResources: [
      { from: 'resources/models/default', to: 'models/default' },
      { from: o.nativeDir, to: PACKAGED_NATIVE_DIR, filter: [SQLITE_ADDON] },
    ],
    npmRebuild: false,
    buildDependenciesFromSource: false,
    publish: null,
    linux: {
      target: ['AppImage', 'deb'],
      icon: ICON,
      category: 'Science',
      synopsis: 'Speech emotion recognition: train, test and compare models',
      maintainer: 'SER Studio developers <ser-studio@users.noreply.invalid>',
    },
    deb: { packageCategory: 'science' },
    mac: {
      target: ['dmg'],
      icon: ICON,
      category: 'public.app-category.education',
      // macOS refuses the microphone (recording in Classify) to an app that does not say why.
      extendInfo: { NSMicrophoneUsageDescription: 'SER Studio records speech to recognise its emotion.' },
    },
    win: { target: ['nsis'], icon: ICON },
    nsis: { oneClick: false, allowToChangeInstallationDirectory: true },
  };
}
