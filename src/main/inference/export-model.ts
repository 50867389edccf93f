/**
 * Export a saved model for tools that do not have our code: each ensemble member rebuilt from
 * TensorFlow.js's stock layers with the same weights (model/stock-layers.ts), saved in the
 * standard layers-model format (model.json + weights.bin; further members in members/N/),
 * beside ser-model.json (labels, FeatureConfig, the normalisation steps with their statistics,
 * calibration, windows; shared/model-export.ts) and a README with the librosa calls.
 *
 * Every member is checked before anything is written: the files as saved are loaded back with
 * tf.loadLayersModel and must give the original model's probabilities on random inputs.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { SerError } from '../../shared/errors.js';
import { featureColumns } from '../../shared/features.js';
import {
  MODEL_EXPORT_FORMAT,
  MODEL_EXPORT_MANIFEST,
  MODEL_EXPORT_VERSION,
  type ExportedMember,
  type ModelExportManifest,
  type ModelExportSummary,
  type PooledStatistic,
  featureBlocks,
} from '../../shared/model-export.js';
import { CALIBRATION_MINIMUM } from '../../shared/training.js';
import { initBackend } from '../model/backend.js';
import { MODEL_FILES, loadModelParts, writeLayersModelFiles, type ModelPart } from '../model/folder.js';
import { layerClasses, toStockModel } from '../model/stock-layers.js';
import { tf } from '../model/tf.js';
import { packageVersion } from '../util/package-version.js';
import { expectsCalibration, inputMode } from './calibration.js';
import { exportReadme } from './export-readme.js';

/** Random inputs each member is checked on. */
const CHECK_INPUTS = 8;
/** Largest |difference| in a probability the check accepts (float32 rounding is ~1e-7). */
const CHECK_TOLERANCE = 1e-5;

const POOLED: Record<'mean-std' | 'summary', PooledStatistic[]> = {
  'mean-std': ['mean', 'std'],
  summary: ['mean', 'std', 'p10', 'p50', 'p90', 'diff_std'],
};

export interface ExportModelOptions {
  /** The run whose model this is, recorded in ser-model.json. */
  runId?: string | null;
}

/** The member folder of member i, relative to the export ('' for the first). */
const memberDir = (i: number): string => (i === 0 ? '' : `members/${i}`);

function describeMember(part: ModelPart, stock: tf.LayersModel, i: number): ExportedMember {
  const { meta } = part;
  const pooled = meta.input.pooled;
  const mode = inputMode(meta);
  const frames = meta.input.frames;
  return {
    modelJson: join(memberDir(i), MODEL_FILES.topology),
    architecture: meta.modelConfig.kind,
    inputShape: pooled ? [meta.input.width] : [frames, meta.input.width],
    layers: layerClasses(stock),
    preNormalization: {
      mode,
      typical: mode === 'speaker' ? (meta.inputNormalization?.typical ?? null) : null,
    },
    pooling: pooled ? POOLED[meta.modelConfig.pooling ?? 'mean-std'] : null,
    pooledCentre:
      pooled && mode === 'speaker'
        ? (meta.inputNormalization?.pooledCentres?.[meta.modelConfig.pooling ?? 'mean-std'] ?? null)
        : null,
    normalization: meta.normalization,
    windows: pooled ? null : { frames, hop: Math.max(1, Math.floor(frames / 2)) },
  };
}

/** The model's temperatures (meta.json `temperature`, absent in models saved before it). */
function temperatureOf(meta: ModelPart['meta']): ModelExportManifest['temperature'] {
  const t = (
    meta as { temperature?: { single: { temperature: number }; calibrated?: { temperature: number } } }
  ).temperature;
  return t ? { single: t.single.temperature, calibrated: t.calibrated?.temperature ?? null } : null;
}

/** Largest |difference| between two models' outputs on seeded random inputs of `shape`. */
async function maxDifference(a: tf.LayersModel, b: tf.LayersModel, shape: number[]): Promise<number> {
  const x = tf.randomNormal([CHECK_INPUTS, ...shape], 0, 1, 'float32', 12);
  const ya = a.predict(x) as tf.Tensor;
  const yb = b.predict(x) as tf.Tensor;
  const [pa, pb] = [await ya.data(), await yb.data()];
  tf.dispose([x, ya, yb]);
  let d = 0;
  for (let i = 0; i < pa.length; i++) d = Math.max(d, Math.abs(pa[i]! - pb[i]!));
  return d;
}

