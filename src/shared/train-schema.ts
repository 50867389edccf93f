/**
 * The one schema of a TrainConfig, used wherever a config crosses a boundary: the API contract
 * (train.start) and the engine (`validateTrainConfig`: IPC, worker messages, files). Ranges are
 * wide enough for everything the presets and `ser train` produce (up to 100 folds, 50 augmented
 * copies, 100 000 epochs); the model engine checks the shapes between fields when it builds.
 *
 * Plain data and zod only: the renderer bundles this file through the contract.
 */
import { z } from 'zod';
import { FeatureConfigSchema } from './feature-schema.js';

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const fraction = z.number().min(0).lt(1);

export const AugmentKindSchema = z.enum(['pitch', 'stretch', 'noise', 'speed', 'crop', 'channel']);

/** Per field only (an augmentation preview takes a partial one); TrainConfigSchema adds the order checks. */
export const AugmentConfigSchema = z.object({
  kinds: z.array(AugmentKindSchema),
  copiesPerClip: int(0, 50),
  pitchSemitones: z.number().min(0).max(12),
  stretchMin: z.number().min(0.25).max(4),
  stretchMax: z.number().min(0.25).max(4),
  noiseSnrMin: z.number().min(-20).max(100),
  noiseSnrMax: z.number().min(-20).max(100),
});

export const SplitConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('random'), testFraction: z.number().gt(0).lt(1), valFraction: fraction }),
  // No test actors: a final fit on every speaker (no test evaluation).
  z.object({ kind: z.literal('actors'), testActors: z.array(z.string().min(1)), valFraction: fraction }),
  z.object({ kind: z.literal('kfold-actors'), folds: int(2, 100), valFraction: fraction }),
]);

export const ModelConfigSchema = z.object({
  kind: z.enum(['cnn-lstm', 'mlp']),
  frames: int(1, 100_000),
  convFilters: z.array(int(1, 4096)),
  convKernels: z.array(int(1, 255)),
  poolSizes: z.array(int(1, 64)),
  lstmUnits: int(0, 4096),
  denseUnits: int(0, 8192),
  dropout: fraction,
  batchNorm: z.boolean().optional(),
  convDropout: z.enum(['element', 'channel']).optional(),
  mlpHidden: z.array(int(1, 8192)).optional(),
  lstmPooling: z.enum(['last', 'mean']).optional(),
  pooling: z.enum(['mean-std', 'summary']).optional(),
});

export const OptimizerConfigSchema = z.object({
  learningRate: z.number().gt(0).max(1),
  batchSize: int(1, 4096),
  epochs: int(1, 100_000),
  patience: int(0, 100_000),
  classWeights: z.boolean(),
  schedule: z.enum(['constant', 'cosine']).optional(),
});

export const MaskConfigSchema = z.object({
  freqMasks: int(0, 64),
  freqWidth: int(0, 4096),
  timeMasks: int(0, 64),
  timeWidth: int(0, 100_000),
});

export const TrainConfigSchema = z.object({
  labels: z
    .array(z.string().min(1))
    .min(2, 'choose at least two emotions')
    .refine((a) => new Set(a).size === a.length, 'must not repeat a label'),
  features: FeatureConfigSchema,
  augment: AugmentConfigSchema.refine(
    (a) => a.stretchMin <= a.stretchMax,
    'stretchMin must not exceed stretchMax',
  ).refine((a) => a.noiseSnrMin <= a.noiseSnrMax, 'noiseSnrMin must not exceed noiseSnrMax'),
  model: ModelConfigSchema,
  optimizer: OptimizerConfigSchema,
  split: SplitConfigSchema,
  seed: z.number().int(),
  normalization: z.enum(['global', 'speaker', 'utterance']).optional(),
  masking: MaskConfigSchema.nullable().optional(),
  ensemble: z
    .array(
      z.object({
        model: ModelConfigSchema,
        optimizer: OptimizerConfigSchema,
        masking: MaskConfigSchema.nullable().optional(),
      }),
    )
    .max(8, 'at most 8 further ensemble members')
    .optional(),
});
