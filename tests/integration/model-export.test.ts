/**
 * A model exported for other tools (`ser export-model`, models.export) gives `ser infer`'s
 * probabilities without our code: a plain Node script (tests/fixtures/tfjs-plain-predict.mjs,
 * plain @tensorflow/tfjs, run as a child process) loads each member with tf.loadLayersModel over
 * HTTP and follows ser-model.json and the README from `ser features --json` output. Checked for
 * the bundled model (MLP over pooled statistics, per-speaker normalisation, with and without
 * calibration), a CNN-LSTM alone (per-utterance normalisation) and the default ensemble
 * (CNN-LSTM with batch norm and a dense layer, plus an MLP member in members/1), on RAVDESS clips
 * shorter and longer than the CNN-LSTM's 128 frames. Where a Python with librosa is at hand
 * (SER_LIBROSA_PYTHON, else python3), the README's own librosa code is run as written to make the
 * features instead of `ser features`, and must give the same probabilities.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelExportManifest } from '../../src/shared/model-export.js';
import { createService, type Service } from '../../src/main/api/service.js';
import { unpackInto } from '../../src/main/api/tar.js';
import {
  HAVE_RAVDESS,
  MISSING_DATA,
  REPO_ROOT,
  linkRavdessSubset,
  ravdessClip,
} from '../helpers/shared-data.js';

const SER = join(REPO_ROOT, 'bin', 'ser.mjs');
const README_LIBROSA = join(REPO_ROOT, 'tests', 'fixtures', 'readme-librosa-features.py');
/** A Python with librosa runs the README's own feature code (SER_LIBROSA_PYTHON, else python3). */
const PYTHON = process.env.SER_LIBROSA_PYTHON ?? 'python3';
const HAVE_LIBROSA = spawnSync(PYTHON, ['-c', 'import librosa'], { encoding: 'utf8' }).status === 0;
const PLAIN = join(REPO_ROOT, 'tests', 'fixtures', 'tfjs-plain-predict.mjs');
/** The tolerance the issue sets on probabilities. */
const TOLERANCE = 1e-4;
/** 165, 101, 110 and 133 frames: longer and shorter than the CNN-LSTM's 128-frame input. */
const CLIPS = [
  ravdessClip(19, '03-01-07-02-01-02-19.wav'),
  ravdessClip(3, '03-01-06-01-02-02-03.wav'),
  ravdessClip(3, '03-01-01-01-01-01-03.wav'),
  ravdessClip(3, '03-01-05-02-02-01-03.wav'),
];
/** Eight clips of actor 3 (the calibration minimum), two of them among CLIPS. */
const CALIBRATION = [
  '03-01-01-01-01-01-03.wav',
  '03-01-01-01-01-02-03.wav',
  '03-01-01-01-02-01-03.wav',
  '03-01-01-01-02-02-03.wav',
  '03-01-02-01-01-01-03.wav',
  '03-01-02-01-01-02-03.wav',
  '03-01-05-02-02-01-03.wav',
  '03-01-06-01-02-02-03.wav',
].map((f) => ravdessClip(3, f));

/** Stock TensorFlow.js layer classes: an export may use only these. */
const STOCK = new Set([
  'Conv1D',
  'BatchNormalization',
  'MaxPooling1D',
  'Activation',
  'LSTM',
  'GlobalAveragePooling1D',
  'Dense',
  'Dropout',
  'SpatialDropout1D',
]);

function ser(args: string[]) {
  const r = spawnSync(process.execPath, [SER, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 ** 2 });
  const lines = r.stdout.trim().split('\n');
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, last: lines[lines.length - 1] ?? '' };
}

interface PlainResult {
  backend: string;
  labels: string[];
  results: { probabilities: number[]; calibrated: number[] | null }[];
}

