/**
 * ClipMemo (src/main/inference/predict.ts): a clip classified twice in one request (calibrated and
 * not) and used for calibration is checked and extracted once, with the same answers as without
 * the memo, and a clip without speech is refused on every call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFile } from '../../src/main/audio/decode.js';
import { calibrationFrom } from '../../src/main/inference/calibration.js';
import {
  ClipMemo,
  classify,
  disposeClassifier,
  loadClassifier,
  type Classifier,
} from '../../src/main/inference/predict.js';
import { HAVE_RAVDESS, MISSING_DATA, ravdessClip } from '../helpers/shared-data.js';

describe.skipIf(!HAVE_RAVDESS)(`classify with a ClipMemo ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  let c: Classifier;
  beforeAll(async () => {
    c = await loadClassifier('default');
  });
  afterAll(() => disposeClassifier(c));

  it('answers as without it, extracting each clip once', async () => {
    const sr = c.meta.featureConfig.sampleRate;
    const clips = await Promise.all(
      ['03-01-03-01-01-01-02.wav', '03-01-05-02-02-01-02.wav'].map(
        async (f) => (await decodeFile(ravdessClip(2, f), { targetRate: sr })).samples,
      ),
    );
    const memo = new ClipMemo(c.meta.featureConfig);
    const cal = calibrationFrom(
      clips.map((x) => memo.features(x)),
      20,
    );
    expect(memo.features(clips[0]!)).toBe(memo.features(clips[0]!));
    for (const samples of clips) {
      for (const calibration of [cal, null]) {
        const plain = await classify(c, { samples, sampleRate: sr, name: 'x.wav' }, calibration);
        const memoised = await classify(c, { samples, sampleRate: sr, name: 'x.wav', memo }, calibration);
        expect(memoised).toEqual(plain);
      }
    }
  });

  it('refuses a clip without speech on every call', async () => {
    const sr = c.meta.featureConfig.sampleRate;
    const silence = new Float32Array(2 * sr);
    const memo = new ClipMemo(c.meta.featureConfig);
    for (let i = 0; i < 2; i++) {
      await expect(
        classify(c, { samples: silence, sampleRate: sr, name: 'quiet.wav', memo }),
      ).rejects.toMatchObject({ code: 'NoSpeech' });
    }
  });
});
