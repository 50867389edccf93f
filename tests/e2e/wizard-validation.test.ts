/**
 * The wizard refuses bad settings where they are typed, in a real browser with the real engine on
 * a small RAVDESS folder (4 actors, calm/angry, 2 takes each): a field the shared schema refuses
 * is marked with its problem and Next says why it is disabled (never raw `ValidationError` text);
 * the speaker split cannot take every speaker for the test; a failed scan clears the last
 * folder's results and Next; a run that stops early says so in its results; and opening the app
 * (a reload, a second tab) while a job trains lands on that job's dashboard.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainEventMessage } from '../../src/shared/contract.js';
import { SCREENSHOTS, startApp, type App } from './harness.js';
import { ravdessSubset, shootBothSizes } from './ui-helpers.js';
import { HAVE_RAVDESS, MISSING_DATA, RAVDESS_16K } from '../helpers/shared-data.js';

/** The problem shown under a field (its aria-describedby), or null when it is not marked. */
async function fieldProblem(input: Locator): Promise<string | null> {
  if ((await input.getAttribute('aria-invalid')) !== 'true') return null;
  const id = await input.getAttribute('aria-describedby');
  return id ? input.page().locator(`#${id}`).innerText() : '';
}

describe.skipIf(!HAVE_RAVDESS)(`wizard validation ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  let app: App;
  let subset: string;

  beforeAll(async () => {
    subset = ravdessSubset({ actors: [1, 2, 3, 4], emotions: ['02', '05'], perActor: 2 });
    app = await startApp({ allow: [subset, RAVDESS_16K] });
    await app.page.getByRole('tab', { name: 'Train' }).click();
  });

  afterAll(async () => {
    await app?.close();
    if (subset) rmSync(subset, { recursive: true, force: true });
  });

  it('a failed scan clears the previous folder’s results and disables Next, saying why', async () => {
    const page = app.page;
    const next = page.getByRole('button', { name: /^Next: Features/ });
    await page.getByLabel('Dataset folder path').fill(subset);
    await page.getByRole('button', { name: 'Scan', exact: true }).click();
    await page.getByRole('heading', { name: 'What was found' }).waitFor({ timeout: 30_000 });
    await expect.poll(() => next.isEnabled()).toBe(true);

    await page.getByLabel('Dataset folder path').fill(join(subset, 'no-such-folder'));
    await page.getByRole('button', { name: 'Scan', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'Scan failed' }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('heading', { name: 'What was found' }).count()).toBe(0);
    expect(await next.isDisabled()).toBe(true);
    expect(await page.locator('#next-blocker').innerText()).toBe('Scan a dataset folder first.');
    await shootBothSizes(app, 'train-1-scan-failed');
    // The browser logs the refused call (HTTP 404) as a console error: that one is expected.
    expect(app.errors.every((e) => /status of 404/.test(e))).toBe(true);
    app.errors.length = 0;

    await page.getByLabel('Dataset folder path').fill(subset);
    await page.getByRole('button', { name: 'Scan', exact: true }).click();
    await page.getByRole('heading', { name: 'What was found' }).waitFor({ timeout: 30_000 });
    await expect.poll(() => next.isEnabled()).toBe(true);
    expect(await page.getByRole('alert').count()).toBe(0);
    await next.click();
  });

  it('features and augmentation: a refused value is marked with its problem and Next says why', async () => {
    const page = app.page;
    const next = page.getByRole('button', { name: /^Next: Model/ });
    const copies = page.getByLabel('Copies per clip');
    await copies.fill('');
    await expect.poll(() => fieldProblem(copies)).toBe('enter a number');
    expect(await next.isDisabled()).toBe(true);
    expect(await page.locator('#next-blocker').innerText()).toBe(
      'Fix the marked field: Copies per clip: enter a number.',
    );
    // A rule between two fields lands on the one to change.
    await copies.fill('0');
    await page.getByLabel('Stretch min').fill('1.5');
    await page.getByLabel('Stretch max').fill('1.2');
    await expect
      .poll(() => fieldProblem(page.getByLabel('Stretch max')))
      .toBe('must not be below Stretch min');
    await page.getByLabel('FFT size').fill('1000');
    await expect.poll(() => fieldProblem(page.getByLabel('FFT size'))).toBe('must be a power of two');
    expect(await page.locator('#next-blocker').innerText()).toMatch(
      /^Fix the marked fields: .+ \(and 1 more\)\.$/,
    );
    expect(await page.getByRole('button', { name: 'Preview', exact: true }).isDisabled()).toBe(true);
    expect(await page.getByText(/ValidationError/).count()).toBe(0);
    await shootBothSizes(app, 'train-2-invalid');

    await page.getByLabel('Stretch max').fill('1.5');
    await page.getByLabel('FFT size').fill('1024');
    await expect.poll(() => next.isEnabled()).toBe(true);
    expect(await page.locator('#next-blocker').count()).toBe(0);
    expect(await fieldProblem(copies)).toBeNull();
    await next.click();
  });

  it('model step: bad numbers are marked; the split keeps at least one training speaker and says why', async () => {
    const page = app.page;
    const next = page.getByRole('button', { name: /^Next: Train/ });
    await page.getByRole('radio', { name: /^Fast/ }).check();
    const epochs = page.getByLabel('Epochs');
    await epochs.fill('0');
    await expect.poll(() => fieldProblem(epochs)).toBe('must be at least 1');
    expect(await next.isDisabled()).toBe(true);
    expect(await page.locator('#next-blocker').innerText()).toBe(
      'Fix the marked field: Epochs: must be at least 1.',
    );
    // The Train step cannot be reached from the stepper either.
    expect(
      await page
        .getByRole('navigation', { name: 'Training steps' })
        .getByRole('button', { name: /Train$/ })
        .isDisabled(),
    ).toBe(true);
    await epochs.fill('200');

    // 4 speakers, the default holds one out; tick the rest until one is left for training.
    const box = (s: string) => page.getByRole('checkbox', { name: s, exact: true });
    for (const s of ['01', '02', '03', '04'])
      if (!(await box(s).isChecked()) && (await box(s).isEnabled())) await box(s).check();
    const ticked = await Promise.all(['01', '02', '03', '04'].map((s) => box(s).isChecked()));
    expect(ticked.filter(Boolean)).toHaveLength(3);
    const last = ['01', '02', '03', '04'][ticked.indexOf(false)]!;
    expect(await box(last).isDisabled()).toBe(true);
    expect(await page.locator('#test-actors-note').innerText()).toMatch(/cannot be a test speaker too/);
    await page.getByText('(3 test, 1 train)').waitFor();
    await shootBothSizes(app, 'train-3-last-training-speaker');

    // No test speaker at all: marked, and Next says so.
    for (const s of ['01', '02', '03', '04']) if (await box(s).isChecked()) await box(s).uncheck();
    await expect
      .poll(() => page.locator('#next-blocker').innerText())
      .toBe('Fix the marked field: Test actors: choose at least one speaker to test on.');
    await box('04').check();

    // k-fold: more folds than speakers is refused at the field.
    await page.getByRole('radio', { name: /^K-fold by actors/ }).check();
    const folds = page.getByLabel('Folds');
    await folds.fill('6');
    await expect.poll(() => fieldProblem(folds)).toBe('6 folds need at least 6 speakers; the dataset has 4');
    await page.getByRole('radio', { name: /^By actors/ }).check();
    await page.getByRole('checkbox', { name: '04', exact: true }).waitFor();
    if (!(await box('04').isChecked())) await box('04').check();

    expect(await page.getByText(/ValidationError/).count()).toBe(0);
    await page.getByLabel('Run name').fill('e2e early stop');
    await expect.poll(() => next.isEnabled()).toBe(true);
  });

  it('a run that stops early says so in its results, from what the run recorded', async () => {
    const page = app.page;
    // A learning rate of 1 and patience 1: the validation loss turns up within a few epochs of 200.
    await page.getByLabel('Learning rate').fill('1');
    await page.getByLabel('Early-stop patience').fill('1');
    await page.getByLabel('Validation fraction').fill('0.3');
    const ensemble = page.getByRole('checkbox', { name: /Ensemble: average/ });
    if ((await ensemble.count()) && (await ensemble.isChecked())) await ensemble.uncheck();
    await page.getByRole('button', { name: /^Next: Train/ }).click();
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.getByRole('table', { name: 'Confusion matrix (test set)' }).waitFor({ timeout: 240_000 });
    const run = (await app.service.call('runs.list', undefined)).find((r) => r.name === 'e2e early stop')!;
    const full = await app.service.call('runs.get', { id: run.id });
    const n = full.metrics.length;
    expect(n).toBeLessThan(200);
    const best = full.metrics.reduce((a, m) => (m.valLoss! < a.valLoss! ? m : a)).epoch;
    const since = n - best;
    const text = await page.getByText(/^Stopped early at epoch/).innerText();
    expect(text).toBe(
      `Stopped early at epoch ${n} of 200: validation loss had not improved for ${since} epoch${since === 1 ? '' : 's'} (patience 1); kept the weights of epoch ${best} (lowest validation loss).`,
    );
    await shootBothSizes(app, 'train-5-results-early-stop');
  });

  it('opening the app while a job trains (a reload, a second tab) lands on its dashboard', async () => {
    const presets = await app.service.call('presets.get', undefined);
    const config = structuredClone(presets.model.find((p) => p.id === 'fast')!.config);
    config.labels = ['calm', 'angry'];
    config.augment.copiesPerClip = 0;
    config.ensemble = [];
    config.optimizer.epochs = 5000;
    config.optimizer.patience = 5000;
    config.split = { kind: 'actors', testActors: ['04'], valFraction: 0 };
    let jobId = '';
    const seen: TrainEventMessage[] = [];
    const off = app.service.on('train.event', (m) => seen.push(m));
    try {
      ({ jobId } = await app.service.call('train.start', { root: subset, config, name: 'e2e long job' }));
      const ended = () =>
        seen.some((m) => m.jobId === jobId && ['done', 'cancelled', 'error'].includes(m.event.type));

      // A second tab opens on the Train tab, at the running job's dashboard.
      const second = await app.context.newPage();
      try {
        await second.goto(app.url);
        const live = second.getByRole('region', { name: 'Training progress' });
        await live.waitFor({ timeout: 60_000 });
        expect(await second.getByRole('tab', { name: /Train/ }).getAttribute('aria-selected')).toBe('true');
        await live.getByText('e2e long job').first().waitFor();
        // The job's own plan, not the wizard's: 5000 epochs.
        await live
          .getByText(/ \/ 5000$/)
          .first()
          .waitFor();
        await shootBothSizes(
          {
            ...app,
            page: second,
            async screenshot(name) {
              const file = join(SCREENSHOTS, `${name}.png`);
              await second.screenshot({ path: file, fullPage: true });
              return file;
            },
          },
          'train-4-second-tab',
        );

        // The first tab, reloaded, lands there too.
        await app.page.reload();
        await app.page.getByRole('region', { name: 'Training progress' }).waitFor({ timeout: 60_000 });
        expect(await app.page.getByRole('tab', { name: /Train/ }).getAttribute('aria-selected')).toBe('true');

        await live.getByRole('button', { name: 'Cancel training' }).click();
        await live.getByText(/Training was cancelled/).waitFor({ timeout: 60_000 });
        await expect.poll(ended, { timeout: 60_000 }).toBe(true);
      } finally {
        await second.close();
      }
    } finally {
      if (
        jobId &&
        !seen.some((m) => m.jobId === jobId && ['done', 'cancelled', 'error'].includes(m.event.type))
      )
        await app.service.call('train.cancel', { jobId }).catch(() => undefined);
      off();
    }
    expect(app.errors).toEqual([]);
  });
});
