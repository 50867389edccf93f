/**
 * A saved model is a folder that classifies on its own:
 *   model.json    TensorFlow.js layers-model topology + weights manifest (tfjs format)
 *   weights.bin   the weights, float32
 *   meta.json     labels, FeatureConfig, model config, input shape, normalisation statistics,
 *                 backend, seed, creation time (and optionally dataset fingerprint and metrics)
 * An ensemble's further members are complete model folders of their own under members/1,
 * members/2, ..., listed in the main meta.json's `ensemble`; the folder itself is the first
 * member, so a reader that ignores `ensemble` still gets a working model.
 * Written to a temporary sibling folder and renamed into place, so a crash never leaves a
 * half-written model; read back with every file and shape checked against meta.json.
 * (tfjs's file:// handler needs tfjs-node, so these are our own save/load handlers.)
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { SerError } from '../../shared/errors.js';
import { writeError } from '../util/fs-error.js';
import { formatZodError } from '../../shared/zod-issues.js';
import { FeatureConfigSchema } from '../../shared/feature-schema.js';
import {
  ModelConfigSchema,
  NormalizationModeSchema,
  ModelTemperatureSchema,
} from '../../shared/train-schema.js';
import './layers.js'; // registers the custom layers tf.loadLayersModel must find
import { tf } from './tf.js';

export const MODEL_FORMAT_VERSION = 1;
export const MODEL_FILES = { topology: 'model.json', weights: 'weights.bin', meta: 'meta.json' } as const;

/** A saved model's weights and meta, as saveModelFolder takes and loadModelFolder gives them. */
export interface ModelPart {
  model: tf.LayersModel;
  meta: ModelMeta;
}

/** meta.json: the shared config schemas, so a model folder accepts exactly what training accepts. */
const metaSchema = z.object({
  formatVersion: z.number().int().positive(),
  /** Class labels in output order. */
  labels: z.array(z.string().min(1)).min(2),
  featureConfig: FeatureConfigSchema,
  modelConfig: ModelConfigSchema,
  /** What the model takes: [frames, width] framed features, or [width] pooled statistics. */
  input: z.object({
    frames: z.number().int().positive(),
    width: z.number().int().positive(),
    pooled: z.boolean(),
  }),
  /** Per-column statistics inputs are standardised with: (x - mean) / std, `width` each. */
  normalization: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }),
  /**
   * The step before `normalization` (TrainConfig.normalization): per speaker (the model expects
   * calibration with the speaker's clips; `typical` standardises an uncalibrated clip) or per
   * utterance. Absent in older folders: read metrics.inputNormalization, else 'global'.
   */
  inputNormalization: z
    .object({
      mode: NormalizationModeSchema,
      typical: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }).optional(),
      /**
       * TrainConfig.pooledCentring: the typical speaker's average pooled vector per pooling kind,
       * subtracted from an uncalibrated clip's pooled vector (a calibrated clip: its speaker's).
       */
      pooledCentres: z
        .object({ 'mean-std': z.array(z.number()).optional(), summary: z.array(z.number()).optional() })
        .optional(),
    })
    .optional(),
  /**
   * Temperature scaling of the output (src/main/training/temperature.ts), fitted after training on
   * the validation speakers: `single` for clips classified alone, `calibrated` (per-speaker
   * models) for clips calibrated with their speaker's statistics. Absent: probabilities as the
   * model gives them (older folders, runs without validation speakers).
   */
  temperature: ModelTemperatureSchema.optional(),
  backend: z.enum(['tensorflow', 'wasm', 'cpu']),
  /** ISO 8601. */
  createdAt: z.string(),
  seed: z.number(),
  datasetFingerprint: z.string().optional(),
  metrics: z.record(z.string(), z.unknown()).optional(),
  /** Folders (relative, `members/N`) of an ensemble's further members; see the header. */
  ensemble: z
    .array(
      z.string().regex(/^members\/[1-9][0-9]?$/, 'ensemble members are folders members/1, members/2, ...'),
    )
    .optional(),
});

/** labels, FeatureConfig, model config, input shape, normalisation statistics, ... (see the header). */
export type ModelMeta = z.infer<typeof metaSchema>;

function fail(dir: string, problem: string): never {
  throw new SerError('ModelError', `model folder ${dir}: ${problem}`, dir);
}