/** Load model.json + weights.bin as written, with tf.loadLayersModel (as another tool would). */
async function loadWritten(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await readFile(join(dir, MODEL_FILES.topology), 'utf8')) as {
    modelTopology: object;
    weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  };
  const bytes = await readFile(join(dir, MODEL_FILES.weights));
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    }),
  );
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(root, p)));
    else out.push(relative(root, p));
  }
  return out.sort();
}

/** `out` must be new or an empty folder: an export never mixes with other files. */
async function checkTarget(out: string): Promise<boolean> {
  const st = await stat(out).catch(() => null);
  if (!st) return false;
  if (!st.isDirectory()) throw new SerError('ValidationError', `--out is a file, not a folder: ${out}`, out);
  if ((await readdir(out)).length > 0)
    throw new SerError(
      'ValidationError',
      `--out is not empty: ${out} (export into a new or empty folder)`,
      out,
    );
  return true;
}

/**
 * Export the model folder `modelDir` (one model or an ensemble) into the new or empty folder
 * `out`. Written to a temporary sibling and renamed into place, so a failure leaves nothing.
 */
export async function exportModel(
  modelDir: string,
  out: string,
  opts: ExportModelOptions = {},
): Promise<ModelExportSummary> {
  const target = resolve(out);
  const existed = await checkTarget(target);
  await initBackend();
  const parts = await loadModelParts(modelDir);
  const tmp = join(
    dirname(target),
    `.${basename(target)}.export-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  const stocks: tf.LayersModel[] = [];
  try {
    const members: ExportedMember[] = [];
    let worst = 0;
    for (const [i, part] of parts.entries()) {
      const stock = toStockModel(part.model);
      stocks.push(stock);
      const dir = join(tmp, memberDir(i));
      await mkdir(dir, { recursive: true });
      await writeLayersModelFiles(dir, stock);
      const member = describeMember(part, stock, i);
      const written = await loadWritten(dir);
      stocks.push(written);
      const diff = await maxDifference(part.model, written, member.inputShape);
      if (!(diff <= CHECK_TOLERANCE)) {
        throw new SerError(
          'ModelError',
          `export check failed: member ${i + 1} (${member.architecture}) differs from the model by ${diff.toExponential(2)}`,
        );
      }
      worst = Math.max(worst, diff);
      members.push(member);
    }
    const meta = parts[0]!.meta;
    const manifest: ModelExportManifest = {
      format: MODEL_EXPORT_FORMAT,
      formatVersion: MODEL_EXPORT_VERSION,
      labels: meta.labels,
      featureConfig: meta.featureConfig,
      columns: featureColumns(meta.featureConfig),
      blocks: featureBlocks(meta.featureConfig),
      expectsCalibration: expectsCalibration(meta),
      calibrationMinimum: expectsCalibration(meta) ? { ...CALIBRATION_MINIMUM } : null,
      members,
      combine: 'mean',
      temperature: temperatureOf(meta),
      source: {
        runId: opts.runId ?? null,
        createdAt: meta.createdAt,
        exportedAt: new Date().toISOString(),
        backend: meta.backend,
        seed: meta.seed,
        datasetFingerprint: meta.datasetFingerprint ?? null,
        serStudioVersion: packageVersion(),
      },
      check: { inputs: CHECK_INPUTS, maxAbsDifference: worst },
    };
    await writeFile(join(tmp, MODEL_EXPORT_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    await writeFile(join(tmp, 'README.md'), exportReadme(manifest));
    if (existed) await rm(target, { recursive: true });
    await rename(tmp, target);
    return {
      dir: target,
      file: null,
      files: await listFiles(target),
      labels: manifest.labels,
      members: members.map(({ modelJson, architecture, inputShape, layers }) => ({
        modelJson,
        architecture,
        inputShape,
        layers,
      })),
      expectsCalibration: manifest.expectsCalibration,
      maxAbsDifference: worst,
    };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    for (const m of stocks) m.dispose();
    for (const p of parts) p.model.dispose();
  }
}
