/**
 * `npm start` where the desktop window cannot open: the script starts the web host, prints the
 * URL with its token and says it is the browser fallback; the page and an API call work with
 * that token; Ctrl-C (SIGINT to the process group, as a terminal sends it) stops it cleanly, once. `--browser` forces the fallback so this runs the same
 * on machines that have the Electron binary. Also the small decisions the script makes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  canOpenBrowser,
  desktopBlocker,
  findServeUrl,
  webBuildReason,
} from '../../scripts/electron-start.js';
import { electronBinary } from '../../scripts/electron-native.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

const work = mkdtempSync(join(tmpdir(), 'ser-start-'));
let child: ChildProcess | null = null;

afterAll(() => {
  if (child?.pid && child.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(work, { recursive: true, force: true });
});

function waitFor(getText: () => string, pattern: RegExp, proc: ChildProcess, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}:\n${getText()}`)), ms);
    const check = (): void => {
      if (pattern.test(getText())) {
        clearTimeout(timer);
        resolve(getText());
      }
    };
    proc.stdout!.on('data', check);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before ${pattern}:\n${getText()}`));
    });
    check();
  });
}

describe('npm start: browser fallback', () => {
  it('prints the tokened URL and why; the page and the API answer; Ctrl-C stops it cleanly', async () => {
    let out = '';
    let err = '';
    child = spawn(
      process.execPath,
      [
        'bin/run-ts.mjs',
        'scripts/electron-start.ts',
        '--browser',
        '--no-open',
        '--db',
        join(work, 'ser.sqlite'),
      ],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, BROWSER: 'none' },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, so the test can send Ctrl-C the way a terminal does.
        detached: true,
      },
    );
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    // Builds out/web first when it is missing (npm test builds it before the tests).
    await waitFor(() => out, /This is the browser fallback: [^\n]+\n/, child, 180_000);
    const url = findServeUrl(out);
    expect(url, out).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    expect(out).toContain(
      electronBinary() ? 'you asked for it (--browser)' : 'the Electron binary is not installed here',
    );
    expect(out).toContain('npm install electron');

    const page = await fetch(url!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/connect-src 'self'(;|$)/);

    const token = new URL(url!).searchParams.get('token')!;
    const api = new URL('/api/app.info', url!);
    const info = await fetch(api, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    });
    expect(info.status).toBe(200);
    expect(((await info.json()) as { platform: string }).platform).toBe('web');
    const refused = await fetch(api, { method: 'POST', headers: { 'Content-Type': 'application/json' } });
    expect(refused.status).toBe(401);

    const exited = new Promise<number | null>((r) => child!.on('exit', (code) => r(code)));
    process.kill(-child.pid!, 'SIGINT');
    expect(await exited, err).toBe(0);
    expect(err).toContain('closing the database');
    expect(err).not.toContain('again');
  }, 240_000);
});

describe('npm start: decisions', () => {
  it('rebuilds the web UI when it is missing or older than its sources', () => {
    const root = join(work, 'repo');
    mkdirSync(join(root, 'src', 'renderer'), { recursive: true });
    writeFileSync(join(root, 'src', 'renderer', 'App.svelte'), '<p>hi</p>');
    expect(webBuildReason(root)).toMatch(/not built yet/);
    mkdirSync(join(root, 'out', 'web'), { recursive: true });
    writeFileSync(join(root, 'out', 'web', 'index.html'), '<html></html>');
    const now = Date.now() / 1000;
    utimesSync(join(root, 'src', 'renderer', 'App.svelte'), now - 100, now - 100);
    utimesSync(join(root, 'src', 'renderer'), now - 100, now - 100);
    expect(webBuildReason(root)).toBeNull();
    utimesSync(join(root, 'src', 'renderer', 'App.svelte'), now + 100, now + 100);
    expect(webBuildReason(root)).toBe('src/renderer changed since the web UI was built');
  });

  it('opens a browser only with a display and when not told otherwise', () => {
    expect(canOpenBrowser({ DISPLAY: ':0' }, 'linux', false)).toBe(true);
    expect(canOpenBrowser({}, 'linux', false)).toBe(false);
    expect(canOpenBrowser({}, 'darwin', false)).toBe(true);
    expect(canOpenBrowser({ DISPLAY: ':0' }, 'linux', true)).toBe(false);
    expect(canOpenBrowser({ DISPLAY: ':0', BROWSER: 'none' }, 'linux', false)).toBe(false);
    expect(canOpenBrowser({ CI: 'true' }, 'win32', false)).toBe(false);
  });

  it('falls back to the browser on a Linux machine without a display even with Electron', () => {
    expect(desktopBlocker({}, 'linux')).toMatch(/no display/);
    expect(desktopBlocker({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toBeNull();
    expect(desktopBlocker({}, 'darwin')).toBeNull();
  });
});

describe.skipIf(electronBinary() !== null)(
  'without the Electron binary (skipped where it is installed)',
  () => {
    it('`npm run package` and `npm run dev` stop at once and say what is missing and what to do', () => {
      const run = (script: string, ...args: string[]) =>
        spawnSync(process.execPath, ['bin/run-ts.mjs', script, ...args], {
          cwd: REPO_ROOT,
          encoding: 'utf8',
          timeout: 60_000,
        });
      const pack = run('scripts/electron-package.ts');
      expect(pack.status).toBe(1);
      expect(pack.stderr).toContain('cannot package: the Electron binary is not installed here');
      expect(pack.stderr).toContain('Nothing was built');
      const dev = run('scripts/electron-start.ts', '--dev');
      expect(dev.status).toBe(1);
      expect(dev.stderr).toContain(
        '`npm run dev` needs the desktop window: the Electron binary is not installed',
      );
      expect(dev.stderr).toContain('`npm start` runs the app in a browser instead');
    });
  },
);
