/**
 * `npm start`: the desktop window where the Electron binary is installed, otherwise the same UI
 * in a browser, so a new user always reaches the app with one command after `npm install`.
 *
 *   npm start                          window (Electron), or the browser fallback
 *   npm start -- --browser             the browser fallback even where Electron is installed
 *   npm start -- --no-open             do not open a browser (also: BROWSER=none)
 *   npm start -- --allow DIR --db FILE the fallback passes other flags to `ser serve`
 *   npm run dev                        the window with hot reload (`electron-vite dev`); needs Electron
 *
 * With Electron: builds better-sqlite3 for Electron once (scripts/electron-native.ts), then
 * `electron-vite preview` (build + window). Without: builds the web UI if it is missing or older
 * than its sources, starts `ser serve` on 127.0.0.1, prints the URL with its token and opens it.
 * The fallback is also taken, with the reason, where Electron is installed but cannot show a window
 * (Linux without a display) or its better-sqlite3 build fails.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary, ensureElectronNative } from './electron-native.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

/** What the web bundle (out/web) is built from; a newer file here means it must be rebuilt. */
const WEB_SOURCES = ['src/renderer', 'src/shared', 'vite.web.config.ts', 'svelte.config.js', 'package.json'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** Why out/web must be (re)built, or null when it is up to date. */
export function webBuildReason(root: string, webDir = join(root, 'out', 'web')): string | null {
  const index = join(webDir, 'index.html');
  if (!existsSync(index)) return `the web UI is not built yet (${index})`;
  const built = statSync(index).mtimeMs;
  const changed = WEB_SOURCES.find((s) => newestMtime(join(root, s)) > built);
  return changed ? `${changed} changed since the web UI was built` : null;
}

/** The first `http://host:port/?token=...` line `ser serve` prints. */
export function findServeUrl(text: string): string | null {
  return /https?:\/\/[^\s/]+\/\?token=[A-Za-z0-9_-]+/.exec(text)?.[0] ?? null;
}

/** Whether to try a browser: never when told not to, on CI, or on Linux without a display. */
export function canOpenBrowser(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, noOpen: boolean): boolean {
  if (noOpen || env.BROWSER === 'none' || env.CI) return false;
  // Without a display xdg-open would start a text-mode browser in this terminal.
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return false;
  return true;
}

async function openInBrowser(url: string): Promise<void> {
  try {
    const { default: open } = await import('open');
    const child = await open(url);
    // A missing opener (no xdg-open) is reported on the child, not thrown: never fail for it.
    child.on('error', (err) =>
      console.log(`  (could not open a browser: ${err.message}; open the URL yourself)`),
    );
    child.unref();
  } catch (err) {
    console.log(`  (could not open a browser: ${(err as Error).message}; open the URL yourself)`);
  }
}

function runNode(args: string[], what: string): void {
  console.log(`SER Studio: ${what}...`);
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`SER Studio: ${what} failed (exit ${r.status ?? r.signal}); see the output above.`);
    process.exit(1);
  }
}

/** Let the child handle Ctrl-C, forward SIGTERM, and leave with the child's exit code. */
function followChild(child: ChildProcess): void {
  // Ctrl-C reaches the child from the terminal itself (same process group): forwarding it too
  // would be a second SIGINT, which `ser serve` takes as "exit now, skip the clean close".
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

/** Why the window cannot open although the binary is there, or null when it can. */
export function desktopBlocker(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | null {
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY)
    return 'there is no display here (neither DISPLAY nor WAYLAND_DISPLAY is set)';
  return null;
}

/** Starts the window; returns why it could not (then the caller falls back to the browser). */
function startDesktop(bin: string, dev: boolean): string | null {
  const blocker = desktopBlocker(process.env, process.platform);
  if (blocker) return blocker;
  try {
    ensureElectronNative({ root: ROOT, electron: bin });
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0];
    return `better-sqlite3 could not be built for Electron (${msg}); retry with \`npm run electron:native\``;
  }
  const cli = join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  followChild(spawn(process.execPath, [cli, dev ? 'dev' : 'preview'], { cwd: ROOT, stdio: 'inherit' }));
  return null;
}

const NO_ELECTRON =
  'the Electron binary is not installed here (the optional `electron` package could not download it)';

function startBrowserFallback(why: string, serveArgs: string[], noOpen: boolean): void {
  const reason = webBuildReason(ROOT);
  if (reason) {
    console.log(`SER Studio: ${reason}.`);
    runNode(
      [
        join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '--config',
        'vite.web.config.ts',
        '--logLevel',
        'warn',
      ],
      'building the web UI (out/web)',
    );
  }
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'ser.mjs'), 'serve', ...serveArgs], {
    cwd: ROOT,
    stdio: ['inherit', 'pipe', 'inherit'],
  });
  let seen = '';
  let url: string | null = null;
  const announce = (): void => {
    console.log(
      [
        '',
        `This is the browser fallback: ${why}.`,
        '  For the desktop window, install the Electron binary (its download comes from GitHub):',
        '  `npm install electron` on a machine that can reach GitHub, then `npm start` again.',
        '  Datasets: the browser may read only folders you name: `npm start -- --allow DIR`.',
        '',
      ].join('\n'),
    );
    if (url && canOpenBrowser(process.env, process.platform, noOpen)) void openInBrowser(url);
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    if (url) return;
    seen += chunk.toString('utf8');
    url = findServeUrl(seen);
    // After the rest of `ser serve`'s start-up lines, which come in the same write or just after.
    if (url) setTimeout(announce, 100);
  });
  followChild(child);
}

function main(): void {
  const args = process.argv.slice(2);
  const forceBrowser = args.includes('--browser') || process.env.SER_START === 'browser';
  const noOpen = args.includes('--no-open');
  const dev = args.includes('--dev');
  const serveArgs = args.filter((a) => a !== '--browser' && a !== '--no-open' && a !== '--dev');
  const bin = electronBinary(ROOT);
  let why = bin ? 'you asked for it (--browser)' : NO_ELECTRON;
  if (bin && !forceBrowser) {
    const blocked = startDesktop(bin, dev);
    if (!blocked) return;
    why = blocked;
  }
  if (dev) {
    // Hot reload of the window needs the window; the browser version is `npm start`.
    console.error(
      `SER Studio: \`npm run dev\` needs the desktop window: ${why}.\n  \`npm start\` runs the app in a browser instead.`,
    );
    process.exit(1);
  }
  startBrowserFallback(why, serveArgs, noOpen);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
