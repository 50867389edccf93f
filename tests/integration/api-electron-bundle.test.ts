/**
 * The desktop app where no Electron binary exists, as far as it can be checked without one.
 *
 * 1. `electron-vite build`: main, each worker as its own entry, a CommonJS preload, the renderer.
 * 2. The built main process and preload under Node with tests/fixtures/electron-stand-in.ts as
 *    'electron' (everything behind it real: service, store, engine): every contract method over
 *    IPC, validation, untrusted pages refused, CSP header, permissions, window state, clean quit.
 * 3. The packaged layout: electron-builder (the real one, with `npm run package`'s config) packs
 *    the app with a stand-in Electron distribution (`--dir`, no installer) outside the repository.
 *    Every file the main process and workers open at run time must be in its app.asar (read with
 *    @electron/asar), unpacked where it must be a real file, or among the extra resources; then
 *    the main process runs from those files alone (the asar extracted, its unpacked entries only
 *    in app.asar.unpacked) and classifies a RAVDESS clip with the bundled model on wasm.
 *    resources/native holds the Node build of better-sqlite3 in place of the Electron build.
 * (tests/e2e/electron-app.test.ts does the rest with the real binary where it is installed.)
 */
import asar from '@electron/asar';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASAR_UNPACK, builderConfig, PRODUCT_NAME } from '../../scripts/electron-builder-config.js';
import { PACKAGED_NATIVE_DIR, SQLITE_ADDON } from '../../src/main/desktop/native-build.js';
import { methodChannel } from '../../src/shared/channels.js';
import { METHOD_NAMES } from '../../src/shared/contract.js';
import type { ChildConfig, ChildResult } from '../fixtures/electron-main-child.js';
import { HAVE_RAVDESS, REPO_ROOT, ravdessClip } from '../helpers/shared-data.js';

const OUT = join(REPO_ROOT, 'out');
// Outside the repository, so nothing in the packaged app can resolve the checkout's node_modules.
const WORK = mkdtempSync(join(tmpdir(), 'ser-electron-bundle-'));
const CLIP = ravdessClip(1, '03-01-05-01-01-01-01.wav');

function runMain(config: Omit<ChildConfig, 'out'>): ChildResult {
  const out = join(config.userData, 'result.json');
  const r = spawnSync(
    process.execPath,
    ['bin/run-ts.mjs', 'tests/fixtures/electron-main-child.ts', JSON.stringify({ ...config, out })],
    { encoding: 'utf8', timeout: 120_000, cwd: REPO_ROOT },
  );
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  return JSON.parse(readFileSync(out, 'utf8')) as ChildResult;
}

/** The bundled main process: out/main/*.js and out/main/chunks/*.js, with their folders. */
function mainFiles(): { dir: string; code: string }[] {
  return [join(OUT, 'main'), join(OUT, 'main', 'chunks')].flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .map((f) => ({ dir, code: readFileSync(join(dir, f), 'utf8') })),
  );
}

function freshUserData(name: string): string {
  const dir = join(WORK, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'settings.json'), JSON.stringify({ window: { width: 1500, height: 900 } }));
  return dir;
}

beforeAll(() => {
  execFileSync(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build'], {
    cwd: REPO_ROOT,
    stdio: 'pipe',
  });
}, 180_000);

afterAll(() => {
  rmSync(WORK, { recursive: true, force: true });
});

/** The built main process run once from out/ (a checkout), shared by the tests that read it. */
let checkoutRun: ChildResult | null = null;
function fromCheckout(): ChildResult {
  checkoutRun ??= runMain({
    main: join(OUT, 'main', 'index.js'),
    preload: join(OUT, 'preload', 'index.cjs'),
    userData: freshUserData('checkout'),
  });
  return checkoutRun;
}

