/**
 * The one schema of a TrainConfig, used wherever a config crosses a boundary: the API contract
 * (train.start) and the engine (`validateTrainConfig`: IPC, worker messages, files). Ranges are
 * wide enough for everything the presets and `ser train` produce (up to 100 folds, 50 augmented
 * copies, 100 000 epochs); the model engine checks the shapes between fields when it builds.
 * The TypeScript types are inferred from these schemas (re-exported by training.ts), so a field
 * is written once; its documentation sits on the schema field.
 *
 * Plain data and zod only: the renderer bundles this file through the contract.
 */
import { z } from 'zod';
import { FeatureConfigSchema } from './feature-schema.js';

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const fraction = z.number().min(0).lt(1);

/**
 * 'speed': tempo and pitch together (0.9-1.1); 'crop': a random 1.5-2.5 s part; 'channel': a random
 * telephone band, EQ, room reverberation, level change with clipping, hard clipping (3-15 dB over
 * full scale) or sample-rate round trip. Each copy takes one kind, every kind once per round of
 * copies in a random order (src/main/audio/augment.ts, drawKinds).
 */
export const AugmentKindSchema = z.enum(['pitch', 'stretch', 'noise', 'speed', 'crop', 'channel']);

/** Per field only (an augmentation preview takes a partial one); TrainConfigSchema adds the order checks. */
export const AugmentConfigSchema = z.object({
  kinds: z.array(AugmentKindSchema),
  /** Augmented copies made of each training clip (the original is always kept). */
  copiesPerClip: int(0, 50),
  /** Pitch shifts are drawn uniformly from [-pitchSemitones, +pitchSemitones]. */
  pitchSemitones: z.number().min(0).max(12),
  /** Stretch rates are drawn uniformly from [stretchMin, stretchMax]. */
  stretchMin: z.number().min(0.25).max(4),
  stretchMax: z.number().min(0.25).max(4),
  /** Noise SNRs (dB) are drawn uniformly from [noiseSnrMin, noiseSnrMax]. */
  noiseSnrMin: z.number().min(-20).max(100),
  noiseSnrMax: z.number().min(-20).max(100),
});

export const SplitConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('random'), testFraction: z.number().gt(0).lt(1), valFraction: fraction }),
  // No test actors: a final fit on every speaker (no test evaluation).
  z.object({ kind: z.literal('actors'), testActors: z.array(z.string().min(1)), valFraction: fraction }),
  z.object({ kind: z.literal('kfold-actors'), folds: int(2, 100), valFraction: fraction }),
]);

/**
 * What the 'mlp' pools from each feature column over the frames: 'mean-std' (default, the
 * seed's statistics) or 'summary' (also the 10th, 50th and 90th percentiles and the standard
 * deviation of the frame-to-frame difference: 6 values a column).
 */
export const PoolingKindSchema = z.enum(['mean-std', 'summary']);

export const ModelConfigSchema = z.object({
  kind: z.enum(['cnn-lstm', 'mlp']),
  /** Frames per example for the sequence model (clips are padded or cropped). */
  frames: int(1, 100_000),
  convFilters: z.array(int(1, 4096)),
  convKernels: z.array(int(1, 255)),
  poolSizes: z.array(int(1, 64)),
  lstmUnits: int(0, 4096),
  /** Hidden dense layer after the LSTM (0: none); for 'mlp', the first hidden layer's width. */
  denseUnits: int(0, 8192),
  dropout: fraction,
  /** Batch normalisation after each convolution (and each MLP hidden layer). Default false. */
  batchNorm: z.boolean().optional(),
  /** Dropout in conv blocks drops single values ('element') or whole channels ('channel'). Default 'element'. */
  convDropout: z.enum(['element', 'channel']).optional(),
  /** 'mlp' hidden layer widths; default [denseUnits, denseUnits / 2]. */
  mlpHidden: z.array(int(1, 8192)).optional(),
  /** What the LSTM passes on: its last state ('last', default) or the mean of all its states. */
  lstmPooling: z.enum(['last', 'mean']).optional(),
  /** See PoolingKindSchema; default 'mean-std'. */
  pooling: PoolingKindSchema.optional(),
});

/**
 * Learning rate over the run: 'constant', or 'cosine' (from learningRate down to zero along a
 * half cosine over all `epochs`, batch by batch). Absent means constant.
 */
export const LearningRateScheduleSchema = z.enum(['constant', 'cosine']);

export const OptimizerConfigSchema = z.object({
  learningRate: z.number().gt(0).max(1),
  batchSize: int(1, 4096),
  epochs: int(1, 100_000),
  /** Early stopping patience on validation loss (epochs); best weights are restored. */
  patience: int(0, 100_000),
  classWeights: z.boolean(),
  /** See LearningRateScheduleSchema; absent means constant. */
  schedule: LearningRateScheduleSchema.optional(),
  /** Label smoothing: training targets are (1 - ε)·one-hot + ε/k. Absent or 0: none. */
  labelSmoothing: z.number().min(0).lt(1).optional(),
  /**
   * Mixup α: each training batch is mixed with a shuffled copy of itself, inputs and targets,
   * with a weight λ ~ Beta(α, α) drawn per batch. Absent or 0: none.
   */
  mixup: z.number().min(0).max(10).optional(),
  /**
   * Speaker-adversarial training (gradient reversal, DANN): λ, the weight of the reversed
   * gradient a speaker classifier on the last hidden layer sends into the shared layers (ramped
   * up from 0 over the run), so they learn features that predict emotion but not the speaker. The
   * classifier is trained on the training speakers only and is not part of the saved model.
   * Absent or 0: none.
   */
  speakerAdversarial: z.number().min(0).max(10).optional(),
  /**
   * Units of the speaker classifier's hidden layer (relu) in speaker-adversarial training. A
   * linear classifier is easy for the shared layers to fool without removing the speaker
   * (measured for issue #9: a linear probe fitted afresh on the hidden layer told 10 training
   * speakers apart 95 % of the time after training against a linear head at λ = 1, 78 % with no
   * adversary, 79 % against a 128-unit head). Absent or 0: linear.
   */
  speakerAdversarialHead: int(0, 4096).optional(),
});

