/**
 * zod schemas for everything that enters the store: run inputs from the trainer (possibly over
 * IPC), filters from the UI and CLI, and run.json files from another machine. Objects are loose
 * so a config written by a newer app keeps its extra keys instead of losing them.
 */
import { z } from 'zod';
import { SerError } from '../../shared/errors.js';
import { formatZodError } from '../../shared/zod-issues.js';
import { RUN_STATUSES } from '../../shared/runs.js';

const num = z.number();
/** Training can diverge: a metric may be NaN or Infinity and is still recorded. */
const anyNumber = z.custom<number>((v) => typeof v === 'number', 'expected a number');
/** NaN/Infinity become null in JSON; read them back as NaN. */
const lossy = z.union([anyNumber, z.null()]).transform((v) => (v === null ? Number.NaN : v));

// Loose on purpose (not the shared FeatureConfigSchema): a stored or imported run keeps whatever a
// newer or older app wrote, and is still listed and compared.
export const storedFeatureConfigSchema = z.looseObject({
  sampleRate: num,
  nFft: num,
  hopLength: num,
  nMels: num,
  nMfcc: num,
  fmin: num,
  fmax: num.nullable(),
  nChroma: num,
  contrastBands: num,
  contrastFmin: num,
  features: z.array(z.string()),
  deltas: num,
});

export const trainConfigSchema = z.looseObject({
  labels: z.array(z.string()).min(1),
  features: storedFeatureConfigSchema,
  augment: z.looseObject({ kinds: z.array(z.string()), copiesPerClip: num }),
  model: z.looseObject({ kind: z.string() }),
  optimizer: z.looseObject({ learningRate: num, batchSize: num, epochs: num }),
  split: z.looseObject({ kind: z.string() }),
  seed: num,
});

export const datasetSchema = z.looseObject({
  root: z.string(),
  hash: z.string(),
  countsByLabel: z.record(z.string(), num),
  countsBySpeaker: z.record(z.string(), num),
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })).optional(),
});

export const backendSchema = z.enum(['tensorflow', 'wasm', 'cpu']);
export const statusSchema = z.enum(RUN_STATUSES as [string, ...string[]]);

export const epochSchema = z.object({
  epoch: z.number().int().nonnegative(),
  trainLoss: lossy,
  trainAccuracy: lossy,
  valLoss: anyNumber.nullable(),
  valAccuracy: anyNumber.nullable(),
  seconds: z.number().nonnegative(),
});

const classMetricsSchema = z.looseObject({
  label: z.string(),
  precision: num,
  recall: num,
  f1: num,
  support: num,
});

export const evaluationSchema = z.looseObject({
  labels: z.array(z.string()),
  n: num,
  accuracy: num,
  macroF1: num,
  uar: num,
  perClass: z.array(classMetricsSchema),
  confusion: z.array(z.array(num)),
});

export const curveFitSchema = z.object({
  series: z.enum(['trainLoss', 'trainAccuracy', 'valLoss', 'valAccuracy']),
  coefficients: z.array(lossy),
  epochs: z.tuple([num, num]).optional(),
});

const nameSchema = z.string().trim().min(1, 'must not be empty').max(200);
const tagSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(64)
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');
const notesSchema = z.string().max(100_000);

export const createRunSchema = z.object({
  name: nameSchema,
  config: trainConfigSchema,
  dataset: datasetSchema,
  backend: backendSchema,
  tags: z.array(tagSchema).optional(),
  notes: notesSchema.optional(),
});

export const artifactSchema = z.object({
  kind: z.literal('model'),
  path: z.string().min(1),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits')
    .optional(),
});

const clipResultSchema = z.object({
  path: z.string().min(1),
  speaker: z.string().nullable(),
  label: z.string(),
  predicted: z.string(),
  probabilities: z.array(num),
});

export const clipEvaluationSchema = z
  .object({
    kind: z.enum(['test', 'fold', 'evaluate']),
    fold: z.number().int().nonnegative().nullable(),
    dataRoot: z.string().nullable(),
    labels: z.array(z.string()).min(1),
    clips: z.array(clipResultSchema),
  })
  .refine((e) => e.clips.every((c) => c.probabilities.length === e.labels.length), {
    message: 'every clip needs one probability per label',
    path: ['clips'],
  });

export const finishRunSchema = z.object({
  status: z.enum(['completed', 'failed', 'cancelled']),
  evaluation: evaluationSchema.optional(),
  clipEvaluations: z.array(clipEvaluationSchema).optional(),
  fits: z.array(curveFitSchema).optional(),
  artifacts: z.array(artifactSchema).optional(),
  error: z.string().optional(),
  dataset: datasetSchema.optional(),
});

export const updateRunSchema = z.object({
  name: nameSchema.optional(),
  tags: z.array(tagSchema).optional(),
  notes: notesSchema.optional(),
});

export const filterSchema = z.object({
  status: z.array(statusSchema).optional(),
  tag: z.string().optional(),
  labels: z.array(z.string()).optional(),
  metric: z.enum(['accuracy', 'macroF1']).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  search: z.string().optional(),
  sort: z.enum(['createdAt', 'name', 'accuracy', 'macroF1']).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  limit: z.number().int().positive().optional(),
  offset: z.number().int().nonnegative().optional(),
});

const isoTime = z.iso.datetime();

export const runRecordSchema = z.object({
  id: z.uuid(),
  name: nameSchema,
  tags: z.array(tagSchema),
  status: statusSchema,
  createdAt: isoTime,
  finishedAt: isoTime.nullable(),
  backend: backendSchema,
  labels: z.array(z.string()),
  accuracy: num.nullable(),
  macroF1: num.nullable(),
  uar: num.nullable(),
  epochs: z.number().int().nonnegative(),
  notes: notesSchema,
  appVersion: z.string(),
  config: trainConfigSchema,
  dataset: datasetSchema,
  metrics: z.array(epochSchema),
  evaluation: evaluationSchema.nullable(),
  fits: z.array(curveFitSchema),
  artifacts: z.array(z.object({ kind: z.literal('model'), path: z.string(), sha256: z.string() })),
  error: z.string().nullable(),
  pid: z.number().int().nullable(),
  host: z.string().nullable(),
  heartbeatAt: isoTime.nullable(),
});

export const runExportSchema = z.object({
  format: z.literal('ser-studio-run'),
  version: z.literal(1),
  exportedAt: isoTime,
  run: runRecordSchema,
  // Absent in exports made before clip results were stored.
  clipEvaluations: z.array(clipEvaluationSchema.and(z.object({ createdAt: isoTime }))).optional(),
  files: z.array(
    z.object({
      kind: z.literal('model'),
      // A plain name inside the export folder: no separators, no `..`.
      path: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a file name inside the export folder'),
      sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits'),
    }),
  ),
});

/**
 * Parse or throw a ValidationError naming the first bad fields: `config.optimizer.epochs: expected
 * number`. `T` is the shared type the schema checks (loose schemas are wider than the types).
 */
export function parseOrThrow<T>(schema: z.ZodType, value: unknown, what: string, path?: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data as T;
  const where = path ? `: ${path}` : '';
  throw new SerError('ValidationError', `invalid ${what}: ${formatZodError(r.error)}${where}`, path);
}