describe('electron build without the Electron binary', () => {
  it('emits main, each worker as its own entry, a CommonJS preload and the renderer', () => {
    for (const f of [
      'main/index.js',
      'main/training-worker.js',
      'main/features-worker.js',
      'preload/index.cjs',
      'renderer/index.html',
    ]) {
      expect(existsSync(join(OUT, f)), f).toBe(true);
    }
    const main = readFileSync(join(OUT, 'main', 'index.js'), 'utf8');
    expect(main).toContain('new URL("./training-worker.js", import.meta.url)');
    const preload = readFileSync(join(OUT, 'preload', 'index.cjs'), 'utf8');
    expect(preload).not.toMatch(/require\("(?!electron")/);
    expect(preload.length).toBeLessThan(5000);
  });

  it('the bundled feature worker starts as a plain Node worker', () => {
    const script = join(WORK, 'features-worker-start.mjs');
    writeFileSync(
      script,
      `import { Worker } from 'node:worker_threads';
       const w = new Worker(${JSON.stringify(join(OUT, 'main', 'features-worker.js'))}, { workerData: {} });
       w.on('error', (e) => { console.error(e.message); process.exit(1); });
       w.on('online', () => setTimeout(() => { w.terminate(); console.log('ok'); }, 500));`,
    );
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok');
  });

  it('main + preload wire every contract method over IPC, validate, and keep the window safe', () => {
    const result = fromCheckout();

    expect(result.window.width).toBe(1500);
    expect(result.window.height).toBe(900);
    expect(result.window.title).toBe(PRODUCT_NAME);
    expect(result.window.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    });
    expect(existsSync(String(result.window.webPreferences.preload))).toBe(true);
    expect(result.channels).toEqual(METHOD_NAMES.map(methodChannel).sort());

    expect(result.info).toMatchObject({
      ok: true,
      result: { platform: 'electron', version: '9.9.9-test', allowedRoots: [] },
    });
    expect(result.badArgs).toMatchObject({ ok: false, error: { code: 'ValidationError' } });
    expect(!result.badArgs.ok && result.badArgs.error.message).toMatch(/^dataset\.scan: root: /);
    expect(result.outside).toMatchObject({ ok: false, error: { code: 'ValidationError' } });
    expect(!result.outside.ok && result.outside.error.message).toContain('outside the folders you chose');
    expect(result.presets.ok).toBe(true);
    expect(result.picked).toEqual({ ok: true, result: null });
    expect(result.untrusted).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('untrusted') },
    });

    expect(result.csp[0]).toContain("default-src 'self'");
    expect(result.csp[0]).toContain("script-src 'self'");
    // The renderer talks to main over IPC and to the web host on its own origin: nothing else.
    expect(result.csp[0]).toMatch(/connect-src 'self'(;|$)/);
    expect(result.openHandler).toEqual({ action: 'deny' });
    expect(result.exitCode).toBe(0);
    expect(result.startError).toBeNull();
    expect(result.settings.window).toEqual({ width: 1111, height: 777 });
    // Under Node the Electron build is absent, so the Node one is chosen, and the log says so.
    expect(result.log).toMatch(
      /better-sqlite3: .*better_sqlite3\.node \(not: .*electron-native.*not built\)/,
    );
  });

  it('grants the microphone to its own page only, and nothing else to anyone', () => {
    const { permissions } = fromCheckout();
    const granted = Object.entries(permissions)
      .filter(([, v]) => v)
      .map(([k]) => k)
      .sort();
    expect(granted).toEqual(['check:media:audio:own', 'request:media:audio:own']);
    expect(Object.keys(permissions)).toHaveLength(20);
  });
});

