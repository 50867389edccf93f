/**
 * Speaker calibration in Classify, in a real browser against the real engine: a model trained
 * here with per-speaker normalisation; eight clips of one speaker (actor 2) are dropped and marked
 * "one speaker"; the page says how many clips and seconds calibrated the model and shows every
 * file calibrated and uncalibrated, as the API returns them.
 */
import { rmSync } from 'node:fs';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from './harness.js';
import { dropFiles, fileFrom, ravdessSubset, shootBothSizes, trainViaService } from './ui-helpers.js';
import { HAVE_RAVDESS, MISSING_DATA, RAVDESS_16K } from '../helpers/shared-data.js';

describe.skipIf(!HAVE_RAVDESS)(
  `classify: one speaker's files calibrate the model ${HAVE_RAVDESS ? '' : MISSING_DATA}`,
  () => {
    let app: App;
    let subset: string;
    let speaker: string;
    let runId: string;

    beforeAll(async () => {
      subset = ravdessSubset({ actors: [1, 3, 4, 5], emotions: ['02', '05'], perActor: 4 });
      speaker = ravdessSubset({ actors: [2], emotions: ['02', '05'], perActor: 4 });
      app = await startApp({ allow: [RAVDESS_16K, subset, speaker] });
      runId = await trainViaService(app, subset, 'e2e speaker-normalised', (c) => {
        c.labels = ['calm', 'angry'];
        c.split = { kind: 'actors', testActors: ['05'], valFraction: 0 };
        c.augment.copiesPerClip = 0;
        c.normalization = 'speaker';
        // The pooled-statistics MLP alone: quick to train.
        const mlp = c.ensemble?.[0] ?? null;
        if (mlp) {
          c.model = mlp.model;
          c.optimizer = { ...mlp.optimizer, epochs: 8 };
          c.masking = null;
        }
        c.ensemble = [];
      });
      await app.service.call('settings.set', { modelRunId: runId });
      await app.page.reload();
      await app.page.getByRole('tab', { name: 'Classify' }).waitFor();
    }, 240_000);

    afterAll(async () => {
      await app?.close();
      for (const d of [subset, speaker]) if (d) rmSync(d, { recursive: true, force: true });
    });

    it('marks eight files as one speaker and shows them calibrated and uncalibrated', async () => {
      const page = app.page;
      const dir = join(speaker, 'Actor_02');
      const files = readdirSync(dir)
        .sort()
        .map((f) => fileFrom(join(dir, f)));
      expect(files).toHaveLength(8);
      await dropFiles(app, files);
      await page.getByText(/^8 files: 8 classified/).waitFor({ timeout: 60_000 });

      const box = page.getByRole('checkbox', { name: /These files are one speaker/ });
      await box.check();
      const summary = page.getByText(/^Calibrated with 8 clips, \d+\.\d s of audio\.$/);
      await summary.waitFor({ timeout: 60_000 });
      const table = page.locator('table.compare');
      const rows = await table.locator('tbody tr').allInnerTexts();
      expect(rows).toHaveLength(8);
      for (const r of rows) expect(r).toMatch(/(calm|angry) \d+%\s+(calm|angry) \d+%/);

      // The same call through the API: the page shows what it returns.
      const res = await app.service.call('classify', {
        files: files.map((f) => ({ name: f.name, bytes: f.bytes })),
        modelRunId: runId,
        sameSpeaker: true,
      });
      expect(res.model.expectsCalibration).toBe(true);
      expect(res.calibration?.source).toBe('clips');
      expect(res.calibration?.clips).toBe(8);
      const first = res.results[0]!;
      expect(first.ok && first.uncalibrated).toBeTruthy();
      if (first.ok) expect(rows[0]).toContain(first.prediction.label);
      await shootBothSizes(app, 'classify-calibrated');

      await box.uncheck();
      expect(await table.count()).toBe(0);
    });

    it('says why when too few files are marked one speaker', async () => {
      const page = app.page;
      await page.getByRole('button', { name: 'Clear' }).click();
      const dir = join(speaker, 'Actor_02');
      const two = readdirSync(dir)
        .sort()
        .slice(0, 2)
        .map((f) => fileFrom(join(dir, f)));
      await dropFiles(app, two);
      await page.getByText(/^2 files: 2 classified/).waitFor({ timeout: 60_000 });
      await page.getByRole('checkbox', { name: /These files are one speaker/ }).check();
      await page
        .getByText(/^Not calibrated: calibration: 2 clips, .* needs at least 8 clips/)
        .waitFor({ timeout: 30_000 });
    });
  },
);
