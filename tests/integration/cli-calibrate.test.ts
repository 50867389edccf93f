/**
 * Speaker calibration from the command line, on a small model trained here with per-speaker
 * normalisation (MLP, calm vs angry, actors 1-6) and one with global normalisation:
 *   - `ser infer` without --calibrate answers and marks the clip uncalibrated;
 *   - `ser infer --calibrate FOLDER` says how many clips and seconds it used, and the JSON carries it;
 *   - below the minimum, or for a model that takes no calibration, it refuses with the reason;
 *   - `ser evaluate --calibrate speaker --json` calibrates each unheard speaker (7, 8) from its
 *     own clips, beats chance (50 %) by 20 points, and reports accuracy per speaker.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanDataset } from '../../src/main/dataset/scan.js';
import { CALIBRATION_MINIMUM } from '../../src/main/inference/calibration.js';
import { buildTrainConfig } from '../../src/main/training/config.js';
import { trainOnScan } from '../../src/main/training/trainer.js';
import type { NormalizationMode } from '../../src/shared/training.js';
import { HAVE_RAVDESS, MISSING_DATA, REPO_ROOT, linkRavdessSubset } from '../helpers/shared-data.js';

const SER = join(REPO_ROOT, 'bin', 'ser.mjs');

function ser(args: string[]) {
  const r = spawnSync(process.execPath, [SER, ...args], { encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n');
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, last: lines[lines.length - 1] ?? '' };
}

describe.skipIf(!HAVE_RAVDESS)(
  `speaker calibration in ser infer / evaluate ${HAVE_RAVDESS ? '' : MISSING_DATA}`,
  () => {
    let root: string;
    let data: string;
    let speakerModel: string;
    let globalModel: string;
    const clipsOf = (actor: string) =>
      readdirSync(join(data, actor))
        .sort()
        .map((f) => join(data, actor, f));

    beforeAll(async () => {
      root = mkdtempSync(join(tmpdir(), 'ser-calibrate-'));
      data = linkRavdessSubset(join(root, 'data'), [1, 2, 3, 4, 5, 6, 7, 8], ['02', '05']); // calm, angry
      const scan = await scanDataset(data, { labels: ['calm', 'angry'] });
      const train = async (normalization: NormalizationMode) => {
        const config = buildTrainConfig({
          labels: ['calm', 'angry'],
          model: 'mlp',
          epochs: 15,
          copies: 0,
          augment: [],
          normalization,
          split: { kind: 'actors', testActors: ['07', '08'], valFraction: 0 },
        });
        const r = await trainOnScan(scan, config, { modelDir: join(root, normalization), cacheDir: null });
        expect(r.status).toBe('completed');
        return r.modelDir!;
      };
      speakerModel = await train('speaker');
      globalModel = await train('global');
    }, 240_000);
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it('the recipe centres pooled statistics per speaker: the model keeps the typical centre', () => {
      const meta = JSON.parse(readFileSync(join(speakerModel, 'meta.json'), 'utf8')) as {
        input: { width: number };
        inputNormalization: { pooledCentres?: { summary?: number[] } };
      };
      expect(meta.inputNormalization.pooledCentres?.summary).toHaveLength(meta.input.width);
      const global = JSON.parse(readFileSync(join(globalModel, 'meta.json'), 'utf8')) as typeof meta;
      expect(global.inputNormalization.pooledCentres).toBeUndefined();
    });

    it('without --calibrate a speaker-normalised model still answers, marked uncalibrated', () => {
      const clip = clipsOf('Actor_07')[0]!;
      const r = ser(['infer', '--model', speakerModel, '--file', clip]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toMatch(/: (calm|angry) \(\d+\.\d%\).* uncalibrated$/);
      const j = JSON.parse(ser(['infer', '--model', speakerModel, '--file', clip, '--json']).last) as {
        model: { expectsCalibration: boolean };
        calibration: { source: string };
        results: { calibration: { source: string } }[];
      };
      expect(j.model.expectsCalibration).toBe(true);
      expect(j.calibration.source).toBe('none');
      expect(j.results[0]!.calibration.source).toBe('none');
    });

    it('--calibrate FOLDER says what it used and calibrates every file', () => {
      const folder = join(root, 'speaker7');
      mkdirSync(folder);
      const clips = clipsOf('Actor_07');
      for (const c of clips.slice(0, 8)) symlinkSync(c, join(folder, c.split('/').pop()!));
      const r = ser([
        'infer',
        '--model',
        speakerModel,
        '--calibrate',
        folder,
        '--file',
        clips[8]!,
        '--file',
        clips[9]!,
      ]);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/^calibrated with 8 clips, \d+\.\d s of audio$/m);
      const lines = r.stdout.trim().split('\n');
      expect(lines).toHaveLength(2);
      for (const l of lines) expect(l).toMatch(/calibrated \(8 clips, \d+\.\d s\)$/);
      const j = JSON.parse(
        ser(['infer', '--model', speakerModel, '--calibrate', folder, '--file', clips[8]!, '--json']).last,
      ) as { calibration: { source: string; clips: number; seconds: number } };
      expect(j.calibration.source).toBe('clips');
      expect(j.calibration.clips).toBe(8);
      expect(j.calibration.seconds).toBeGreaterThan(20);
    });

    it('refuses too little calibration audio, and calibration of a model that takes none', () => {
      const clips = clipsOf('Actor_07');
      const few = ser([
        'infer',
        '--model',
        speakerModel,
        '--calibrate',
        clips[0]!,
        '--calibrate',
        clips[1]!,
        '--file',
        clips[2]!,
      ]);
      expect(few.code).not.toBe(0);
      expect(few.stderr).toContain(`--calibrate: 2 clips, `);
      expect(few.stderr).toContain(`calibration needs at least ${CALIBRATION_MINIMUM.clips} clips`);
      expect(few.stdout).toBe('');
      const global = ser(['infer', '--model', globalModel, '--calibrate', clips[0]!, '--file', clips[2]!]);
      expect(global.code).not.toBe(0);
      expect(global.stderr).toMatch(/takes no calibration/);
    });

    it('ser evaluate --calibrate speaker: each unheard speaker calibrated by its own clips, per-speaker accuracy', () => {
      const r = ser([
        'evaluate',
        '--model',
        speakerModel,
        '--data',
        data,
        '--actors',
        '7,8',
        '--calibrate',
        'speaker',
        '--json',
      ]);
      expect(r.code).toBe(0);
      const j = JSON.parse(r.last) as {
        n: number;
        accuracy: number;
        uar: number;
        speakers: { speaker: string; n: number; accuracy: number }[];
        calibration: { source: string; speakers: number; clips: number };
      };
      expect(j.calibration.source).toBe('speaker');
      expect(j.calibration.speakers).toBe(2);
      expect(j.calibration.clips).toBe(j.n / 2);
      expect(j.accuracy).toBeGreaterThanOrEqual(0.7);
      expect(j.speakers.map((s) => s.speaker)).toEqual(['07', '08']);
      const weighted = j.speakers.reduce((a, s) => a + s.accuracy * s.n, 0) / j.n;
      expect(weighted).toBeCloseTo(j.accuracy, 9);
      const plain = JSON.parse(
        ser(['evaluate', '--model', speakerModel, '--data', data, '--actors', '7,8', '--json']).last,
      ) as {
        calibration: { source: string };
      };
      expect(plain.calibration.source).toBe('none');
    });
  },
);
