/**
 * The microphone in a real browser: Chromium plays a WAV file as the microphone (a RAVDESS clip
 * followed by 4 s of near-silence, made at test time), the app records it and classifies it
 * through the same engine code as a dropped file, and live mode marks the quiet stretch as
 * silence and the speech with the file's own label. Screenshots in both themes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClassifyResult } from '../../src/shared/contract.js';
import { decodeWire } from '../../src/shared/wire.js';
import { encodeWav } from '../../src/shared/wav-encode.js';
import { decodeFile } from '../../src/main/audio/decode.js';
import { seededRng } from '../../src/main/util/rng.js';
import { fakeMicrophone, startApp, type App } from './harness.js';
import { fileFrom, shootBothSizes } from './ui-helpers.js';
import { HAVE_RAVDESS, MISSING_DATA, ravdessClip } from '../helpers/shared-data.js';

/** An angry take (actor 3): the bundled model calls it angry with high confidence. */
const CLIP_NAME = '03-01-05-02-01-01-03.wav';
/**
 * Largest difference allowed between a class probability of the recording and of the file. The
 * recording is the file after two resamplings (16 kHz -> the browser's 44.1/48 kHz -> 16 kHz in
 * the engine) and starts ~20 ms later (the device opens before the page's node runs), so its
 * 512-sample frames fall at other places in the signal; it is also cut where Stop was pressed.
 * 0.1 is a tenth of the probability mass, well below the margin that separates a confident
 * label from the runner-up, and far above what a shift of a few frames changes on this clip.
 */
const TOLERANCE = 0.1;
const SILENCE_SECONDS = 4;

describe.skipIf(!HAVE_RAVDESS)(`microphone ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  let app: App;
  let dir: string;
  let clipSeconds = 0;
  const clip = HAVE_RAVDESS ? ravdessClip(3, CLIP_NAME) : '';

  beforeAll(async () => {
    // The clip, then near-silence (white noise at about -75 dBFS, a quiet room): the fake device loops it.
    dir = mkdtempSync(join(tmpdir(), 'ser-e2e-mic-'));
    const audio = await decodeFile(clip, { targetRate: 16000 });
    clipSeconds = audio.samples.length / 16000;
    const quiet = new Float32Array(SILENCE_SECONDS * 16000);
    const rng = seededRng(13);
    for (let i = 0; i < quiet.length; i++) quiet[i] = (rng() - 0.5) * 0.0006;
    const both = new Float32Array(audio.samples.length + quiet.length);
    both.set(audio.samples);
    both.set(quiet, audio.samples.length);
    const mic = join(dir, 'microphone.wav');
    writeFileSync(mic, encodeWav(both, 16000));
    app = await startApp({ browserArgs: fakeMicrophone(mic) });
    await app.page.getByText(/^Backend: /).waitFor();
  });

  afterAll(async () => {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('records the clip through the microphone and predicts what the file itself gets', async () => {
    const page = app.page;
    const answer = page.waitForResponse((r) => r.url().includes('/api/classify'), { timeout: 60_000 });
    await page.getByRole('button', { name: '● Record' }).click();
    await page.getByRole('meter', { name: 'Input level' }).waitFor();
    await page.waitForTimeout(clipSeconds * 1000);
    await page.getByRole('button', { name: '■ Stop' }).click();

    const recorded = decodeWire(await (await answer).text()) as ClassifyResult;
    const fromMic = recorded.results[0];
    const fromFile = (await app.service.call('classify', { files: [fileFrom(clip)] })).results[0];
    if (!fromMic?.ok || !fromFile?.ok) throw new Error('both classifications should succeed');
    expect(fromMic.name).toMatch(/^recording-.*\.wav$/);
    // The clip joins the list like a dropped file: a card with its waveform and prediction.
    const card = page.getByRole('article', { name: `Result for ${fromMic.name}` });
    await card.locator('[data-testid="prediction"]').waitFor();
    expect((await card.getByTestId('prediction').innerText()).toLowerCase()).toContain(
      fromFile.prediction.label,
    );
    expect(fromMic.prediction.duration).toBeGreaterThan(clipSeconds - 0.5);

    expect(fromMic.prediction.label).toBe(fromFile.prediction.label);
    const diffs = Object.keys(fromFile.prediction.probabilities).map((l) =>
      Math.abs((fromMic.prediction.probabilities[l] ?? 0) - (fromFile.prediction.probabilities[l] ?? 0)),
    );
    console.log(`microphone vs file: largest probability difference ${Math.max(...diffs).toExponential(2)}`);
    expect(Math.max(...diffs)).toBeLessThan(TOLERANCE);
    await expect(page.getByRole('button', { name: /^Save recording-/ }).isVisible()).resolves.toBe(true);
  });

  it('live mode shows silence for the quiet stretch and the file’s label for the speech', async () => {
    const page = app.page;
    const fileLabel = (await app.service.call('classify', { files: [fileFrom(clip)] })).results[0];
    if (!fileLabel?.ok) throw new Error('the file should classify');
    await page.getByRole('checkbox', { name: /Live/ }).check();
    await page.getByRole('button', { name: '● Record' }).click();
    const strip = page.getByRole('region', { name: 'Live prediction' });
    await strip.waitFor();
    // One loop of the device's file holds both a silent and a speaking window; allow three loops
    // and a little more, since on a loaded machine predictions lag the fake device's real time.
    const seen = new Set<string>();
    const until = Date.now() + (3 * (clipSeconds + SILENCE_SECONDS) + 10) * 1000;
    while (Date.now() < until && !(seen.has('silence') && seen.has(fileLabel.prediction.label))) {
      const label = await strip
        .getByTestId('live-label')
        .innerText()
        .catch(() => '');
      if (label) seen.add(label.toLowerCase());
      await page.waitForTimeout(200);
    }
    expect([...seen]).toContain('silence');
    expect([...seen]).toContain(fileLabel.prediction.label);
    // Both labels can show within three windows; the strip keeps predicting meanwhile.
    await expect
      .poll(async () => Number(await strip.getAttribute('data-predictions')), { timeout: 60_000 })
      .toBeGreaterThan(3);
    await shootBothSizes(app, 'classify-live-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shootBothSizes(app, 'classify-live-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByRole('button', { name: '■ Stop' }).click();
    expect(app.errors).toEqual([]);
  });
});
