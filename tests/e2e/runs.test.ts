/**
 * The Runs view in a real browser against the real store: two small runs trained through the
 * service are listed, sorted, filtered, renamed and tagged in place; comparing them shows only
 * the settings that differ, their curves, metrics and confusion matrices side by side; a run's
 * model can be picked for Classify; deleting asks first.
 */
import { rmSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainConfig } from '../../src/shared/training.js';
import { startApp, type App } from './harness.js';
import { ravdessSubset, shootBothSizes, trainViaService } from './ui-helpers.js';
import { HAVE_RAVDESS, MISSING_DATA, RAVDESS_16K } from '../helpers/shared-data.js';

describe.skipIf(!HAVE_RAVDESS)(`runs view ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  let app: App;
  let subset: string;
  let first: string;
  let second: string;

  beforeAll(async () => {
    subset = ravdessSubset({ actors: [1, 2, 3, 4, 5, 6, 7, 8], emotions: ['02', '05'], perActor: 3 });
    app = await startApp({ allow: [subset, RAVDESS_16K] });
    const base = (c: TrainConfig): void => {
      c.labels = ['calm', 'angry'];
      c.split = { kind: 'actors', testActors: ['07', '08'], valFraction: 0.15 };
      c.augment.copiesPerClip = 0;
    };
    first = await trainViaService(app, subset, 'fast preset, 3 epochs', (c) => {
      base(c);
      c.optimizer.epochs = 3;
    });
    second = await trainViaService(app, subset, 'lr 3e-3, 5 epochs', (c) => {
      base(c);
      c.optimizer.epochs = 5;
      c.optimizer.learningRate = 0.003;
    });
    await app.page.getByRole('tab', { name: 'Runs' }).click();
  });

  afterAll(async () => {
    await app?.close();
    if (subset) rmSync(subset, { recursive: true, force: true });
  });

  const rows = (): Promise<string[]> =>
    app.page
      .getByRole('table', { name: 'Saved runs' })
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-run-id') ?? ''));

  it('lists the runs, sorts by a column and filters by text', async () => {
    const page = app.page;
    const table = page.getByRole('table', { name: 'Saved runs' });
    await table.waitFor();
    await expect.poll(rows).toEqual([second, first]); // newest first
    await table.getByRole('button', { name: /^Name/ }).click();
    await expect.poll(rows).toEqual([first, second]); // "fast …" < "lr …"
    await table.getByRole('button', { name: /^Epochs/ }).click();
    await expect.poll(rows).toEqual([second, first]); // 5 epochs before 3
    await page.getByLabel('Search runs').fill('fast preset');
    await expect.poll(rows).toEqual([first]);
    await page.getByLabel('Search runs').fill('');
    await expect.poll(rows).toHaveLength(2);
  });

  it('renames inline and tags a run', async () => {
    const page = app.page;
    await page.getByRole('button', { name: 'Rename fast preset, 3 epochs' }).click();
    const input = page.getByLabel('New name for fast preset, 3 epochs');
    await input.fill('baseline');
    await input.press('Enter');
    await page.getByRole('button', { name: 'Rename baseline', exact: true }).waitFor();
    expect((await app.service.call('runs.get', { id: first })).name).toBe('baseline');

    await page.getByRole('button', { name: 'Add a tag to baseline', exact: true }).click();
    await page.getByLabel('New tag for baseline', { exact: true }).fill('keep');
    await page.getByLabel('New tag for baseline', { exact: true }).press('Enter');
    await page.getByRole('button', { name: 'Remove tag keep from baseline' }).waitFor();
    expect((await app.service.call('runs.get', { id: first })).tags).toEqual(['keep']);
    // The tag filter now offers it and narrows the list.
    await page.locator('#runs-tag').selectOption('keep');
    await expect.poll(rows).toEqual([first]);
    await page.locator('#runs-tag').selectOption('');
    await expect.poll(rows).toHaveLength(2);
    await shootBothSizes(app, 'runs-table');
  });

  it('compares two runs: config diff, metrics, curves and confusion matrices', async () => {
    const page = app.page;
    await page.getByRole('checkbox', { name: 'Select baseline for comparison' }).check();
    await page.getByRole('checkbox', { name: 'Select lr 3e-3, 5 epochs for comparison' }).check();
    await page.getByRole('button', { name: 'Compare (2)' }).click();
    const diff = page.getByRole('table', { name: 'Configuration differences' }).first();
    await diff.waitFor({ timeout: 30_000 });
    const settings = await diff.locator('tbody th').allInnerTexts();
    // Only what differs: epochs and learning rate, nothing the two runs share.
    expect(settings.sort()).toEqual(['optimizer.epochs', 'optimizer.learningRate']);
    expect(await diff.getByRole('row', { name: /optimizer\.epochs/ }).innerText()).toMatch(/3\s+5/);
    expect(await page.getByRole('table', { name: 'Metrics side by side' }).isVisible()).toBe(true);
    expect(await page.getByRole('table', { name: 'baseline' }).isVisible()).toBe(true);
    expect(await page.getByRole('table', { name: 'lr 3e-3, 5 epochs' }).isVisible()).toBe(true);
    await shootBothSizes(app, 'runs-compare');
  });

  it('uses a run’s model for classification and remembers the choice', async () => {
    const page = app.page;
    const row = page.locator(`tr[data-run-id="${second}"]`);
    await row.getByRole('button', { name: 'Use model' }).click();
    await page.getByText('Model: lr 3e-3, 5 epochs').waitFor();
    expect((await app.service.call('settings.get', undefined)).modelRunId).toBe(second);
    await page.getByRole('tab', { name: 'Classify' }).click();
    expect(await page.locator('#model-select').inputValue()).toBe(second);
    await page.getByRole('tab', { name: 'Runs' }).click();
  });

  it('exports a run, deletes it only after confirmation, and imports it back', async () => {
    const page = app.page;
    const row = page.locator(`tr[data-run-id="${first}"]`);
    const download = page.waitForEvent('download');
    await row.getByRole('button', { name: 'Export' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/\.tar\.gz$/);
    const exported = await file.path();
    expect(statSync(exported).size).toBeGreaterThan(1000);

    await row.getByRole('button', { name: 'Delete baseline' }).click();
    await row.getByRole('button', { name: 'Keep', exact: true }).click();
    expect(await rows()).toContain(first);
    await row.getByRole('button', { name: 'Delete baseline' }).click();
    await row
      .getByRole('group', { name: 'Confirm deleting baseline' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await expect.poll(rows).toEqual([second]);
    await expect(app.service.call('runs.get', { id: first })).rejects.toThrow();

    await page.locator('input[type="file"][accept*=".gz"]').setInputFiles(exported);
    await page.getByRole('status').filter({ hasText: 'Imported “baseline”' }).waitFor();
    await expect.poll(rows).toContain(first);
    expect((await app.service.call('runs.get', { id: first })).tags).toEqual(['keep']);
    expect(app.errors).toEqual([]);
  });
});