describe('the packaged app (electron-builder --dir with a stand-in Electron)', () => {
  const dist = join(WORK, 'dist');
  const resources = join(dist, 'linux-unpacked', 'resources');
  const archive = join(resources, 'app.asar');
  let files: Set<string>;

  beforeAll(() => {
    // A stand-in Electron distribution: electron-builder copies it and renames the executable.
    const fakeDist = join(WORK, 'electron-dist');
    mkdirSync(fakeDist, { recursive: true });
    writeFileSync(join(fakeDist, 'electron'), '#!/bin/sh\necho "stand-in Electron"\n', { mode: 0o755 });
    const native = join(WORK, 'native');
    mkdirSync(native, { recursive: true });
    copyFileSync(
      join(REPO_ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', SQLITE_ADDON),
      join(native, SQLITE_ADDON),
    );
    const configFile = join(WORK, 'electron-builder.json');
    const config = builderConfig({
      electronVersion: '45.5.0',
      electronDist: fakeDist,
      nativeDir: native,
      outputDir: dist,
    });
    writeFileSync(configFile, JSON.stringify(config));
    execFileSync(
      process.execPath,
      ['node_modules/electron-builder/cli.js', '--config', configFile, '--linux', 'dir', '--x64'],
      { cwd: REPO_ROOT, stdio: 'pipe', env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' } },
    );
    files = new Set(
      asar.listPackage(archive, { isPack: false }).map((f) => f.replace(/\\/g, '/').replace(/^\//, '')),
    );
  }, 300_000);

  const sourceWorkers = (): string[] => {
    const found = new Set<string>();
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts'))
          for (const m of readFileSync(p, 'utf8').matchAll(
            /new URL\(\s*['"](\.{1,2}\/[^'"]+)\.ts['"]\s*,\s*import\.meta\.url\s*\)/g,
          )) {
            const file = resolve(dir, m[1]!);
            found.add(`out/main/${basename(dirname(file))}-${basename(file)}.js`);
          }
      }
    };
    walk(join(REPO_ROOT, 'src', 'main'));
    return [...found].sort();
  };

  const isUnpacked = (file: string): boolean =>
    Boolean((asar.statFile(archive, file, false) as { unpacked?: boolean }).unpacked) &&
    existsSync(join(`${archive}.unpacked`, file));

  it('holds main, its workers, the preload and every file the renderer page loads', () => {
    // Every `new URL('./x.js', import.meta.url)` in the main bundle (index.js and its chunks).
    const workers = mainFiles().flatMap(({ dir, code }) =>
      [...code.matchAll(/new URL\("(\.{1,2}\/[\w./-]+\.js)", import\.meta\.url\)/g)].map((m) =>
        relative(REPO_ROOT, resolve(dir, m[1]!)).split('\\').join('/'),
      ),
    );
    // Expected: one entry per `new URL('./x.ts', import.meta.url)` worker in the sources, named
    // as electron.vite.config.ts names it (<folder>-<file>.js), so a new worker is checked too.
    expect([...new Set(workers)].sort()).toEqual(sourceWorkers());
    for (const f of ['package.json', 'out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html'])
      expect(files.has(f), f).toBe(true);
    for (const w of workers) expect(files.has(w), w).toBe(true);
    const html = readFileSync(join(OUT, 'renderer', 'index.html'), 'utf8');
    const assets = [...html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => `out/renderer/${m[1]}`);
    expect(assets.length).toBeGreaterThan(0);
    for (const a of assets) expect(files.has(a), a).toBe(true);
    for (const f of readdirSync(join(OUT, 'main', 'chunks')))
      expect(files.has(`out/main/chunks/${f}`), f).toBe(true);
  });

  it('holds every package the bundled main process and workers import', () => {
    const code = mainFiles()
      .map((f) => f.code)
      .join('\n');
    const specifiers = new Set(
      [...code.matchAll(/(?:from\s*|import\s*\(\s*|require\(\s*)"([^".][^"]*)"/g)].map((m) => m[1]!),
    );
    const packages = [...specifiers]
      .filter((s) => !s.startsWith('node:') && s !== 'electron')
      .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
    expect(packages).toContain('better-sqlite3');
    expect(packages).toContain('@tensorflow/tfjs-backend-wasm');
    for (const p of new Set(packages)) expect(files.has(`node_modules/${p}/package.json`), p).toBe(true);
    // Left out on purpose: tfjs-node (Node build only; the app uses wasm) and the CLI's TypeScript runner.
    expect(files.has('node_modules/@tensorflow/tfjs-node/package.json')).toBe(false);
    expect(files.has('node_modules/tsx/package.json')).toBe(false);
    // and onnxruntime-node until the app runs speech encoders itself (the CLI does).
    expect(files.has('node_modules/onnxruntime-node/package.json')).toBe(false);
  });

  it('unpacks the wasm binaries and ships the bundled model and the native addon as resources', () => {
    const wasm = [...files].filter((f) => f.endsWith('.wasm'));
    expect(wasm.filter((f) => f.startsWith('node_modules/@tensorflow/tfjs-backend-wasm/dist/')).length).toBe(
      3,
    );
    expect(wasm.length).toBeGreaterThanOrEqual(3);
    for (const w of wasm) expect(isUnpacked(w), w).toBe(true);
    expect(ASAR_UNPACK).toContain('**/*.node');
    expect([...files].filter((f) => f.endsWith('.node'))).toEqual([]);

    const model = join(REPO_ROOT, 'resources', 'models', 'default');
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(d, e.name)) : [relative(model, join(d, e.name))],
      );
    const modelFiles = walk(model);
    expect(modelFiles).toContain('model.json');
    for (const f of modelFiles) expect(existsSync(join(resources, 'models', 'default', f)), f).toBe(true);
    expect(existsSync(join(resources, PACKAGED_NATIVE_DIR, SQLITE_ADDON))).toBe(true);
  });

  it.skipIf(!HAVE_RAVDESS)(
    'runs from the packaged files alone and classifies a RAVDESS clip on wasm (skipped without ../shared data)',
    () => {
      // The asar extracted in its place, minus its unpacked entries, which exist only in
      // app.asar.unpacked: what the app reads through Electron's asar support.
      const packed = `${archive}.file`;
      renameSync(archive, packed);
      renameSync(`${archive}.unpacked`, `${packed}.unpacked`);
      asar.extractAll(packed, archive);
      renameSync(`${packed}.unpacked`, `${archive}.unpacked`);
      for (const f of files) {
        if ((asar.statFile(packed, f, false) as { unpacked?: boolean }).unpacked)
          rmSync(join(archive, f), { force: true });
      }
      const result = runMain({
        main: join(archive, 'out', 'main', 'index.js'),
        preload: join(archive, 'out', 'preload', 'index.cjs'),
        userData: freshUserData('packaged'),
        resourcesPath: resources,
        clip: resolve(CLIP),
      });
      expect(result.startError).toBeNull();
      expect(result.log).toContain(`better-sqlite3: ${join(resources, PACKAGED_NATIVE_DIR, SQLITE_ADDON)}`);
      expect(result.info.ok && result.info.result.backend).toBe('wasm');
      expect(result.classify?.ok, JSON.stringify(result.classify)).toBe(true);
      if (!result.classify?.ok) return;
      const entry = result.classify.result.results[0]!;
      expect(entry.ok, JSON.stringify(entry)).toBe(true);
      if (entry.ok) expect(result.classify.result.model.labels).toContain(entry.prediction.label);
      expect(result.exitCode).toBe(0);
    },
  );
});
