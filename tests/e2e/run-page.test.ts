/**
 * A run's page in a real browser against the real store and engine: three small runs (test
 * speakers 07-08, 2-fold by speaker, random split) trained through the service. From the Runs
 * list one click opens a run: the protocol comes first, accuracy per test speaker, a confusion
 * cell lists its clips (playable, with probabilities), a speaker lists theirs, notes are saved;
 * k-fold curves are one line per fold; the Split column names each protocol.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainConfig } from '../../src/shared/training.js';
import { startApp, type App } from './harness.js';
import { ravdessSubset, shootBothSizes, trainViaService } from './ui-helpers.js';
import { HAVE_RAVDESS, MISSING_DATA, RAVDESS_16K } from '../helpers/shared-data.js';

describe.skipIf(!HAVE_RAVDESS)(`run page ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  let app: App;
  let subset: string;
  let actors: string;
  let kfold: string;
  let random: string;
  let reseeded: string;

  beforeAll(async () => {
    subset = ravdessSubset({ actors: [1, 2, 3, 4, 5, 6, 7, 8], emotions: ['02', '05'], perActor: 3 });
    // The subset is symlinks: playing a clip reads its real file in the shared data.
    app = await startApp({ allow: [subset, RAVDESS_16K] });
    const base = (c: TrainConfig): void => {
      c.labels = ['calm', 'angry'];
      c.augment.copiesPerClip = 0;
      c.optimizer.epochs = 4;
      c.ensemble = [];
    };
    actors = await trainViaService(app, subset, 'unheard 07-08', (c) => {
      base(c);
      c.split = { kind: 'actors', testActors: ['07', '08'], valFraction: 0.15 };
    });
    kfold = await trainViaService(app, subset, 'two folds', (c) => {
      base(c);
      c.split = { kind: 'kfold-actors', folds: 2, valFraction: 0.25 };
    });
    reseeded = await trainViaService(app, subset, 'unheard 07-08 seed 7', (c) => {
      base(c);
      c.split = { kind: 'actors', testActors: ['07', '08'], valFraction: 0.15 };
      c.seed = 7;
    });
    random = await trainViaService(app, subset, 'random clips', (c) => {
      base(c);
      c.split = { kind: 'random', testFraction: 0.25, valFraction: 0 };
    });
    await app.page.getByRole('tab', { name: 'Runs' }).click();
  });

  afterAll(async () => {
    await app?.close();
    if (subset) rmSync(subset, { recursive: true, force: true });
  });

  it('lists each run with its split, and opens a run on one click', async () => {
    const page = app.page;
    const table = page.getByRole('table', { name: 'Saved runs' });
    await table.waitFor();
    const split = (id: string) => table.locator(`tr[data-run-id="${id}"] .split`).innerText();
    expect(await split(actors)).toBe('speakers 7,8');
    expect(await split(kfold)).toBe('2-fold by speaker');
    expect(await split(random)).toBe('random 25%');
    await table.getByRole('button', { name: 'Open unheard 07-08', exact: true }).click();
    await page.getByText('Tested on speakers 7,8, never heard in training.').waitFor();
  });

  it('shows the run: protocol, metrics, accuracy per speaker; a confusion cell lists its playable clips', async () => {
    const page = app.page;
    const run = await app.service.call('runs.get', { id: actors });
    const ev = run.evaluation!;
    const speakers = page.getByRole('table', { name: 'Accuracy per test speaker' });
    expect(await speakers.locator('tbody th').allInnerTexts()).toEqual(['07', '08']);
    // Columns: clips, correct (3 calm + 3 angry clips of each speaker).
    const nums = await speakers.locator('tbody td.num').allInnerTexts();
    expect([nums[0], nums[2]]).toEqual(['6', '6']);
    const clipsOf = await app.service.call('runs.clips', { id: actors });
    const correct07 = clipsOf[0]!.clips.filter((c) => c.speaker === '07' && c.label === c.predicted).length;
    expect(await speakers.locator('tbody tr').first().locator('td.num').nth(1).innerText()).toBe(
      String(correct07),
    );
    expect(await page.getByText(/Trained all 4 epochs|Stopped early at epoch \d+ of 4/).isVisible()).toBe(
      true,
    );

    // The off-diagonal cell with the most clips (or the first diagonal one when there are none).
    let cell: [number, number] = [0, 0];
    let most = 0;
    ev.confusion.forEach((row, i) =>
      row.forEach((n, j) => {
        if (i !== j && n > most) [cell, most] = [[i, j], n];
      }),
    );
    const [ti, pj] = cell;
    const count = ev.confusion[ti]![pj]!;
    const matrix = page.getByRole('table', { name: 'Confusion matrix (test set)' });
    await matrix.locator('tbody tr').nth(ti).locator('td').nth(pj).getByRole('button').click();
    const title = `True ${ev.labels[ti]}, predicted ${ev.labels[pj]}: ${count} clip${count === 1 ? '' : 's'}`;
    const list = page.getByRole('region', { name: title });
    await list.waitFor();
    expect(await list.locator('tbody tr').count()).toBe(count);
    const first = list.locator('tbody tr').first();
    expect(await first.innerText()).toMatch(new RegExp(`03-01-0[25]-.*\\.wav\\s+0[78]\\s+${ev.labels[ti]}`));
    // Playing reads the clip through the API and starts the audio element.
    await first.getByRole('button', { name: /^Play / }).click();
    await expect
      .poll(() =>
        page.locator('audio').evaluate((a: HTMLAudioElement) => (a.src.startsWith('blob:') ? a.duration : 0)),
      )
      .toBeGreaterThan(2);
    await shootBothSizes(app, 'run-page-cell');

    // A speaker lists their clips; "only mistakes" narrows the list.
    await speakers.getByRole('button', { name: 'Clips of speaker 08' }).click();
    const mine = page.getByRole('region', { name: /^Speaker 08: \d+ of 6 right$/ });
    await mine.waitFor();
    expect(await mine.locator('tbody tr').count()).toBe(6);
    const wrong = clipsOf[0]!.clips.filter((c) => c.speaker === '08' && c.label !== c.predicted).length;
    await page.getByLabel('Only mistakes').check();
    await expect.poll(() => mine.locator('tbody tr').count()).toBe(wrong);
    await page.getByLabel('Only mistakes').uncheck();
  });

  it('saves notes, and goes back to the list', async () => {
    const page = app.page;
    await page.getByLabel('Notes').fill('calm is confused with angry for speaker 08');
    await page.getByRole('button', { name: 'Save notes' }).click();
    await page.getByRole('status').filter({ hasText: 'Notes saved.' }).waitFor();
    expect((await app.service.call('runs.get', { id: actors })).notes).toBe(
      'calm is confused with angry for speaker 08',
    );
    await page.getByRole('button', { name: '← All runs' }).click();
    await page.getByRole('table', { name: 'Saved runs' }).waitFor();
  });

  it('k-fold: names the folds’ speakers, draws one curve per fold, pools the clips of both folds', async () => {
    const page = app.page;
    await page
      .getByRole('table', { name: 'Saved runs' })
      .getByRole('button', { name: 'Open two folds' })
      .click();
    await page
      .getByText(
        '2-fold cross-validation by speaker: each fold tested on speakers it never heard (1-4 | 5-8).',
      )
      .waitFor();
    const speakers = page.getByRole('table', { name: 'Accuracy per test speaker' });
    expect(await speakers.locator('tbody th').allInnerTexts()).toEqual([
      '01',
      '02',
      '03',
      '04',
      '05',
      '06',
      '07',
      '08',
    ]);
    await shootBothSizes(app, 'run-page-kfold');
    expect(
      await page.getByText('fold 1 validation accuracy').filter({ visible: true }).first().isVisible(),
    ).toBe(true);
    expect(
      await page.getByText('fold 2 validation accuracy').filter({ visible: true }).first().isVisible(),
    ).toBe(true);
    expect(
      await page
        .getByText('mean of folds (validation accuracy)')
        .filter({ visible: true })
        .first()
        .isVisible(),
    ).toBe(true);
    await page.getByRole('button', { name: '← All runs' }).click();
  });

  it('random split: says the test speakers were heard', async () => {
    const page = app.page;
    await page
      .getByRole('table', { name: 'Saved runs' })
      .getByRole('button', { name: 'Open random clips' })
      .click();
    const banner = page.locator('[data-protocol="random"]');
    await banner.waitFor();
    expect(await banner.innerText()).toMatch(/the test clips' speakers were in training/);
    await page.getByRole('button', { name: '← All runs' }).click();
    await shootBothSizes(app, 'runs-split-column');
  });

  it('compares across protocols without a "best", groups the differences, hides series, pools seeds', async () => {
    const page = app.page;
    for (const name of ['unheard 07-08', 'unheard 07-08 seed 7', 'random clips'])
      await page.getByRole('checkbox', { name: `Select ${name} for comparison` }).check();
    await page.getByRole('button', { name: 'Compare (3)' }).click();
    const metrics = page.getByRole('table', { name: 'Metrics side by side' });
    await metrics.waitFor({ timeout: 30_000 });
    // Split is the first row; nothing is bold across a random and a speaker-independent split.
    expect(await metrics.locator('tbody tr').first().innerText()).toMatch(
      /^Split\s+speakers 7,8\s+speakers 7,8\s+random 25%$/,
    );
    expect(await metrics.locator('td.best').count()).toBe(0);
    await page.getByText(/measured differently \(speaker-independent vs random\)/).waitFor();

    // Differences only, data and split first; identical optional settings (masking, ensemble) not listed.
    const diff = page.getByRole('table', { name: 'Configuration differences' });
    expect(await diff.locator('tbody tr.group').allInnerTexts()).toEqual(['DATA AND SPLIT']);
    expect(await diff.locator('tbody th').allInnerTexts()).toEqual(['split', 'split.valFraction', 'seed']);

    // The two runs that differ only in their seed: mean ± std.
    const repeats = page.getByRole('table', { name: 'Repeated runs, mean and standard deviation' });
    const row = await repeats.locator('tbody tr').innerText();
    const [a, b] = await Promise.all(
      [actors, reseeded].map(async (id) => (await app.service.call('runs.get', { id })).accuracy!),
    );
    const mean = ((a! + b!) / 2) * 100;
    expect(row).toContain('unheard 07-08, unheard 07-08 seed 7 (42, 7)');
    expect(row).toContain(`${mean.toFixed(1)}% ±`);

    // Hiding a run takes its curves out of the charts.
    const legend = () => page.getByText('random clips · validation').filter({ visible: true }).count();
    expect(await legend()).toBeGreaterThan(0);
    await page.getByRole('group', { name: 'Runs shown in the curves' }).getByLabel('random clips').uncheck();
    await expect.poll(legend).toBe(0);
    await shootBothSizes(app, 'runs-compare');
    expect(app.errors).toEqual([]);
  });
});
