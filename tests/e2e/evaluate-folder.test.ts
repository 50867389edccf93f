/**
 * "Evaluate a folder" in a real browser with the real engine: the Classify model on a folder of
 * labelled RAVDESS clips (actors 17-18, calm/angry/sad, plus neutral clips the model does not know
 * and a tone the speech check refuses). The page shows the numbers `ser evaluate --json` prints for
 * the same model and folder (accuracy, UAR, per-speaker accuracy, confusion), a confusion cell lists
 * its clips, the tone is listed with its reason, and calibration is offered only to a model that
 * takes it. A run's model evaluated on a folder with one of its training speakers says so, and the
 * evaluation is recorded with the run (its page lists it). Cancel stops a long evaluation.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/shared/wav-encode.js';
import { startApp, type App } from './harness.js';
import { ravdessSubset, shootBothSizes, trainViaService } from './ui-helpers.js';
import {
  HAVE_RAVDESS,
  MISSING_DATA,
  RAVDESS_16K,
  REPO_ROOT,
  linkRavdessSubset,
} from '../helpers/shared-data.js';

const run = promisify(execFile);
const TONE = '03-01-05-02-02-02-17.wav';

interface CliEvaluation {
  n: number;
  accuracy: number;
  uar: number;
  macroF1: number;
  labels: string[];
  confusion: number[][];
  speakers: { speaker: string; n: number; correct: number; accuracy: number }[];
  calibration: { source: string; speakers?: number } | null;
}

/** `ser evaluate --json` for the same model and folder (the CLI, a separate process). */
async function cliEvaluate(args: string[]): Promise<CliEvaluation> {
  const { stdout } = await run(
    process.execPath,
    [join(REPO_ROOT, 'bin', 'ser.mjs'), 'evaluate', ...args, '--json'],
    {
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, SER_DB: join(tmpdir(), `ser-e2e-eval-cli-${process.pid}.sqlite`) },
    },
  );
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as CliEvaluation;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

