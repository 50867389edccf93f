/**
 * Classify in a real browser against the real engine: drop a RAVDESS clip and see its
 * prediction with a probability bar per emotion; a text file named .wav shows its reason inline
 * while a good file beside it still classifies; the results export as CSV.
 */
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from './harness.js';
import { dropFiles, fileFrom, ravdessSubset, shootBothSizes, trainViaService } from './ui-helpers.js';
import { HAVE_RAVDESS, MISSING_DATA, RAVDESS_16K, ravdessClip } from '../helpers/shared-data.js';

describe.skipIf(!HAVE_RAVDESS)(`classify view ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  let app: App;
  let subset: string;
  /** The model the page classifies with, and its labels. */
  let modelRunId: string | null = null;
  let labels: string[] = [];

  beforeAll(async () => {
    subset = ravdessSubset({ actors: [1, 2, 3, 4, 5, 6], emotions: ['02', '05'], perActor: 3 });
    app = await startApp({ allow: [RAVDESS_16K, subset] });
    const info = await app.service.call('app.info', undefined);
    if (info.defaultModel) {
      labels = info.defaultModel.labels;
    } else {
      // No bundled model in this checkout (resources/models/default is built by `ser train`):
      // train a tiny one so the page still classifies with a real model.
      console.warn('classify e2e: no bundled model, using a freshly trained angry/calm model');
      modelRunId = await trainViaService(app, subset, 'e2e classify model', (c) => {
        c.labels = ['calm', 'angry'];
        c.split = { kind: 'actors', testActors: ['06'], valFraction: 0.15 };
        c.augment.copiesPerClip = 0;
        c.optimizer.epochs = 3;
      });
      await app.service.call('settings.set', { modelRunId });
      labels = (await app.service.call('runs.get', { id: modelRunId })).labels;
      await app.page.reload();
    }
    await app.page.getByRole('tab', { name: 'Classify' }).waitFor();
    // The header shows the backend once app.info has answered.
    await app.page.getByText(/^Backend: /).waitFor();
  });

  afterAll(async () => {
    await app?.close();
    if (subset) rmSync(subset, { recursive: true, force: true });
  });

  it('shows the empty screen with the backend in the header', async () => {
    const info = await app.service.call('app.info', undefined);
    expect(await app.page.getByText(`Backend: ${info.backend}`).isVisible()).toBe(true);
    await shootBothSizes(app, 'classify-empty');
  });

  it('has a keyboard path: arrow keys switch views, Enter on the picker opens the file dialog', async () => {
    const page = app.page;
    await page.getByRole('tab', { name: 'Classify' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'Train' }).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('ArrowLeft');
    expect(await page.getByRole('tab', { name: 'Classify' }).getAttribute('aria-selected')).toBe('true');
    // Listen for the chooser before any key reaches the picker: Playwright turns on file-chooser
    // interception asynchronously when the listener is added, and an Enter that wins that race
    // opens the real (invisible, headless) dialog instead, which failed CI once under load.
    const chooser = page.waitForEvent('filechooser', { timeout: 60_000 });
    chooser.catch(() => undefined); // if an expect below fails first, its rejection is not unhandled
    // Tab from the tabs reaches the picker; Enter opens the chooser with the keyboard alone.
    let focused = '';
    for (let i = 0; i < 6 && focused !== 'Choose files…'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
    }
    expect(focused).toBe('Choose files…');
    await page.keyboard.press('Enter');
    expect((await chooser).isMultiple()).toBe(true);
  });

  it('classifies a dropped RAVDESS clip and draws a bar per emotion', async () => {
    const clip = ravdessClip(3, '03-01-05-02-01-01-03.wav');
    await dropFiles(app, [fileFrom(clip)]);

    const card = app.page.getByRole('article', { name: 'Result for 03-01-05-02-01-01-03.wav' });
    await app.page.locator('article[data-status="done"]').first().waitFor({ timeout: 60_000 });
    const bars = card.getByRole('list', { name: 'Probability per emotion' }).getByRole('listitem');
    expect(await bars.count()).toBe(labels.length);
    const predicted = (await card.getByTestId('prediction').innerText()).split(/\s+/)[0]?.toLowerCase();
    expect(labels).toContain(predicted);

    // The bars show the same numbers the engine gives for this file.
    const direct = await app.service.call('classify', {
      files: [{ name: 'x.wav', bytes: new Uint8Array(readFileSync(clip)) }],
      modelRunId,
    });
    const first = direct.results[0];
    expect(first?.ok).toBe(true);
    if (first?.ok) {
      expect(predicted).toBe(first.prediction.label);
      const shown = await bars.allInnerTexts();
      for (const label of labels) {
        const pct = `${((first.prediction.probabilities[label] ?? 0) * 100).toFixed(1)}%`;
        expect(shown.some((t) => t.includes(label) && t.includes(pct))).toBe(true);
      }
    }
    // The waveform decoded in the browser: play becomes available.
    await expect.poll(() => card.getByRole('button', { name: /^Play / }).isEnabled()).toBe(true);
    await card.getByRole('button', { name: /^Spectrogram of / }).click();
    await app.page.waitForTimeout(500);
    await shootBothSizes(app, 'classify-one-file');
    expect(app.errors).toEqual([]);
  });

  it('shows a bad file’s error inline while the good file beside it classifies, and exports CSV', async () => {
    await app.page.getByRole('button', { name: 'Clear' }).click();
    const good = fileFrom(ravdessClip(4, '03-01-04-01-02-01-04.wav'));
    const bad = { name: 'notes.wav', bytes: new TextEncoder().encode('these are my notes, not audio\n') };
    await app.page
      .locator('input[type="file"]')
      .first()
      .setInputFiles([
        { name: bad.name, mimeType: 'audio/wav', buffer: Buffer.from(bad.bytes) },
        { name: good.name, mimeType: 'audio/wav', buffer: Buffer.from(good.bytes) },
      ]);

    const badCard = app.page.getByRole('article', { name: 'Result for notes.wav' });
    const goodCard = app.page.getByRole('article', { name: `Result for ${good.name}` });
    await badCard.getByRole('alert').waitFor({ timeout: 60_000 });
    expect(await badCard.getByRole('alert').innerText()).toMatch(/notes\.wav/);
    await goodCard.getByTestId('prediction').waitFor({ timeout: 60_000 });
    expect(await goodCard.getByRole('alert').count()).toBe(0);

    // Two files: the results table lists both, the bad one with its reason.
    const table = app.page.getByRole('table', { name: 'Classification results' });
    expect(await table.getByRole('row').count()).toBe(3);
    expect(await table.getByRole('row', { name: /notes\.wav/ }).innerText()).toMatch(/Error|not/i);
    // The file name says the clip is sad (RAVDESS code 04): a True column, right/wrong marked, the model named.
    const goodRow = table.getByRole('row', { name: new RegExp(good.name) });
    const model = modelRunId
      ? (await app.service.call('runs.get', { id: modelRunId })).name
      : 'Default model (bundled)';
    await expect.poll(() => goodRow.innerText()).toContain(model);
    const cells = await goodRow.locator('td').allInnerTexts();
    expect(cells[0]).toBe('sad');
    // (shown capitalised)
    expect(cells[1]).toMatch(cells[1]!.toLowerCase().startsWith('sad') ? /^sad ✓$/i : /^[a-z]+ ✗$/i);
    expect(await goodCard.innerText()).toContain(`by ${model}`);
    await shootBothSizes(app, 'classify-bad-and-good');

    const download = app.page.waitForEvent('download');
    await app.page.getByRole('button', { name: 'Export CSV' }).click();
    const csv = readFileSync(await (await download).path(), 'utf8');
    const lines = csv.trim().split(/\r\n/);
    expect(lines[0]).toMatch(/^file,status,prediction,true_label,confidence,duration_s,p_/);
    expect(lines).toHaveLength(3);
    expect(lines.find((l) => l.startsWith('notes.wav'))).toMatch(/,error,/);
    expect(lines.find((l) => l.startsWith(good.name))).toMatch(/,ok,[a-z]+,sad,[01]\.\d{4},/);
  });
});