/** Check meta.json's content; the message names the first bad field. */
export function parseModelMeta(value: unknown, dir = '.'): ModelMeta {
  const head = z.object({ formatVersion: z.number() }).safeParse(value);
  if (head.success && head.data.formatVersion > MODEL_FORMAT_VERSION) {
    fail(
      dir,
      `meta.json is format ${head.data.formatVersion}, newer than this version reads (${MODEL_FORMAT_VERSION})`,
    );
  }
  const parsed = metaSchema.safeParse(value);
  if (!parsed.success) {
    fail(dir, `meta.json: ${formatZodError(parsed.error)}`);
  }
  const meta = parsed.data;
  const w = meta.input.width;
  if (meta.normalization.mean.length !== w || meta.normalization.std.length !== w) {
    fail(
      dir,
      `meta.json: normalization has ${meta.normalization.mean.length} means and ${meta.normalization.std.length} stds for input width ${w}`,
    );
  }
  return meta;
}

function concatWeights(data: ArrayBuffer | ArrayBuffer[] | undefined): ArrayBuffer {
  if (!data) return new ArrayBuffer(0);
  return Array.isArray(data) ? tf.io.CompositeArrayBuffer.join(data) : data;
}

async function writeDurably(path: string, data: string | Uint8Array): Promise<void> {
  const fh = await open(path, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Write model.json and weights.bin (TensorFlow.js's layers-model format) into the existing folder `dir`. */
export async function writeLayersModelFiles(dir: string, model: tf.LayersModel): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = concatWeights(artifacts.weightData as ArrayBuffer | ArrayBuffer[] | undefined);
      const modelJson = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [MODEL_FILES.weights], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeDurably(join(dir, MODEL_FILES.weights), new Uint8Array(weights));
      await writeDurably(join(dir, MODEL_FILES.topology), JSON.stringify(modelJson));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weights.byteLength,
        },
      };
    }),
  );
}

/** Write model.json, weights.bin and meta.json of one model into the existing folder `dir`. */
async function writeModelFiles(dir: string, model: tf.LayersModel, meta: ModelMeta): Promise<void> {
  await writeLayersModelFiles(dir, model);
  await writeDurably(join(dir, MODEL_FILES.meta), JSON.stringify(meta, null, 2));
}

/**
 * Save `model` and `meta` as the folder `dir` (created, or replaced whole), with an ensemble's
 * further `members` under members/N. Returns the folder's absolute path.
 */
