/**
 * Electron main process: creates the window and wires the API contract to IPC. Only this file
 * and ipc.ts import 'electron'; everything else is the same service the web host runs.
 * The renderer is sandboxed (contextIsolation, sandbox, no nodeIntegration) under a strict CSP,
 * may not navigate or open windows, and gets no permission but the microphone for its own page.
 * Before the store opens, the main process picks the better-sqlite3 build made for Electron's
 * ABI (src/main/desktop/native-build.ts); what it chose and why goes to the log file.
 */
import { app, BrowserWindow, dialog, session } from 'electron';
import { appendFileSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createService } from './api/service.js';
import type { Service } from './api/types.js';
import { NATIVE_FIX, sqliteCandidates } from './desktop/native-build.js';
import { allowPermission } from './desktop/permissions.js';
import { wireIpc } from './ipc.js';
import { cspFor } from './server/static.js';
import { chooseSqliteBinding, defaultSqliteBinding, useSqliteBinding } from './store/sqlite-binding.js';

const DEFAULT_SIZE = { width: 1280, height: 800 };
const RENDERER_HTML = join(import.meta.dirname, '../renderer/index.html');
const DEV_URL = process.env.ELECTRON_RENDERER_URL;
/** The repository root when running from a checkout (out/main/..). */
const REPO_ROOT = join(import.meta.dirname, '..', '..');

let service: Service | null = null;

// Tests (and portable installs) point the app at another data folder.
if (process.env.SER_USER_DATA) app.setPath('userData', process.env.SER_USER_DATA);

/**
 * Our page: the dev server's origin, or the bundled index.html (any query or #route). Origins and
 * paths are compared, not prefixes: `http://localhost:5173.evil.example` starts with the dev URL.
 */
function isTrustedUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (DEV_URL && u.origin === new URL(DEV_URL).origin) return true;
  return u.protocol === 'file:' && u.pathname === pathToFileURL(RENDERER_HTML).pathname;
}

function bundledModelDir(): string {
  // Packaged: extraResources; from a checkout: resources/ at the repository root.
  return app.isPackaged
    ? join(process.resourcesPath, 'models', 'default')
    : join(REPO_ROOT, 'resources', 'models', 'default');
}

/** One line to stdout and to <logs>/main.log (the only place a packaged app's output is kept). */
function log(line: string): void {
  console.log(`SER Studio: ${line}`);
  try {
    const dir = app.getPath('logs');
    mkdirSync(dir, { recursive: true });
    appendFileSync(join(dir, 'main.log'), `${new Date().toISOString()} ${line}\n`);
  } catch {
    // A log that cannot be written must not stop the app.
  }
}

/** Load the better-sqlite3 build for Electron's ABI before the store opens a database. */
function pickSqliteBinding(): void {
  const choice = chooseSqliteBinding(
    sqliteCandidates({
      isPackaged: app.isPackaged,
      resourcesPath: process.resourcesPath,
      repoRoot: REPO_ROOT,
      defaultBuild: defaultSqliteBinding(),
      platform: process.platform,
      arch: process.arch,
      abi: process.versions.modules,
    }),
    NATIVE_FIX,
  );
  useSqliteBinding(choice.file);
  log(
    `better-sqlite3: ${choice.file}${choice.rejected.length ? ` (not: ${choice.rejected.join('; ')})` : ''}`,
  );
}

async function createWindow(svc: Service): Promise<void> {
  const saved = (await svc.call('settings.get', undefined)).window;
  const win = new BrowserWindow({
    width: saved?.width ?? DEFAULT_SIZE.width,
    height: saved?.height ?? DEFAULT_SIZE.height,
    minWidth: 900,
    minHeight: 600,
    title: 'SER Studio',
    show: false,
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());

  // The page may not leave the app or open new windows; links to the web open nowhere.
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (e, url) => {
    if (!isTrustedUrl(url)) e.preventDefault();
  });

  win.on('close', () => {
    const [width, height] = win.isMaximized()
      ? [win.getNormalBounds().width, win.getNormalBounds().height]
      : win.getSize();
    if (width && height) void svc.call('settings.set', { window: { width, height } }).catch(() => undefined);
  });

  if (DEV_URL) await win.loadURL(DEV_URL);
  else await win.loadFile(RENDERER_HTML);
}

async function start(): Promise<void> {
  await app.whenReady();

  // The page's CSP (its meta tag) as a header too, with what only a header can say; file://
  // loads have no headers and rely on the meta tag.
  const csp = cspFor(await readFile(RENDERER_HTML, 'utf8').catch(() => null));
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
  // Every permission is refused except the microphone for our own page (recording in Classify).
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback, details) => {
    const mediaTypes =
      'mediaTypes' in details ? (details as Electron.MediaAccessPermissionRequest).mediaTypes : [];
    callback(allowPermission({ permission, requestingUrl: details.requestingUrl, mediaTypes }, isTrustedUrl));
  });
  session.defaultSession.setPermissionCheckHandler((wc, permission, _origin, details) =>
    allowPermission(
      {
        permission,
        requestingUrl: details.requestingUrl ?? wc?.getURL() ?? '',
        mediaTypes: details.mediaType ? [details.mediaType] : [],
      },
      isTrustedUrl,
    ),
  );

  pickSqliteBinding();
  const userData = app.getPath('userData');
  const dbPath = join(userData, 'ser.sqlite');
  const svc = await createService({
    dbPath,
    modelsDir: join(userData, 'models'),
    settingsPath: join(userData, 'settings.json'),
    cacheDir: join(userData, 'feature-cache'),
    allowedRoots: [],
    platform: 'electron',
    version: app.getVersion(),
    defaultModelDir: bundledModelDir(),
    async pickFolder() {
      const parent = BrowserWindow.getFocusedWindow();
      const opts: Electron.OpenDialogOptions = {
        properties: ['openDirectory'],
        title: 'Choose a dataset folder',
      };
      const r = parent ? await dialog.showOpenDialog(parent, opts) : await dialog.showOpenDialog(opts);
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
  });
  service = svc;
  log(`data: ${userData}; bundled model: ${bundledModelDir()}`);
  wireIpc(svc, { isTrustedUrl });
  await createWindow(svc);

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void createWindow(svc);
  });
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let closing = false;
app.on('will-quit', (e) => {
  if (!service || closing) return;
  // Cancel training and close the database before exiting, so no run is left 'running'.
  e.preventDefault();
  closing = true;
  void service.close().finally(() => app.exit(0));
});

start().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  log(`could not start: ${message}`);
  dialog.showErrorBox('SER Studio could not start', message);
  app.exit(1);
});
