/**
 * The desktop app itself, with the real Electron binary (Playwright's _electron.launch):
 * the window opens with the isolated bridge, a RAVDESS clip is classified through IPC, the Runs
 * tab opens on a fresh user-data folder, and quitting during a training leaves no run `running`.
 *
 *   npm run test:electron                       the app from this checkout (out/, built first)
 *   SER_E2E_APP=dist/linux-unpacked/ser-studio npm run test:electron    a packaged app
 *
 * Where the Electron binary is not installed (it downloads from GitHub, which the machines this
 * project is built on cannot reach) the tests are skipped and say so;
 * tests/integration/api-electron-bundle.test.ts covers what can be checked without it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { electronBinary, ensureElectronNative } from '../../scripts/electron-native.js';
import type { AppInfo, ClassifyResult } from '../../src/shared/contract.js';
import type { RunSummary } from '../../src/shared/runs.js';
import type { TrainConfig } from '../../src/shared/training.js';
import type { CallOutcome } from '../../src/shared/wire.js';
import { openStore } from '../../src/main/store/index.js';
import { HAVE_RAVDESS, REPO_ROOT, linkRavdessSubset, ravdessClip } from '../helpers/shared-data.js';

const ELECTRON = electronBinary(REPO_ROOT);
const PACKAGED = process.env.SER_E2E_APP ? resolve(process.env.SER_E2E_APP) : null;
const DEFAULT_MODEL = resolve(REPO_ROOT, 'resources', 'models', 'default');
const HAVE_MODEL = existsSync(join(DEFAULT_MODEL, 'model.json'));

type Invoke = (method: string, args?: unknown) => Promise<unknown>;
function invoke<T>(win: Page, method: string, args?: unknown): Promise<CallOutcome<T>> {
  return win.evaluate(
    ([m, a]) => (window as unknown as { serStudio: { invoke: Invoke } }).serStudio.invoke(m, a),
    [method, args] as const,
  ) as Promise<CallOutcome<T>>;
}

if (!ELECTRON && !PACKAGED) {
  describe('electron app', () => {
    it.skip('skipped: the Electron binary is not installed here (the optional `electron` package could not download it from GitHub); run `npm run test:electron` where it is', () => {});
  });
} else {
  describe('electron app: window, IPC classify, Runs tab, clean quit', () => {
    let app: ElectronApplication;
    let win: Page;
    let userData: string;
    let dataset: string;

    beforeAll(async () => {
      if (!PACKAGED) {
        ensureElectronNative({ root: REPO_ROOT, electron: ELECTRON! });
        if (!existsSync(join(REPO_ROOT, 'out', 'main', 'index.js'))) {
          execFileSync(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build'], {
            cwd: REPO_ROOT,
            stdio: 'inherit',
          });
        }
      }
      userData = mkdtempSync(join(tmpdir(), 'ser-electron-'));
      dataset = mkdtempSync(join(tmpdir(), 'ser-electron-data-'));
      app = await electron.launch({
        executablePath: PACKAGED ?? ELECTRON!,
        args: [...(PACKAGED ? [] : [REPO_ROOT]), '--no-sandbox'],
        cwd: REPO_ROOT,
        env: { ...process.env, SER_USER_DATA: userData } as Record<string, string>,
      });
      win = await app.firstWindow();
      await win.waitForLoadState('domcontentloaded');
    });

    afterAll(async () => {
      await app?.close().catch(() => undefined);
      rmSync(userData, { recursive: true, force: true });
      rmSync(dataset, { recursive: true, force: true });
    });

    it('shows a window with the isolated bridge and no Node in the page', async () => {
      expect(await win.title()).toBe('SER Studio');
      const probe = await win.evaluate(() => ({
        bridge: typeof (window as { serStudio?: unknown }).serStudio,
        node: typeof (globalThis as { process?: unknown }).process,
        require: typeof (globalThis as { require?: unknown }).require,
      }));
      expect(probe).toEqual({ bridge: 'object', node: 'undefined', require: 'undefined' });
      const info = await invoke<AppInfo>(win, 'app.info');
      expect(info.ok && info.result.platform).toBe('electron');
      // tfjs-node is not loadable under Electron's ABI (and not packaged): wasm, not the slow cpu.
      expect(info.ok && info.result.backend).toBe('wasm');
    });

    it.skipIf(!HAVE_RAVDESS || !HAVE_MODEL)(
      'classifies a RAVDESS clip through IPC (skipped without ../shared data or resources/models/default)',
      async () => {
        const bytes = [...readFileSync(ravdessClip(1, '03-01-05-01-01-01-01.wav'))];
        const out = (await win.evaluate(
          (b) =>
            (window as unknown as { serStudio: { invoke: Invoke } }).serStudio.invoke('classify', {
              files: [{ name: 'angry.wav', bytes: new Uint8Array(b) }],
            }),
          bytes,
        )) as CallOutcome<ClassifyResult>;
        expect(out.ok).toBe(true);
        if (!out.ok) return;
        const entry = out.result.results[0]!;
        expect(entry.ok).toBe(true);
        if (entry.ok) expect(out.result.model.labels).toContain(entry.prediction.label);
      },
    );

    it('opens the Runs tab on a fresh user-data folder', async () => {
      await win.getByRole('tab', { name: 'Runs' }).click();
      await expect.poll(() => win.getByText('No runs yet').count(), { timeout: 15_000 }).toBe(1);
    });

    it.skipIf(!HAVE_RAVDESS)('quitting during a training leaves no run `running`', async () => {
      linkRavdessSubset(dataset, [1, 2], ['02', '05']);
      // The folder dialog, answered in the main process as a user would.
      await app.evaluate(({ dialog }, dir) => {
        dialog.showOpenDialog = (async () => ({
          canceled: false,
          filePaths: [dir],
        })) as typeof dialog.showOpenDialog;
      }, dataset);
      const picked = await invoke<string | null>(win, 'dialog.pickFolder');
      expect(picked).toEqual({ ok: true, result: dataset });
      const presets = await invoke<{ defaults: TrainConfig }>(win, 'presets.get');
      if (!presets.ok) throw new Error(presets.error.message);
      const d = presets.result.defaults;
      const config: TrainConfig = {
        ...d,
        labels: ['angry', 'calm'],
        features: { ...d.features, features: ['mfcc'], nMfcc: 13, nMels: 40 },
        augment: { ...d.augment, kinds: [], copiesPerClip: 0 },
        optimizer: { ...d.optimizer, epochs: 500, batchSize: 8, patience: 500 },
        split: { kind: 'random', testFraction: 0.25, valFraction: 0.2 },
        ensemble: [],
      };
      const started = await invoke<{ jobId: string }>(win, 'train.start', {
        root: dataset,
        name: 'quit',
        config,
      });
      expect(started.ok, JSON.stringify(started)).toBe(true);
      await expect
        .poll(
          async () => {
            const runs = await invoke<RunSummary[]>(win, 'runs.list');
            return runs.ok ? runs.result.map((r) => r.status) : [];
          },
          { timeout: 60_000 },
        )
        .toEqual(['running']);
      await app.close();
      const store = openStore(join(userData, 'ser.sqlite'));
      try {
        const runs = store.listRuns({});
        expect(runs).toHaveLength(1);
        expect(runs[0]!.status).not.toBe('running');
      } finally {
        store.close();
      }
    });
  });
}
