/**
 * The training wizard end to end in a real browser with the real engine, on a small RAVDESS
 * subset (angry and calm, 8 actors, 48 clips as symlinks): scan, preview features and
 * augmentation, choose the fast preset and a split by actors, train a few epochs while the
 * curves update, and read the confusion matrix of the held-out actors. A second run is cancelled.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from './harness.js';
import { ravdessSubset, shootBothSizes } from './ui-helpers.js';
import { HAVE_RAVDESS, MISSING_DATA, RAVDESS_16K } from '../helpers/shared-data.js';

describe.skipIf(!HAVE_RAVDESS)(`training wizard ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  let app: App;
  let subset: string;

  beforeAll(async () => {
    subset = ravdessSubset({ actors: [1, 2, 3, 4, 5, 6, 7, 8], emotions: ['02', '05'], perActor: 3 });
    app = await startApp({ allow: [subset, RAVDESS_16K] });
    await app.page.getByRole('tab', { name: 'Train' }).click();
  });

  afterAll(async () => {
    await app?.close();
    if (subset) rmSync(subset, { recursive: true, force: true });
  });

  it('step 1: scans the folder, charts emotions and speakers, and picks the emotions', async () => {
    const page = app.page;
    await page.getByLabel('Dataset folder path').fill(subset);
    await page.getByRole('button', { name: 'Scan', exact: true }).click();
    await page.getByRole('heading', { name: 'What was found' }).waitFor({ timeout: 30_000 });
    expect(await page.getByText(/^48 clips · 8 speakers/).isVisible()).toBe(true);
    expect(await page.getByRole('img', { name: 'Clips per emotion' }).isVisible()).toBe(true);
    expect(await page.getByRole('img', { name: 'Clips per speaker' }).isVisible()).toBe(true);
    // Only calm and angry exist here; both belong to the seed's six, so both are ticked.
    expect(await page.getByRole('checkbox', { name: /calm/ }).isChecked()).toBe(true);
    expect(await page.getByRole('checkbox', { name: /angry/ }).isChecked()).toBe(true);
    await shootBothSizes(app, 'train-1-dataset');
    // The folder is remembered for next time.
    expect((await app.service.call('settings.get', undefined)).lastDatasetFolder).toBe(subset);
    await page.getByRole('button', { name: /^Next: Features/ }).click();
  });

  it('step 2: previews one clip’s features as heatmaps and its augmented versions', async () => {
    const page = app.page;
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.getByRole('img', { name: /^mfcc heatmap/ }).waitFor({ timeout: 60_000 });
    await page.getByRole('heading', { name: 'Augmented versions' }).waitFor({ timeout: 60_000 });
    // One waveform for the original and one per augmentation kind of the default recipe.
    const kinds = (await app.service.call('presets.get', undefined)).defaults.augment.kinds.length;
    expect(await page.getByRole('img', { name: /^Waveform of / }).count()).toBe(1 + kinds);
    // Keep the e2e run short: no augmented copies in training.
    await page.getByLabel('Copies per clip').fill('0');
    await shootBothSizes(app, 'train-2-features');
    await page.getByRole('button', { name: /^Next: Model/ }).click();
  });

  it('step 3: a random split warns that it measures known speakers; split by actors instead', async () => {
    const page = app.page;
    await page.getByRole('radio', { name: /Fast/ }).check();
    await page.getByRole('radio', { name: 'Random clips' }).check();
    expect(await page.getByRole('note').innerText()).toMatch(/speakers the model has already heard/);
    await shootBothSizes(app, 'train-3-model-random-split');
    await page.getByRole('radio', { name: /^By actors/ }).check();
    expect(await page.getByRole('note').count()).toBe(0);
    // 8 speakers: the last fifth (07, 08) are held out by default.
    expect(await page.getByRole('checkbox', { name: '07', exact: true }).isChecked()).toBe(true);
    expect(await page.getByRole('checkbox', { name: '08', exact: true }).isChecked()).toBe(true);
    expect(await page.getByRole('checkbox', { name: '01', exact: true }).isChecked()).toBe(false);
    // The recipe averages the CNN-LSTM with a pooled-statistics MLP; the box turns that off and on.
    const ensemble = page.getByRole('checkbox', { name: /Ensemble: average with a pooled-statistics MLP/ });
    expect(await ensemble.isChecked()).toBe(true);
    await ensemble.uncheck();
    expect(await page.getByText(/ensemble: probabilities averaged/).count()).toBe(0);
    await ensemble.check();
    // Normalisation: each option says what the model needs when it is used.
    const perSpeaker = page.getByRole('radio', { name: /Per speaker \(calibration\)/ });
    expect(await page.getByRole('radio', { name: /^Global/ }).isChecked()).toBe(true);
    await perSpeaker.check();
    expect(await page.getByText(/Needs a few recordings of the same speaker at use time/).isVisible()).toBe(
      true,
    );
    await page.getByLabel('Epochs').fill('4');
    await page.getByLabel('Run name').fill('e2e angry vs calm');
    await shootBothSizes(app, 'train-3-model');
    await page.getByRole('button', { name: /^Next: Train/ }).click();
  });

  it('step 4 and 5: trains with live curves, then shows the confusion matrix and per-class metrics', async () => {
    const page = app.page;
    await page.getByRole('button', { name: 'Start training' }).click();
    const live = page.getByRole('region', { name: 'Training progress' });
    await live.waitFor();
    expect(await live.getByRole('button', { name: 'Cancel training' }).isVisible()).toBe(true);
    await page.getByRole('img', { name: 'Loss' }).waitFor();

    // The wizard moves on to the results by itself when the run is done.
    const matrix = page.getByRole('table', { name: 'Confusion matrix (test set)' });
    await matrix.waitFor({ timeout: 120_000 });
    const run = (await app.service.call('runs.list', undefined))[0];
    expect(run?.status).toBe('completed');
    expect(run?.name).toBe('e2e angry vs calm');
    const full = await app.service.call('runs.get', { id: run!.id });
    expect(full.config.ensemble?.map((m) => m.model.kind)).toEqual(['mlp']);
    expect(full.config.normalization).toBe('speaker');
    expect(full.artifacts[0]?.path).toBeTruthy();
    // Rows are the true labels; the counts add up to the held-out actors' 12 clips.
    const cells = await matrix.locator('tbody td').allInnerTexts();
    expect(cells).toHaveLength(4);
    expect(cells.map(Number).reduce((a, b) => a + b, 0)).toBe(12);
    expect((await matrix.locator('tbody th[scope="row"]').allInnerTexts()).sort()).toEqual(['angry', 'calm']);
    await page.getByRole('button', { name: 'Normalised' }).click();
    for (const c of await matrix.locator('tbody td').allInnerTexts()) expect(c).toMatch(/^\d+%$/);
    const perClass = page.getByRole('table', { name: 'Per-class precision, recall and F1' });
    expect(await perClass.locator('tbody tr').count()).toBe(2);
    expect(await page.getByRole('img', { name: 'Accuracy' }).isVisible()).toBe(true);
    expect(await page.getByText('validation fit (degree 2)').first().isVisible()).toBe(true);
    await shootBothSizes(app, 'train-5-results');
  });

  it('cancels a second, long run and records it as cancelled', async () => {
    const page = app.page;
    await page.getByRole('button', { name: 'Train another' }).click();
    await page.getByLabel('Epochs').fill('500');
    await page.getByLabel('Early-stop patience').fill('500');
    await page.getByLabel('Run name').fill('e2e to cancel');
    await page.getByRole('button', { name: /^Next: Train/ }).click();
    await page.getByRole('button', { name: 'Start training' }).click();
    const live = page.getByRole('region', { name: 'Training progress' });
    // Wait until it is really training (a few epochs done), then cancel.
    const epoch = live.getByRole('progressbar', { name: 'Epoch' });
    await expect
      .poll(async () => Number((await epoch.getAttribute('aria-valuenow')) ?? 0), { timeout: 60_000 })
      .toBeGreaterThan(2);
    // The ensemble's MLP trains beside the main model: its progress has a bar of its own, and the
    // epoch bar and curves stay on the main model.
    await expect
      .poll(() => live.getByRole('progressbar', { name: 'Other ensemble members' }).count(), {
        timeout: 60_000,
      })
      .toBe(1);
    // Live curves mid-run (the first, 4-epoch run is over before a screenshot could catch it).
    await shootBothSizes(app, 'train-4-progress');
    await live.getByRole('button', { name: 'Cancel training' }).click();
    await live.getByText(/Training was cancelled/).waitFor({ timeout: 30_000 });
    await app.screenshot('train-4-cancelled-1280x800');
    const runs = await app.service.call('runs.list', undefined);
    expect(runs.find((r) => r.name === 'e2e to cancel')?.status).toBe('cancelled');
    expect(app.errors).toEqual([]);
  });
});