describe.skipIf(!HAVE_RAVDESS)(`evaluate a folder ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  let app: App;
  let folder: string;
  let train: string;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'ser-e2e-evaluate-'));
    // calm, sad, angry (the bundled model knows them) and neutral (it does not), 3 takes each.
    linkRavdessSubset(folder, [17, 18], ['01', '02', '04', '05'], 3);
    const t = Float32Array.from({ length: 32000 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / 16000));
    writeFileSync(join(folder, 'Actor_17', TONE), encodeWav(t, 16000));
    train = ravdessSubset({ actors: [1, 2, 3, 17], emotions: ['02', '05'], perActor: 3 });
    app = await startApp({ allow: [folder, train, RAVDESS_16K] });
  });

  afterAll(async () => {
    await app?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
    if (train) rmSync(train, { recursive: true, force: true });
  });

  it('the bundled model on a folder: the numbers of ser evaluate, a cell opens its clips, the tone refused with why', async () => {
    const page = app.page;
    const cli = cliEvaluate(['--model', 'default', '--data', folder, '--calibrate', 'speaker']);
    const panel = page.getByRole('region', { name: 'Evaluate a folder' });
    await panel.waitFor();
    // The bundled model was trained with per-speaker normalisation: calibration is offered, ticked.
    const calibrate = panel.getByRole('checkbox', { name: /Calibrate per speaker/ });
    await expect.poll(() => calibrate.isEnabled(), { timeout: 30_000 }).toBe(true);
    expect(await calibrate.isChecked()).toBe(true);
    await panel.getByLabel('Folder of labelled clips').fill(folder);
    await panel.getByRole('button', { name: 'Evaluate', exact: true }).click();

    const report = page.getByRole('region', { name: 'Folder evaluation' });
    await report.waitFor({ timeout: 240_000 });
    const expected = await cli;
    const kpi = async (label: string) =>
      report.locator('dt', { hasText: label }).locator('xpath=../dd').innerText();
    expect(await kpi('Accuracy')).toBe(pct(expected.accuracy));
    expect(await kpi('UAR')).toBe(pct(expected.uar));
    expect(await kpi('Macro F1')).toBe(expected.macroF1.toFixed(3));
    expect(await kpi('Clips')).toBe(String(expected.n));
    // The per-class table's macro average is the same number (over the classes with clips).
    const foot = report
      .getByRole('table', { name: 'Per-class precision, recall and F1' })
      .locator('tfoot td');
    expect(await foot.nth(2).innerText()).toBe(expected.macroF1.toFixed(2));
    expect(expected.n).toBe(18);
    expect(await kpi('Refused')).toBe('1');
    expect(expected.calibration?.source).toBe('speaker');
    await report.getByText('Calibrated per speaker: 2 speakers').waitFor();
    // The bundled model records no training speakers: the page does not pretend to know.
    await report.getByText('Training speakers unknown').waitFor();
    await report.getByText('Left out (labels the model does not know): neutral 6.').waitFor();

    const speakers = report.getByRole('table', { name: 'Accuracy per test speaker' });
    expect(await speakers.locator('tbody th').allInnerTexts()).toEqual(['17', '18']);
    const nums = await speakers.locator('tbody td.num').allInnerTexts();
    expect(nums).toEqual(expected.speakers.flatMap((s) => [String(s.n), String(s.correct)]));

    // The confusion matrix is the CLI's; its busiest cell lists exactly its clips.
    let best = { i: 0, j: 0, n: -1 };
    expected.confusion.forEach((row, i) =>
      row.forEach((n, j) => {
        if (n > best.n) best = { i, j, n };
      }),
    );
    const t = expected.labels[best.i]!;
    const p = expected.labels[best.j]!;
    await report.getByRole('button', { name: new RegExp(`^Clips: true ${t}, predicted ${p}:`) }).click();
    const list = page.getByRole('region', {
      name: `True ${t}, predicted ${p}: ${best.n} clip${best.n === 1 ? '' : 's'}`,
    });
    await list.waitFor();
    expect(await list.locator('tbody tr').count()).toBe(best.n);

    const refused = report.getByRole('region', { name: 'Refused clips' });
    const row = refused.locator('li', { hasText: TONE });
    expect(await row.innerText()).toMatch(/NoSpeech|SilentAudio|speech/i);
    await shootBothSizes(app, 'classify-evaluate-folder');
    expect(app.errors).toEqual([]);
  });

  it('a run’s model: no calibration offered, heard speakers said, recorded with the run and listed on its page', async () => {
    const page = app.page;
    const runId = await trainViaService(app, train, 'evaluated run', (c) => {
      c.labels = ['calm', 'angry'];
      c.augment.copiesPerClip = 0;
      c.optimizer.epochs = 3;
      c.ensemble = [];
      c.normalization = 'global';
      c.split = { kind: 'actors', testActors: ['03'], valFraction: 0 };
    });
    // The trained run's model appears in the picker once the list reloads (runs changed).
    const select = page.locator('#model-select');
    await expect.poll(() => select.locator(`option[value="${runId}"]`).count(), { timeout: 30_000 }).toBe(1);
    await select.selectOption(runId);
    const panel = page.getByRole('region', { name: 'Evaluate a folder' });
    await panel.getByText('How well does evaluated run do').waitFor();
    const calibrate = panel.getByRole('checkbox', { name: /Calibrate per speaker/ });
    expect(await calibrate.isDisabled()).toBe(true);
    expect(await calibrate.isChecked()).toBe(false);
    await panel.getByText('takes no calibration').waitFor();

    await panel.getByLabel('Folder of labelled clips').fill(folder);
    await panel.getByRole('button', { name: 'Evaluate', exact: true }).click();
    const report = page.getByRole('region', { name: 'Folder evaluation' });
    await report.getByText('evaluated run on').waitFor({ timeout: 240_000 });
    // Actor 17 trained this model; 18 did not.
    await report.getByText("Speaker 17 was in the model's training data").waitFor();
    await report.getByText('speaker 18 was not').waitFor();
    await shootBothSizes(app, 'classify-evaluate-run-model');
    expect(await report.locator('dt', { hasText: 'Clips' }).locator('xpath=../dd').innerText()).toBe('12');

    const evals = await app.service.call('runs.clips', { id: runId });
    const later = evals.filter((e) => e.kind === 'evaluate');
    expect(later).toHaveLength(1);
    expect(later[0]!.clips).toHaveLength(12);
    await report.getByRole('button', { name: 'Open the run' }).click();
    const section = page.locator('section', {
      has: page.getByRole('heading', { name: 'Later evaluations' }),
    });
    await section.waitFor();
    expect(await section.innerText()).toContain(folder);
    await page.getByRole('button', { name: '← All runs' }).click();
    await page.getByRole('tab', { name: 'Classify' }).click();
  });

  it('a folder without audio fails with its reason; Cancel stops a long evaluation', async () => {
    const page = app.page;
    const panel = page.getByRole('region', { name: 'Evaluate a folder' });
    const empty = mkdtempSync(join(tmpdir(), 'ser-e2e-empty-'));
    await app.service.allowRoot(empty);
    try {
      writeFileSync(join(empty, 'notes.txt'), 'no audio here');
      await panel.getByLabel('Folder of labelled clips').fill(empty);
      await panel.getByRole('button', { name: 'Evaluate', exact: true }).click();
      const alert = panel.getByRole('alert');
      await alert.waitFor({ timeout: 60_000 });
      expect(await alert.innerText()).toMatch(/no audio files/);
      expect(await alert.innerText()).not.toMatch(/^ValidationError/m);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }

    // The whole corpus (1,440 clips, no feature cache yet): long enough to cancel mid-way.
    await panel.getByLabel('Folder of labelled clips').fill(RAVDESS_16K);
    await panel.getByRole('button', { name: 'Evaluate', exact: true }).click();
    const bar = panel.getByRole('progressbar', { name: 'Extracting features' });
    await bar.waitFor({ timeout: 120_000 });
    await panel.getByRole('button', { name: 'Cancel' }).click();
    await panel.getByText('Evaluation cancelled.').waitFor({ timeout: 60_000 });
    expect(await bar.count()).toBe(0);
    // The engine is free again: a new evaluation may start.
    await expect
      .poll(() => panel.getByRole('button', { name: 'Evaluate', exact: true }).isEnabled(), {
        timeout: 30_000,
      })
      .toBe(true);
  });
});
