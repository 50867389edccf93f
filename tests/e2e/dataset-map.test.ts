/**
 * The dataset browser and map in a real browser on a small RAVDESS folder built at test time:
 * 6 actors x calm/angry x 4 takes, where one angry take is filed under a calm name (a mislabel)
 * and actor 06 is re-recorded "through another microphone" (tests/helpers/other-microphone.ts). The table
 * lists and filters the clips and plays one; the map places them, names the mislabelled clip
 * and the speaker standing apart, and after a tiny training run colours the test clips by right
 * and wrong. Screenshots in both themes.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFile } from '../../src/main/audio/decode.js';
import { encodeWav } from '../../src/shared/wav-encode.js';
import { startApp, type App } from './harness.js';
import { shootBothSizes, trainViaService } from './ui-helpers.js';
import { otherMicrophone } from '../helpers/other-microphone.js';
import { HAVE_RAVDESS, MISSING_DATA, RAVDESS_16K } from '../helpers/shared-data.js';

const ACTORS = ['01', '02', '03', '04', '05', '06'];
const PER = 4;
/** The angry take of actor 02 filed as calm (emotion code 05 -> 02 in its name). */
const MISLABELLED = '03-01-02-02-02-02-02.wav';

async function buildFolder(root: string): Promise<void> {
  for (const a of ACTORS) {
    const dir = join(root, `Actor_${a}`);
    mkdirSync(dir, { recursive: true });
    const src = join(RAVDESS_16K, `Actor_${a}`);
    const files = readdirSync(src).sort();
    for (const code of ['02', '05']) {
      for (const [k, f] of files
        .filter((x) => x.split('-')[2] === code)
        .slice(0, PER)
        .entries()) {
        if (a === '06') {
          // Another microphone (the unit test's outlier speaker).
          const { samples } = await decodeFile(join(src, f), { targetRate: 16000 });
          const y = otherMicrophone(samples, 16000, k);
          writeFileSync(join(dir, f), encodeWav(y, 16000));
        } else {
          symlinkSync(join(src, f), join(dir, f));
        }
      }
    }
  }
  // The mislabel: an angry take of actor 02 under a calm name (statement 02, which no calm clip here uses).
  const angry = readdirSync(join(RAVDESS_16K, 'Actor_02')).find((f) => f === '03-01-05-02-02-02-02.wav');
  if (!angry) throw new Error('expected 03-01-05-02-02-02-02.wav in Actor_02');
  symlinkSync(join(RAVDESS_16K, 'Actor_02', angry), join(root, 'Actor_02', MISLABELLED));
  writeFileSync(join(root, 'Actor_02', 'notes.txt'), 'not audio');
}

describe.skipIf(!HAVE_RAVDESS)(`dataset browser and map ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  let app: App;
  let root: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'ser-e2e-map-'));
    await buildFolder(root);
    // The shared clips too: the folder's symlinks point there, and reads are checked after symlinks.
    app = await startApp({ allow: [root, RAVDESS_16K] });
    await app.page.getByRole('tab', { name: 'Train' }).click();
    await app.page.getByLabel('Dataset folder path').fill(root);
    await app.page.getByRole('button', { name: 'Scan', exact: true }).click();
  });

  afterAll(async () => {
    await app?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('lists every clip with speaker, emotion, length and level; filters; plays one; says what was skipped', async () => {
    const page = app.page;
    const table = page.getByRole('table', { name: 'Dataset clips' });
    await table.waitFor({ timeout: 30_000 });
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(ACTORS.length * 2 * PER + 1);
    // Length and level arrive from the engine.
    await table.getByText(/dBFS$/).first().waitFor({ timeout: 60_000 });
    await page.getByLabel('Filter by emotion').selectOption('angry');
    expect(await rows.count()).toBe(ACTORS.length * PER);
    await page.getByLabel('Filter by speaker').selectOption('02');
    expect(await rows.count()).toBe(PER);
    await page.getByLabel('Filter by emotion').selectOption('');
    expect(await rows.count()).toBe(2 * PER + 1);
    const first = rows.first();
    await first.getByRole('button', { name: /^Play / }).click();
    await page.locator('tbody tr.current').waitFor();
    await page.getByLabel('Filter by speaker').selectOption('');
    expect(await page.getByText('1 file skipped, and why').isVisible()).toBe(true);
  });

  it('maps the clips, names the mislabelled clip and the speaker recorded apart', async () => {
    const page = app.page;
    const map = page.getByRole('figure', { name: 'Dataset map' });
    await map.locator('canvas').waitFor({ timeout: 60_000 });
    expect(await map.getAttribute('data-points')).toBe(String(ACTORS.length * 2 * PER + 1));
    const suspects = page.getByRole('list', { name: 'Clips whose neighbours carry another emotion' });
    expect(await suspects.innerText()).toContain(MISLABELLED);
    expect(await page.getByTestId('speakers-apart').innerText()).toMatch(/\b06\b/);
    await suspects.getByRole('button', { name: MISLABELLED }).click();
    await page.locator('tbody tr.current').waitFor();
    await page.getByRole('button', { name: 'Speaker', exact: true }).click();
    await map.locator('[data-umap-ms]').or(map).waitFor();
    await page.waitForFunction(() =>
      document.querySelector('figure[data-umap-ms]')?.getAttribute('data-umap-ms'),
    );
    await page.getByRole('button', { name: 'UMAP', exact: true }).click();
    console.log(
      `map of ${await map.getAttribute('data-points')} clips: PCA drawn after ${await map.getAttribute('data-pca-ms')} ms, UMAP after ${await map.getAttribute('data-umap-ms')} ms`,
    );
    await map.scrollIntoViewIfNeeded();
    await shootBothSizes(app, 'dataset-map-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shootBothSizes(app, 'dataset-map-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('after training, colours the test clips right or wrong', async () => {
    const page = app.page;
    const runId = await trainViaService(app, root, 'map e2e', (c) => {
      c.labels = ['calm', 'angry'];
      c.split = { kind: 'actors', testActors: ['05', '06'], valFraction: 0.15 };
      c.augment.copiesPerClip = 0;
      c.optimizer.epochs = 3;
    });
    // The run list is read when the step shows a scan: scan again to pick up the new run.
    await page.getByRole('button', { name: 'Scan', exact: true }).click();
    await page
      .locator('#map-run option', { hasText: 'map e2e' })
      .waitFor({ state: 'attached', timeout: 30_000 });
    await page.locator('#map-run').selectOption(runId);
    const map = page.getByRole('figure', { name: 'Dataset map' });
    await page.getByRole('button', { name: 'Test result', exact: true }).click();
    await expect
      .poll(async () => Number(await map.getAttribute('data-results')), { timeout: 30_000 })
      .toBe(2 * 2 * PER);
    expect(await map.getByText('wrong', { exact: true }).isVisible()).toBe(true);
    await map.scrollIntoViewIfNeeded();
    await app.screenshot('dataset-map-results-1280x800');
    expect(app.errors).toEqual([]);
  });
});