export async function saveModelFolder(
  dir: string,
  model: tf.LayersModel,
  meta: ModelMeta,
  members: ModelPart[] = [],
): Promise<string> {
  const target = resolve(dir);
  const memberDirs = members.map((_, i) => `members/${i + 1}`);
  const checked = parseModelMeta(
    { ...meta, ...(members.length ? { ensemble: memberDirs } : { ensemble: undefined }) },
    target,
  );
  const checkedMembers = members.map((m, i) =>
    parseModelMeta({ ...m.meta, ensemble: undefined }, memberDirs[i]),
  );
  for (const [i, m] of checkedMembers.entries()) {
    if (m.labels.join('\n') !== checked.labels.join('\n'))
      fail(
        target,
        `ensemble member ${i + 1} has labels ${m.labels.join(',')}, the model ${checked.labels.join(',')}`,
      );
  }
  await mkdir(dirname(target), { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${tag}`);
  await mkdir(tmp);
  try {
    await writeModelFiles(tmp, model, checked);
    for (const [i, m] of members.entries()) {
      const sub = join(tmp, memberDirs[i]!);
      await mkdir(sub, { recursive: true });
      await writeModelFiles(sub, m.model, checkedMembers[i]!);
    }
    if (await exists(target)) {
      const old = join(dirname(target), `.${basename(target)}.old-${tag}`);
      await rename(target, old);
      await rename(tmp, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, target);
    }
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw writeError(err, 'save the model', target, 'ModelError');
  }
  return target;
}

async function readIn(dir: string, name: string): Promise<Buffer> {
  try {
    return await readFile(join(dir, name));
  } catch (err) {
    const code = (err as { code?: string }).code;
    fail(dir, code === 'ENOENT' ? `missing ${name}` : `cannot read ${name}: ${(err as Error).message}`);
  }
}

function parseJson(dir: string, name: string, buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    return fail(dir, `${name} is not valid JSON`);
  }
}

interface ModelJson {
  modelTopology: object;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

const modelJsonSchema = z.object({
  modelTopology: z.object({}).passthrough(),
  weightsManifest: z
    .array(z.object({ paths: z.array(z.string()), weights: z.array(z.object({}).passthrough()) }))
    .min(1),
});

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

/**
 * Load a model folder and, for an ensemble, its further members (first the folder's own model),
 * checking every file, every shape against meta.json, and that all members share labels and
 * features. On any failure nothing stays loaded.
 */
export async function loadModelParts(dir: string): Promise<ModelPart[]> {
  const main = await loadModelFolder(dir);
  const parts: ModelPart[] = [main];
  try {
    for (const sub of main.meta.ensemble ?? []) {
      const m = await loadModelFolder(join(resolve(dir), sub));
      parts.push(m);
      const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
      if (!same(m.meta.labels, main.meta.labels) || !same(m.meta.featureConfig, main.meta.featureConfig))
        fail(resolve(dir), `ensemble member ${sub} has other labels or features than the model`);
    }
  } catch (err) {
    for (const p of parts) p.model.dispose();
    throw err;
  }
  return parts;
}

/** Load a model folder, checking every file and that the model's shapes agree with meta.json. */
export async function loadModelFolder(dir: string): Promise<ModelPart> {
  const root = resolve(dir);
  const st = await stat(root).catch(() => null);
  if (!st) fail(root, 'not found');
  if (!st.isDirectory())
    fail(root, 'not a folder (a saved model is a folder with model.json, weights.bin, meta.json)');

  const meta = parseModelMeta(parseJson(root, MODEL_FILES.meta, await readIn(root, MODEL_FILES.meta)), root);
  const rawJson = parseJson(root, MODEL_FILES.topology, await readIn(root, MODEL_FILES.topology));
  if (!modelJsonSchema.safeParse(rawJson).success)
    fail(root, `${MODEL_FILES.topology} is not a TensorFlow.js layers model`);
  const modelJson = rawJson as ModelJson;

  const specs = modelJson.weightsManifest.flatMap((g) => g.weights);
  const paths = modelJson.weightsManifest.flatMap((g) => g.paths);
  const parts: Buffer[] = [];
  for (const p of paths) {
    if (p.includes('/') || p.includes('\\') || p.startsWith('.'))
      fail(root, `${MODEL_FILES.topology} names a weights file outside the folder: ${p}`);
    parts.push(await readIn(root, p));
  }
  const weights = Buffer.concat(parts);
  const expected = specs.reduce((n, s) => n + tf.util.sizeFromShape(s.shape) * (BYTES[s.dtype] ?? 4), 0);
  if (weights.byteLength !== expected) {
    fail(root, `weights are ${weights.byteLength} bytes but ${MODEL_FILES.topology} describes ${expected}`);
  }

  let model: tf.LayersModel;
  try {
    const data = weights.buffer.slice(
      weights.byteOffset,
      weights.byteOffset + weights.byteLength,
    ) as ArrayBuffer;
    model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: specs,
        weightData: data,
        format: modelJson.format,
        generatedBy: modelJson.generatedBy,
        convertedBy: modelJson.convertedBy ?? null,
      }),
    );
  } catch (err) {
    fail(
      root,
      `cannot build the model from ${MODEL_FILES.topology}: ${(err as Error).message.split('\n')[0]}`,
    );
  }

  const want = meta.input.pooled ? [meta.input.width] : [meta.input.frames, meta.input.width];
  const got = model.inputs[0]?.shape.slice(1) ?? [];
  if (got.join(',') !== want.join(',')) {
    model.dispose();
    fail(root, `shape mismatch: the model takes [${got.join(', ')}] but meta.json says [${want.join(', ')}]`);
  }
  const outUnits = model.outputs[0]?.shape[1];
  if (outUnits !== meta.labels.length) {
    model.dispose();
    fail(
      root,
      `shape mismatch: the model has ${outUnits} outputs but meta.json lists ${meta.labels.length} labels`,
    );
  }
  return { model, meta };
}