/**
 * SpecAugment-style masking of normalised training inputs, redrawn every epoch: up to
 * `freqMasks` runs of at most `freqWidth` feature columns and `timeMasks` runs of at most
 * `timeWidth` frames are set to 0 (the training mean).
 */
export const MaskConfigSchema = z.object({
  freqMasks: int(0, 64),
  freqWidth: int(0, 4096),
  timeMasks: int(0, 64),
  timeWidth: int(0, 100_000),
});

/**
 * How inputs are standardised. 'global': per-column mean/std of the training split, saved with
 * the model. 'speaker': each speaker's clips are standardised by that speaker's own statistics
 * (computed from its unlabeled audio, so it is also available at test time) before the global
 * step; at use time the model is calibrated with several unlabeled clips of the speaker (without
 * them it falls back to a typical training speaker's statistics and says it is uncalibrated).
 * 'utterance': each clip's own mean is subtracted (cepstral mean normalisation) before the
 * global step, so one clip is enough.
 */
export const NormalizationModeSchema = z.enum(['global', 'speaker', 'utterance']);

/** One further member of an ensemble (see TrainConfig.ensemble). */
export const EnsembleMemberSchema = z.object({
  model: ModelConfigSchema,
  optimizer: OptimizerConfigSchema,
  /** Default: none. */
  masking: MaskConfigSchema.nullable().optional(),
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
  /** Default 'global'. */
  normalization: NormalizationModeSchema.optional(),
  /**
   * Per-speaker models with pooled inputs (the MLP): also subtract the speaker's average pooled
   * vector from each clip's (src/main/training/pooled-centre.ts). Absent: off (models saved before
   * it existed).
   */
  pooledCentring: z.boolean().optional(),
  /**
   * With pooledCentring: every training example also once more as a clip alone reaches the model
   * (centred on the typical training speaker instead of its own), so single clips keep the
   * speaker offsets the model saw in training. Absent: off.
   */
  singleClipViews: z.boolean().optional(),
  /** Default: none. */
  masking: MaskConfigSchema.nullable().optional(),
  /**
   * Further models trained beside `model` on the same split, features and augmented copies, each
   * with its own seed; the run's predictions are the mean of all members' class probabilities
   * (late fusion). Absent or empty: one model.
   */
  ensemble: z.array(EnsembleMemberSchema).max(8, 'at most 8 further ensemble members').optional(),
  /**
   * Worker threads for features, augmentation and training (models of different folds and
   * ensemble members train side by side). Absent: one per core. The trainer records the number
   * it used. It does not change the result: the same seeds give the same weights.
   */
  workers: z.number().int().min(1).max(64).optional(),
  /**
   * Replicas of each model trained data-parallel (threads sharing every batch, gradients averaged
   * each step; src/main/training/data-parallel.ts). Absent: chosen by the trainer
   * (dataParallelReplicas: 1 today, for every model kind). The trainer records the number it
   * used. Unlike `workers` it changes the result a little (batch norm normalises each replica's
   * rows by their own statistics), so the same seed and replicas give the same weights.
   */
  replicas: z.number().int().min(1).max(16).optional(),
});

export type AugmentKind = z.infer<typeof AugmentKindSchema>;
export type AugmentConfig = z.infer<typeof AugmentConfigSchema>;
export type SplitConfig = z.infer<typeof SplitConfigSchema>;
export type PoolingKind = z.infer<typeof PoolingKindSchema>;
export type ModelConfig = z.infer<typeof ModelConfigSchema>;
export type LearningRateSchedule = z.infer<typeof LearningRateScheduleSchema>;
export type OptimizerConfig = z.infer<typeof OptimizerConfigSchema>;
export type MaskConfig = z.infer<typeof MaskConfigSchema>;
export type NormalizationMode = z.infer<typeof NormalizationModeSchema>;
export type EnsembleMember = z.infer<typeof EnsembleMemberSchema>;
export type TrainConfig = z.infer<typeof TrainConfigSchema>;

/**
 * How well a set of predictions' probabilities match their accuracy: mean negative
 * log-likelihood of the true class and ECE (15 bins of the top probability), under `temperature`
 * (null: the model's raw probabilities).
 */
export const ConfidenceReportSchema = z.object({
  temperature: z.number().positive().nullable(),
  nll: z.number().min(0),
  ece: z.number().min(0).max(1),
});

/**
 * A temperature fitted on validation speakers' predictions (src/main/training/temperature.ts),
 * with their NLL and ECE before (T = 1) and after; saved in a model's meta.json.
 */
export const TemperatureFitSchema = z.object({
  temperature: z.number().positive(),
  /** Validation clips it was fitted on. */
  clips: z.number().int().positive(),
  before: ConfidenceReportSchema,
  after: ConfidenceReportSchema,
});

/**
 * A model's temperatures: `single` for clips classified alone, `calibrated` (per-speaker models)
 * for clips calibrated with their speaker's statistics.
 */
export const ModelTemperatureSchema = z.object({
  single: TemperatureFitSchema,
  calibrated: TemperatureFitSchema.optional(),
});

export type ConfidenceReport = z.infer<typeof ConfidenceReportSchema>;
export type ModelTemperature = z.infer<typeof ModelTemperatureSchema>;
export type TemperatureFit = z.infer<typeof TemperatureFitSchema>;
