/**
 * "Export as TF.js model" on a run's page, in a real browser against the real store and engine:
 * one small run trained through the service; the button downloads a .tfjs-model.tar.gz that
 * unpacks (system tar) to a standard TensorFlow.js LayersModel per member with ser-model.json and
 * a README. (That the files give `ser infer`'s probabilities without our code is
 * tests/integration/model-export.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelExportManifest } from '../../src/shared/model-export.js';
import { startApp, type App } from './harness.js';
import { ravdessSubset, shootBothSizes, trainViaService } from './ui-helpers.js';
import { HAVE_RAVDESS, MISSING_DATA, RAVDESS_16K } from '../helpers/shared-data.js';

describe.skipIf(!HAVE_RAVDESS)(`export a run's model as TF.js ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  let app: App;
  let subset: string;
  let unpacked: string;
  let runId: string;

  beforeAll(async () => {
    subset = ravdessSubset({ actors: [1, 2, 3, 4], emotions: ['02', '05'], perActor: 3 });
    unpacked = mkdtempSync(join(tmpdir(), 'ser-e2e-tfjs-'));
    app = await startApp({ allow: [subset, RAVDESS_16K] });
    runId = await trainViaService(app, subset, 'for other tools', (c) => {
      c.labels = ['calm', 'angry'];
      c.split = { kind: 'actors', testActors: ['04'], valFraction: 0.15 };
      c.augment.copiesPerClip = 0;
      c.optimizer.epochs = 2;
    });
    await app.page.getByRole('tab', { name: 'Runs' }).click();
  });

  afterAll(async () => {
    await app?.close();
    if (subset) rmSync(subset, { recursive: true, force: true });
    if (unpacked) rmSync(unpacked, { recursive: true, force: true });
  });

  it('downloads the model as a TF.js LayersModel with ser-model.json and a README', async () => {
    const page = app.page;
    const table = page.getByRole('table', { name: 'Saved runs' });
    await table.getByRole('button', { name: 'Open for other tools', exact: true }).click();
    const button = page.getByRole('button', { name: 'Export as TF.js model' });
    await button.waitFor();

    // Listen before clicking: the download may start before a later listener is registered.
    const download = page.waitForEvent('download', { timeout: 120_000 });
    await button.click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`for-other-tools-${runId.slice(0, 8)}.tfjs-model.tar.gz`);
    await page
      .getByRole('status')
      .filter({ hasText: 'a TensorFlow.js LayersModel with ser-model.json and a README' })
      .waitFor();

    const tar = spawnSync('tar', ['-xzf', await file.path(), '-C', unpacked], { encoding: 'utf8' });
    expect(tar.status, tar.stderr).toBe(0);
    const top = join(unpacked, `for-other-tools-${runId.slice(0, 8)}`);
    expect(readdirSync(top)).toEqual(
      expect.arrayContaining(['README.md', 'model.json', 'ser-model.json', 'weights.bin']),
    );
    const manifest = JSON.parse(readFileSync(join(top, 'ser-model.json'), 'utf8')) as ModelExportManifest;
    expect(manifest.labels).toEqual(['calm', 'angry']);
    expect(manifest.source.runId).toBe(runId);
    for (const m of manifest.members) {
      expect(existsSync(join(top, m.modelJson))).toBe(true);
      const json = JSON.parse(readFileSync(join(top, m.modelJson), 'utf8')) as { modelTopology: object };
      expect(JSON.stringify(json.modelTopology)).not.toMatch(/"class_name":"Ser/);
    }
    expect(readFileSync(join(top, 'README.md'), 'utf8')).toMatch(/librosa\.load\(path, sr=16000/);
    await shootBothSizes(app, 'run-page-export-tfjs');
  });
});
