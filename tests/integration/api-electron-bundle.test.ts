/**
 * The Electron build where no Electron binary exists: `electron-vite build` must succeed, the
 * bundled training and feature workers must run as their own entries, and the bundled main
 * process and preload script must wire the contract end to end. For the last part the 'electron'
 * module is replaced by a small stand-in that records windows and routes ipcRenderer.invoke to
 * the handlers main registered; everything behind it (service, store, engine) is real.
 * (tests/e2e/electron-smoke.test.ts does the same with the real binary where it is installed.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methodChannel } from '../../src/shared/channels.js';
import { METHOD_NAMES } from '../../src/shared/contract.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

// Inside the repository so the bundles resolve node_modules; .cache/ is ignored by git.
const WORK = resolve(REPO_ROOT, '.cache', 'electron-bundle-test');
const OUT = join(WORK, 'out');

const STUB = `
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
const state = (globalThis.__electronStub = { windows: [], handlers: new Map(), exposed: {}, headers: null, listeners: new Map(), exitCode: null });
let readyResolve;
const readyP = new Promise((r) => (readyResolve = r));
class App extends EventEmitter {
  paths = {};
  isPackaged = false;
  whenReady() { setTimeout(readyResolve, 0); return readyP; }
  getPath(n) { return this.paths[n] ?? '/nonexistent'; }
  setPath(n, p) { this.paths[n] = p; }
  getVersion() { return '9.9.9-test'; }
  quit() { this.emit('will-quit', { preventDefault() {} }); }
  exit(code) { state.exitCode = code; state.onExit?.(code); }
}
export const app = new App();
export class BrowserWindow extends EventEmitter {
  static getAllWindows() { return state.windows; }
  static getFocusedWindow() { return state.windows[0] ?? null; }
  constructor(opts) {
    super();
    this.opts = opts;
    this.size = [opts.width, opts.height];
    this.sent = [];
    this.webContents = {
      setWindowOpenHandler: (h) => (this.openHandler = h),
      on: () => {},
      send: (ch, data) => this.sent.push([ch, data]),
    };
    state.windows.push(this);
  }
  once(ev, cb) { if (ev === 'ready-to-show') setTimeout(cb, 0); return this; }
  show() {}
  isDestroyed() { return false; }
  isMaximized() { return false; }
  getSize() { return this.size; }
  getNormalBounds() { return { width: this.size[0], height: this.size[1] }; }
  async loadFile(f) { this.url = pathToFileURL(f).href; state.loaded?.(this); }
  async loadURL(u) { this.url = u; state.loaded?.(this); }
}
export const dialog = { showOpenDialog: async () => ({ canceled: true, filePaths: [] }), showErrorBox: (t, m) => { state.error = t + ': ' + m; } };
export const session = { defaultSession: {
  webRequest: { onHeadersReceived: (fn) => (state.headers = fn) },
  setPermissionRequestHandler: (fn) => (state.permissions = fn),
} };
export const ipcMain = {
  handle: (ch, fn) => state.handlers.set(ch, fn),
  removeHandler: (ch) => state.handlers.delete(ch),
};
export const ipcRenderer = {
  invoke: async (ch, ...args) => {
    const h = state.handlers.get(ch);
    if (!h) throw new Error('No handler registered for ' + ch);
    return h({ senderFrame: { url: state.pageUrl } }, ...args);
  },
  on: (ch, fn) => { const s = state.listeners.get(ch) ?? new Set(); s.add(fn); state.listeners.set(ch, s); },
  removeListener: (ch, fn) => state.listeners.get(ch)?.delete(fn),
};
export const contextBridge = { exposeInMainWorld: (k, v) => (state.exposed[k] = v) };
export default { app, BrowserWindow, dialog, session, ipcMain, ipcRenderer, contextBridge };
`;

const CHILD = `
import { register } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
const [stubUrl, mainUrl, preloadPath, userData] = process.argv.slice(2);
register('data:text/javascript,' + encodeURIComponent(
  'export async function resolve(s, c, n) { return s === "electron" ? { url: ' + JSON.stringify(stubUrl) + ', shortCircuit: true } : n(s, c); }'
));
process.env.SER_USER_DATA = userData;
const stub = await import(stubUrl);
const state = globalThis.__electronStub;
const loaded = new Promise((r) => (state.loaded = r));
await import(mainUrl);
const win = await loaded;
state.pageUrl = win.url;
// The sandboxed preload, as Electron runs it: CommonJS with only 'electron' requirable.
const module = { exports: {} };
new Function('require', 'module', 'exports', readFileSync(preloadPath, 'utf8'))(
  (id) => { if (id === 'electron') return stub; throw new Error('preload may not require ' + id); }, module, module.exports);
const bridge = state.exposed.serStudio;
const out = { window: { width: win.opts.width, height: win.opts.height, webPreferences: win.opts.webPreferences, title: win.opts.title } };
out.channels = [...state.handlers.keys()].sort();
out.info = await bridge.invoke('app.info');
out.badArgs = await bridge.invoke('dataset.scan', { root: 5 });
out.outside = await bridge.invoke('audio.read', { path: '/etc/passwd' });
out.presets = await bridge.invoke('presets.get');
out.picked = await bridge.invoke('dialog.pickFolder');
state.pageUrl = 'https://evil.example/';
out.untrusted = await bridge.invoke('app.info');
state.pageUrl = win.url;
const hdr = await new Promise((r) => state.headers({ responseHeaders: { 'X-A': ['b'] } }, r));
out.csp = hdr.responseHeaders['Content-Security-Policy'];
out.permission = await new Promise((r) => state.permissions(null, 'media', r));
out.openHandler = win.openHandler({ url: 'https://example.com' });
win.size = [1111, 777];
win.emit('close');
await new Promise((r) => setTimeout(r, 200));
const exited = new Promise((r) => (state.onExit = r));
stub.app.quit();
out.exitCode = await exited;
out.settings = JSON.parse(readFileSync(userData + '/settings.json', 'utf8'));
writeFileSync(userData + '/result.json', JSON.stringify(out));
process.exit(0);
`;

interface Outcome {
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string };
}
interface ChildResult {
  window: { width: number; height: number; title: string; webPreferences: Record<string, unknown> };
  channels: string[];
  info: Outcome;
  badArgs: Outcome;
  outside: Outcome;
  presets: Outcome;
  picked: Outcome;
  untrusted: Outcome;
  csp: string[];
  permission: boolean;
  openHandler: { action: string };
  exitCode: number;
  settings: { window: unknown };
}

let result: ChildResult;

beforeAll(() => {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  execFileSync('npx', ['electron-vite', 'build', '--outDir', OUT], { cwd: REPO_ROOT, stdio: 'pipe' });
}, 180_000);

afterAll(() => {
  rmSync(WORK, { recursive: true, force: true });
});

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
    const userData = join(WORK, 'user-data');
    mkdirSync(userData, { recursive: true });
    writeFileSync(join(userData, 'settings.json'), JSON.stringify({ window: { width: 1500, height: 900 } }));
    const stubFile = join(WORK, 'electron-stub.mjs');
    const childFile = join(WORK, 'child.mjs');
    writeFileSync(stubFile, STUB);
    writeFileSync(childFile, CHILD);
    const r = spawnSync(
      process.execPath,
      [
        childFile,
        pathToFileURL(stubFile).href,
        pathToFileURL(join(OUT, 'main', 'index.js')).href,
        join(OUT, 'preload', 'index.cjs'),
        userData,
      ],
      { encoding: 'utf8', timeout: 90_000, cwd: REPO_ROOT },
    );
    expect(r.status, r.stderr).toBe(0);
    result = JSON.parse(readFileSync(join(userData, 'result.json'), 'utf8')) as ChildResult;

    expect(result.window.width).toBe(1500);
    expect(result.window.height).toBe(900);
    expect(result.window.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    });
    expect(existsSync(String(result.window.webPreferences.preload))).toBe(true);

    expect(result.channels).toEqual(METHOD_NAMES.map(methodChannel).sort());

    expect(result.info.ok).toBe(true);
    expect(result.info.result).toMatchObject({
      platform: 'electron',
      version: '9.9.9-test',
      allowedRoots: [],
    });
    expect(result.badArgs).toMatchObject({ ok: false, error: { code: 'ValidationError' } });
    expect(result.badArgs.error?.message).toMatch(/^dataset\.scan: root: /);
    expect(result.outside).toMatchObject({ ok: false, error: { code: 'ValidationError' } });
    expect(result.outside.error?.message).toContain('outside the folders you chose');
    expect(result.presets.ok).toBe(true);
    expect(result.picked).toEqual({ ok: true, result: null });
    expect(result.untrusted).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('untrusted') },
    });

    expect(result.csp[0]).toContain("default-src 'self'");
    expect(result.csp[0]).toContain("script-src 'self'");
    expect(result.permission).toBe(false);
    expect(result.openHandler).toEqual({ action: 'deny' });
    expect(result.exitCode).toBe(0);
    expect(result.settings.window).toEqual({ width: 1111, height: 777 });
  });
});