describe.skipIf(!HAVE_RAVDESS)(
  `a model exported as a TF.js LayersModel ${HAVE_RAVDESS ? '' : MISSING_DATA}`,
  () => {
    let root: string;
    let data: string;
    let db: string;
    const featureFiles = new Map<string, string>();
    /** The ensemble's export, for the librosa test after it. */
    let ensemble: { dir: string; manifest: ModelExportManifest; runId: string } | null = null;

    beforeAll(() => {
      root = mkdtempSync(join(tmpdir(), 'ser-model-export-'));
      data = linkRavdessSubset(join(root, 'data'), [1, 2, 3, 4], ['02', '05'], 4); // calm, angry
      db = join(root, 'runs.sqlite');
    });
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    /** `ser features --json` of a clip under the export's FeatureConfig (computed once per config). */
    function features(clip: string, manifest: ModelExportManifest): string {
      const cfg = JSON.stringify(manifest.featureConfig);
      const key = `${cfg}\n${clip}`;
      const known = featureFiles.get(key);
      if (known) return known;
      const cfgFile = join(root, `features-${featureFiles.size}.config.json`);
      writeFileSync(cfgFile, cfg);
      const r = ser(['features', '--file', clip, '--config', cfgFile, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const file = join(root, `features-${featureFiles.size}.json`);
      writeFileSync(file, r.last);
      featureFiles.set(key, file);
      return file;
    }

    /** Export `model` with `ser export-model`; returns the folder and its manifest. */
    function exportModel(model: string, name: string): { dir: string; manifest: ModelExportManifest } {
      const dir = join(root, name);
      const r = ser(['export-model', '--model', model, '--out', dir, '--db', db, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(r.last) as { dir: string; maxAbsDifference: number };
      expect(summary.dir).toBe(dir);
      expect(summary.maxAbsDifference).toBeLessThan(1e-5);
      const manifest = JSON.parse(readFileSync(join(dir, 'ser-model.json'), 'utf8')) as ModelExportManifest;
      for (const m of manifest.members) {
        const json = JSON.parse(readFileSync(join(dir, m.modelJson), 'utf8')) as {
          format: string;
          modelTopology: { class_name: string; config: { layers: { class_name: string }[] } };
          weightsManifest: { paths: string[] }[];
        };
        expect(json.format).toBe('layers-model');
        expect(json.modelTopology.class_name).toBe('Sequential');
        const classes = json.modelTopology.config.layers.map((l) => l.class_name);
        expect(classes.filter((c) => !STOCK.has(c))).toEqual([]);
        expect(classes).toEqual(m.layers);
        for (const p of json.weightsManifest.flatMap((g) => g.paths))
          expect(existsSync(join(dir, m.modelJson, '..', p))).toBe(true);
      }
      expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain(
        'librosa.stft(y, n_fft=2048, hop_length=512',
      );
      return { dir, manifest };
    }

    /**
     * The plain script's probabilities for CLIPS (and calibrated by CALIBRATION when asked), from
     * `ser features` output, or from `given` feature files (the README's librosa code).
     */
    function plain(
      dir: string,
      manifest: ModelExportManifest,
      calibrate: boolean,
      given?: { clips: string[]; calibration: string[] },
    ): PlainResult {
      const job = join(
        dir,
        '..',
        `${manifest.source.runId ?? 'default'}-${given ? 'librosa' : 'ser'}-job.json`,
      );
      writeFileSync(
        job,
        JSON.stringify(
          given ?? {
            clips: CLIPS.map((c) => features(c, manifest)),
            calibration: calibrate ? CALIBRATION.map((c) => features(c, manifest)) : null,
          },
        ),
      );
      const r = spawnSync(process.execPath, [PLAIN, dir, job], {
        encoding: 'utf8',
        cwd: root,
        maxBuffer: 16 * 1024 ** 2,
      });
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stdout.trim().split('\n');
      return JSON.parse(lines[lines.length - 1]!) as PlainResult;
    }

    /** `ser infer --json` probabilities for CLIPS in label order (calibrated by CALIBRATION when asked). */
    function infer(model: string, labels: string[], calibrate: boolean): number[][] {
      const cal = calibrate ? CALIBRATION.flatMap((c) => ['--calibrate', c]) : [];
      const r = ser([
        'infer',
        '--model',
        model,
        '--db',
        db,
        ...cal,
        ...CLIPS.flatMap((c) => ['--file', c]),
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.last) as { results: { probabilities: Record<string, number> }[] };
      return out.results.map((p) => labels.map((l) => p.probabilities[l]!));
    }

    function expectClose(got: number[][], want: number[][]): number {
      expect(got).toHaveLength(want.length);
      let worst = 0;
      got.forEach((row, i) => row.forEach((p, k) => (worst = Math.max(worst, Math.abs(p - want[i]![k]!)))));
      expect(worst).toBeLessThan(TOLERANCE);
      return worst;
    }

    /** The plain script's probabilities, plain and calibrated, are `ser infer`'s for `model`. */
    function expectSameAsInfer(out: PlainResult, model: string, labels: string[]): void {
      expectClose(
        out.results.map((r) => r.probabilities),
        infer(model, labels, false),
      );
      expectClose(
        out.results.map((r) => r.calibrated!),
        infer(model, labels, true),
      );
    }

    function trainRun(extra: string[], name: string): string {
      const r = ser([
        'train',
        '--data',
        data,
        '--emotions',
        'calm,angry',
        '--split',
        'actors',
        '--test-actors',
        '4',
        '--epochs',
        '2',
        '--augment',
        'none',
        '--name',
        name,
        '--db',
        db,
        '--json',
        ...extra,
      ]);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.last) as { runId: string }).runId;
    }

    it('the bundled model (MLP over pooled statistics, expects calibration): the same probabilities, calibrated or not', () => {
      const { dir, manifest } = exportModel('default', 'bundled');
      expect(readdirSync(dir).sort()).toEqual(['README.md', 'model.json', 'ser-model.json', 'weights.bin']);
      expect(manifest.expectsCalibration).toBe(true);
      expect(manifest.members).toHaveLength(1);
      const m = manifest.members[0]!;
      expect(m.architecture).toBe('mlp');
      expect(m.preNormalization.mode).toBe('speaker');
      expect(m.preNormalization.typical?.mean).toHaveLength(manifest.columns.length);
      expect(m.pooling).toEqual(['mean', 'std', 'p10', 'p50', 'p90', 'diff_std']);
      expect(m.inputShape).toEqual([manifest.columns.length * 6]);
      // Speaker centring (the recipe's): the typical centre, one value per pooled input.
      expect(m.pooledCentre).toHaveLength(manifest.columns.length * 6);

      const out = plain(dir, manifest, true);
      expect(out.labels).toEqual(manifest.labels);
      expectSameAsInfer(out, 'default', manifest.labels);
    }, 300_000);

    it('a CNN-LSTM alone (per-utterance normalisation): the same probabilities on clips shorter and longer than its input', () => {
      const runId = trainRun(
        ['--model', 'cnn-lstm', '--preset', 'fast', '--normalization', 'utterance'],
        'cnn',
      );
      const { manifest, dir } = exportModel(runId, 'cnn-lstm');
      expect(manifest.members.map((m) => m.architecture)).toEqual(['cnn-lstm']);
      const m = manifest.members[0]!;
      expect(m.layers.slice(0, 4)).toEqual(['Conv1D', 'BatchNormalization', 'MaxPooling1D', 'Activation']);
      expect(m.layers).toContain('LSTM');
      expect(m.windows).toEqual({ frames: 128, hop: 64 });
      expect(m.preNormalization).toEqual({ mode: 'utterance', typical: null });
      expect(manifest.expectsCalibration).toBe(false);
      expect(manifest.source.runId).toBe(runId);
      expectClose(
        plain(dir, manifest, false).results.map((r) => r.probabilities),
        infer(runId, manifest.labels, false),
      );
    }, 300_000);

    it('the default ensemble (CNN-LSTM + MLP in members/1, per speaker): the mean of both members, calibrated or not', () => {
      const runId = trainRun(['--preset', 'best', '--normalization', 'speaker'], 'ensemble');
      const { manifest, dir } = exportModel(runId, 'ensemble');
      ensemble = { dir, manifest, runId };
      expect(manifest.members.map((m) => [m.modelJson, m.architecture])).toEqual([
        ['model.json', 'cnn-lstm'],
        ['members/1/model.json', 'mlp'],
      ]);
      expect(manifest.members[0]!.layers).toContain('Dense');
      expect(manifest.combine).toBe('mean');
      // A run with validation speakers saves temperatures: the plain script applies them as the README says.
      expect(manifest.temperature?.single).toBeGreaterThan(0);
      expectSameAsInfer(plain(dir, manifest, true), runId, manifest.labels);
    }, 300_000);

    it.skipIf(!HAVE_LIBROSA)(
      `the README's librosa code (run as written) gives the same probabilities${HAVE_LIBROSA ? '' : ` (skipped: ${PYTHON} cannot import librosa; set SER_LIBROSA_PYTHON to a Python with librosa)`}`,
      () => {
        expect(ensemble, 'the ensemble test exports the model this one reads').not.toBeNull();
        const { dir, manifest, runId } = ensemble!;
        const lib = (files: string[], prefix: string): string[] => {
          const r = spawnSync(
            PYTHON,
            [README_LIBROSA, join(dir, 'README.md'), join(root, prefix), ...files],
            {
              encoding: 'utf8',
            },
          );
          expect(r.status, r.stderr).toBe(0);
          return files.map((_, i) => join(root, `${prefix}${i}.json`));
        };
        const out = plain(dir, manifest, true, {
          clips: lib(CLIPS, 'librosa-clip-'),
          calibration: lib(CALIBRATION, 'librosa-cal-'),
        });
        expectSameAsInfer(out, runId, manifest.labels);
      },
      300_000,
    );

    it('ser export-model: usage errors exit 2 before any work', () => {
      const full = join(root, 'full');
      mkdirSync(full, { recursive: true });
      writeFileSync(join(full, 'x.txt'), 'x');
      const a = ser(['export-model']);
      expect(a.code).toBe(2);
      expect(a.stderr.split('\n')[0]).toBe('ser export-model: --out: is required (a new or empty folder)');
      const b = ser(['export-model', '--out', full]);
      expect(b.code).toBe(2);
      expect(b.stderr.split('\n')[0]).toContain('--out is not empty');
      const c = ser(['export-model', '--out', join(root, 'x'), '--bogus']);
      expect(c.code).toBe(2);
      const d = ser(['export-model', '--out', join(root, 'y'), '--model', join(root, 'no-model')]);
      expect(d.code).toBe(1);
      expect(d.stderr.trim()).toMatch(/^ser export-model: NotFound: /);
      expect(existsSync(join(root, 'y'))).toBe(false);
    });

    describe('models.export in the service', () => {
      let service: Service;
      let allowed: string;
      beforeAll(async () => {
        allowed = join(root, 'allowed');
        mkdirSync(allowed);
        service = await createService({
          dbPath: join(root, 'service.sqlite'),
          modelsDir: join(root, 'models'),
          settingsPath: join(root, 'settings.json'),
          allowedRoots: [allowed],
          platform: 'web',
          cacheDir: null,
        });
      });
      afterAll(() => service?.close());

      it('returns the export as one .tar.gz, or writes it into a folder inside an allowed folder only', async () => {
        const res = await service.call('models.export', { model: 'default' });
        expect(res.dir).toBeNull();
        expect(res.file!.fileName).toBe('default-model.tfjs-model.tar.gz');
        const unpacked = join(root, 'unpacked');
        await unpackInto(res.file!.bytes, unpacked);
        expect(readdirSync(join(unpacked, 'default-model')).sort()).toEqual(res.files);
        expect(res.files).toEqual(['README.md', 'model.json', 'ser-model.json', 'weights.bin']);

        const inside = await service.call('models.export', { model: null, out: join(allowed, 'exported') });
        expect(inside.dir).toBe(join(allowed, 'exported'));
        expect(inside.file).toBeNull();
        expect(readdirSync(join(allowed, 'exported')).sort()).toEqual(res.files);
        await expect(
          service.call('models.export', { model: null, out: join(root, 'elsewhere') }),
        ).rejects.toThrow(/outside the folders you chose/);
      });
    });
  },
);
