/**
 * Start the real app for a browser test: the web host (in this process, with the real engine, a
 * temporary database and models folder) serving out/web, and Debian's Chromium driven by
 * playwright-core, already on the app's URL with its token. Builds nothing: `npm run test:e2e`
 * runs `npm run build:web` first; run it yourself when running one e2e file alone.
 *
 *   const app = await startApp({ allow: [RAVDESS_16K] });
 *   await app.page.getByRole('button', { name: 'Classify' }).click();
 *   await app.screenshot('classify');
 *   await app.close();
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createService } from '../../src/main/api/service.js';
import type { Service } from '../../src/main/api/types.js';
import { startWebHost } from '../../src/main/server/http.js';
import { MISSING_WEB_BUILD, webBuildExists } from '../../src/main/server/static.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

export const CHROMIUM = '/usr/bin/chromium';
export const WEB_DIR = resolve(REPO_ROOT, 'out', 'web');
export const SCREENSHOTS = resolve(REPO_ROOT, 'test-results', 'screenshots');

export interface StartAppOptions {
  /** Folders the UI may read (the web host's --allow). */
  allow?: string[];
  viewport?: { width: number; height: number };
  /** Use this database instead of a fresh temporary one (e.g. one seeded with runs). */
  dbPath?: string;
  /** Show the browser (debugging on a desktop). */
  headed?: boolean;
  /** Extra Chromium flags (e.g. a WAV file as the fake microphone). */
  browserArgs?: string[];
  /** The page's prefers-color-scheme (default light). */
  colorScheme?: 'light' | 'dark';
}

export interface App {
  /** The URL with the token, as `ser serve` prints it. */
  url: string;
  token: string;
  /** The origin without the token (for requests that should be refused). */
  origin: string;
  page: Page;
  context: BrowserContext;
  browser: Browser;
  /** The service behind the web host (seed runs, read results directly). */
  service: Service;
  /** The temporary folder holding the database, models and settings. */
  dataDir: string;
  /** Browser console errors and page errors seen so far. */
  errors: string[];
  /** Save test-results/screenshots/<name>.png (full page) and return its path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Chromium flags that make FILE the microphone (played in a loop) and grant it without a prompt. */
export function fakeMicrophone(file: string): string[] {
  return [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${file}`,
    '--autoplay-policy=no-user-gesture-required',
  ];
}

export const BROWSER_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function startApp(opts: StartAppOptions = {}): Promise<App> {
  if (!webBuildExists(WEB_DIR)) throw new Error(`${MISSING_WEB_BUILD} (looked in ${WEB_DIR})`);
  const dataDir = mkdtempSync(join(tmpdir(), 'ser-e2e-'));
  const dbPath = opts.dbPath ?? join(dataDir, 'ser.sqlite');
  const service = await createService({
    dbPath,
    modelsDir: join(dataDir, 'models'),
    settingsPath: join(dataDir, 'settings.json'),
    cacheDir: join(dataDir, 'feature-cache'),
    allowedRoots: opts.allow ?? [],
    platform: 'web',
  });
  const host = await startWebHost({ service, webDir: WEB_DIR });
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...BROWSER_ARGS, ...(opts.browserArgs ?? [])],
      headless: !opts.headed,
    });
    const context = await browser.newContext({
      viewport: opts.viewport ?? { width: 1280, height: 800 },
      colorScheme: opts.colorScheme ?? 'light',
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(host.url);
    // Startup done (app info, the model, a running job picked up): a job a test starts after this
    // is not one the page opened on, so the Train tab does not jump to it.
    await page.locator('.app[data-started="true"]').waitFor({ timeout: 60_000 });
    const b = browser;
    return {
      url: host.url,
      token: host.token,
      origin: `http://127.0.0.1:${host.port}`,
      page,
      context,
      browser: b,
      service,
      dataDir,
      errors,
      async screenshot(name) {
        mkdirSync(SCREENSHOTS, { recursive: true });
        const file = join(SCREENSHOTS, `${name.replace(/[^\w.-]+/g, '-')}.png`);
        await page.screenshot({ path: file, fullPage: true });
        return file;
      },
      async close() {
        await b.close().catch(() => undefined);
        await host.close();
        await service.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await browser?.close().catch(() => undefined);
    await host.close();
    await service.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}
