/**
 * The one API contract between the UI and the engine (the VS Code pattern: a typed service,
 * proxied over IPC in Electron and over HTTP + WebSocket by the web host).
 *
 * Every method has a zod schema for its arguments (validated where the call enters main or the
 * server, so a bad value fails with a message naming the field) and a result type. Adding a
 * feature means: add it here, implement it in src/main/api/service.ts, call it from the renderer.
 * Preload, IPC wiring, the server and the renderer client are generic over this table, so no
 * channel name is written by hand anywhere else.
 *
 * Plain data only: no Node, DOM or Electron imports (the renderer bundles this file).
 */
import { z } from 'zod';
import type { ClipEvaluation, ClipResult } from './clips.js';
import { DATASET_FORMAT_IDS, type DatasetScan } from './dataset.js';
import type { ClipInfo } from './dataset-map.js';
import type { SerErrorData } from './errors.js';
import { FeatureConfigPatchSchema, SampleRateSchema } from './feature-schema.js';
import type { FeatureConfig, FeatureLayout } from './features.js';
import type { ModelExportSummary } from './model-export.js';
import { RunFilterSchema } from './runs.js';
import type { DeleteRunResult, RunComparison, RunRecord, RunSummary } from './runs.js';
import type {
  AugmentKind,
  BackendName,
  CalibrationInfo,
  Evaluation,
  Prediction,
  SplitConfig,
  TrainConfig,
  TrainEvent,
  TrainResult,
} from './training.js';
import type { Settings } from './settings.js';
import { AugmentConfigSchema, AugmentKindSchema, TrainConfigSchema } from './train-schema.js';

export type { Settings } from './settings.js';
export { RunFilterSchema, RunStatusSchema } from './runs.js';
export { FeatureConfigPatchSchema, FeatureConfigSchema, FeatureNameSchema } from './feature-schema.js';
export {
  AugmentConfigSchema,
  AugmentKindSchema,
  MaskConfigSchema,
  ModelConfigSchema,
  OptimizerConfigSchema,
  SplitConfigSchema,
  TrainConfigSchema,
} from './train-schema.js';

// ---------------------------------------------------------------------------------------------
// Schemas of the arguments (the shared types are inferred from their schemas where both exist).

/** Largest audio payload accepted in one call (a long speech recording, not a 2-hour file). */
export const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

export const BytesSchema = z
  .instanceof(Uint8Array, { message: 'expected bytes (Uint8Array)' })
  .refine((b) => b.byteLength <= MAX_UPLOAD_BYTES, {
    message: `larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB`,
  });

export const AudioFileSchema = z.object({
  name: z.string().min(1).max(1024),
  bytes: BytesSchema,
});

const PathSchema = z.string().min(1, 'path is empty').max(4096);

export const DatasetFormatSchema = z.enum(DATASET_FORMAT_IDS);

/** An audio file by its path inside an allowed folder (`ser infer`), read and decoded by main. */
export const AudioPathSchema = z.strictObject({ path: PathSchema });
/** Audio as bytes (a drop, a recording) or by path. */
const AudioInputSchema = z.union([AudioFileSchema, AudioPathSchema]);

/** A file given exactly one way, by `path` (inside an allowed folder) or as bytes (`file`), and `more`. */
function oneClip<S extends z.ZodRawShape>(more: S) {
  return z.strictObject({ path: PathSchema.optional(), file: AudioFileSchema.optional(), ...more }).refine(
    (a) => {
      const given = a as { path?: string; file?: AudioFile };
      return (given.path === undefined) !== (given.file === undefined);
    },
    { message: 'give exactly one of path or file', path: ['path'] },
  );
}

const int = (min: number, max: number) => z.number().int().min(min).max(max);

export const SettingsPatchSchema = z.strictObject({
  lastDatasetFolder: z.string().max(4096).nullable().optional(),
  window: z
    .object({ width: int(320, 16384), height: int(240, 16384) })
    .nullable()
    .optional(),
  modelRunId: z.string().min(1).nullable().optional(),
});

/** A run id, or (like git) a unique prefix of at least 4 characters. */
const RunIdSchema = z.string().min(1, 'run id is empty').max(200);
/**
 * A model reference: a run id (or unique prefix), null / 'default' for the bundled model, or a
 * model folder. The service checks a folder against the allowed folders like any other path.
 */
const ModelRefSchema = z.string().min(1, 'model is empty').max(4096);
const NoArgs = z.strictObject({}).optional();

// ---------------------------------------------------------------------------------------------
// Result types.

export interface AppInfo {
  version: string;
  platform: 'electron' | 'web' | 'cli';
  backend: BackendName;
  /** One line about the backend (e.g. "wasm, 2 threads, SIMD"). */
  backendDetail: string;
  /** The bundled model (resources/models/default), null where it is absent. */
  defaultModel: { labels: string[]; path: string } | null;
  /** Folders the user chose; every path argument must lie inside one of them. */
  allowedRoots: string[];
}

export interface AudioFile {
  name: string;
  bytes: Uint8Array;
}

export interface FeaturePreview {
  /** The full config used (defaults filled in). */
  config: FeatureConfig;
  frames: number;
  /** Seconds of audio analysed. */
  duration: number;
  /** True when the clip was longer than a preview shows (the first 30 s are analysed). */
  truncated: boolean;
  /** Feature name (with `d1:`/`d2:` prefixes for deltas) -> [coefficient][frame]. */
  features: Record<string, number[][]>;
}

/** One clip's features in librosa's layout, the whole clip at full precision (`ser features`). */
export interface FeatureExtraction extends FeatureLayout {
  /** Seconds of audio and samples at the config's rate. */
  duration: number;
  samples: number;
  /** Values per frame (all features and deltas). */
  width: number;
  /** Decode problems of a file used anyway (e.g. truncated). */
  warnings: string[];
}

export interface AugmentVariant {
  kind: AugmentKind;
  /** What was done, in words ("pitch +1.7 semitones"). */
  description: string;
  /** A 16-bit PCM WAV, playable by an <audio> element. */
  wav: Uint8Array;
}

export interface AugmentPreview {
  /** The clip as decoded (analysis rate, mono), as WAV. */
  original: Uint8Array;
  variants: AugmentVariant[];
}

export type ClassifyEntry =
  | {
      ok: true;
      name: string;
      /** Calibrated when the call calibrated (see ClassifyResult.calibration). */
      prediction: Prediction;
      /** The same clip classified alone, when `prediction` is calibrated. */
      uncalibrated?: Prediction;
    }
  | { ok: false; name: string; error: SerErrorData };

export interface ClassifyResult {
  /** `path`: the model folder that answered. */
  model: { runId: string | null; path: string; labels: string[]; expectsCalibration: boolean };
  /** One entry per file, in the order given. */
  results: ClassifyEntry[];
  /** What calibrated the predictions (null: none), and why not when calibration was asked for. */
  calibration: CalibrationInfo | null;
  calibrationNote?: string;
  /** Calibration clips that could not be used, each with why (also summed up in calibrationNote). */
  calibrationLeftOut?: { name: string; error: SerErrorData }[];
}

export interface ModelInfo {
  /** 'default' for the bundled model, else the run id. */
  id: string;
  name: string;
  labels: string[];
  accuracy: number | null;
  /** How `accuracy` was measured (null: the bundled model, or no split recorded). */
  split: SplitConfig | null;
  /** Trained with per-speaker normalisation: clips of one speaker calibrate it. */
  expectsCalibration?: boolean;
}

export interface Preset<T> {
  id: string;
  name: string;
  description: string;
  config: T;
}

export interface Presets {
  /** Model presets (fast / seed / best): each a full TrainConfig built on `defaults`. */
  model: Preset<TrainConfig>[];
  /** Named feature configurations. */
  features: Preset<FeatureConfig>[];
  /** The config the wizard starts from (the seed's six emotions, actor split). */
  defaults: TrainConfig;
}

export interface TrainJobInfo {
  jobId: string;
  name: string;
  root: string;
  startedAt: string;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  runId: string | null;
  /** The job's configuration (a page opened later shows its planned epochs and members). */
  config: TrainConfig;
  /** Every event so far except batches (enough to redraw the curves after a reload). */
  events: TrainEvent[];
}

/**
 * A saved model evaluated on a folder of labelled clips (`evaluate.start`, `ser evaluate`): the
 * same numbers, clips and refusals whichever front door asked.
 */
export interface FolderEvaluation {
  model: { id: string; runId: string | null; name: string; dir: string; expectsCalibration: boolean };
  root: string;
  /** Only these speakers were evaluated (null: every speaker in the folder). */
  speakers: string[] | null;
  /**
   * Speakers the model's run trained on (null: not recorded, e.g. the bundled model): an evaluated
   * speaker among them was heard in training, so its accuracy is not speaker-independent.
   */
  trainedOn: string[] | null;
  /** Accuracy, UAR, macro-F1, per-class metrics, confusion and accuracy per speaker. */
  evaluation: Evaluation;
  /** Every clip evaluated, in scan order. */
  clips: ClipResult[];
  /** Clips the engine refused (speech check, decoding), each with its one-line reason. */
  refused: { path: string; reason: string }[];
  /** Clips left out because the model does not know their label, per label. */
  unknownLabels: { label: string; clips: number }[];
  /** Files the dataset scan left out (not audio, name not understood). */
  scanSkipped: number;
  /** What calibrated the clips (models that expect calibration), else null. */
  calibration: CalibrationInfo | null;
  /** Recorded with the model's run (its page lists it); null with the reason when not. */
  recorded: { runId: string; evaluationId: number } | null;
  notRecorded: string | null;
  seconds: number;
}

export type EvaluateEvent =
  | { type: 'progress'; stage: 'scan' | 'features' | 'classify'; done: number; total: number }
  | { type: 'done'; result: FolderEvaluation }
  | { type: 'error'; error: SerErrorData }
  | { type: 'cancelled' };

export interface ExportedFile {
  fileName: string;
  bytes: Uint8Array;
  /** What the export could not include (e.g. a model file missing on disk). */
  warnings?: string[];
}

// ---------------------------------------------------------------------------------------------
// The method table.

/** A method: its argument schema; the result type rides along as a phantom. */
export interface MethodSpec<A extends z.ZodType, R> {
  readonly args: A;
  readonly summary: string;
  readonly __result?: R;
}

function method<R>() {
  return <A extends z.ZodType>(args: A, summary: string): MethodSpec<A, R> => ({ args, summary });
}

export const CONTRACT = {
  'app.info': method<AppInfo>()(NoArgs, 'Version, platform, backend, default model, allowed folders.'),

  'settings.get': method<Settings>()(NoArgs, 'The persisted settings.'),
  'settings.set': method<Settings>()(SettingsPatchSchema, 'Merge a patch into the settings; returns them.'),

  'dialog.pickFolder': method<string | null>()(
    NoArgs,
    'Electron: a folder dialog; the folder becomes an allowed root. Web: null (type the path instead).',
  ),

  'dataset.scan': method<DatasetScan>()(
    z.strictObject({
      /** A dataset folder, or a .csv/.tsv manifest file. */
      root: PathSchema,
      labels: z.array(z.string().min(1)).optional(),
      /** Read as this format instead of detecting it. */
      format: DatasetFormatSchema.optional(),
    }),
    'Scan a dataset folder or manifest (a corpus naming scheme, one folder per emotion, or a CSV/TSV manifest; detected unless given).',
  ),

  'dataset.clips': method<ClipInfo[]>()(
    z.strictObject({ paths: z.array(PathSchema).min(1).max(500), features: z.boolean() }),
    'Length, level and (for the map) pooled features of dataset clips; a bad clip gets an error entry.',
  ),

  'audio.read': method<AudioFile>()(
    z.strictObject({ path: PathSchema }),
    'Bytes of an audio file inside an allowed folder (waveform previews).',
  ),

  'features.preview': method<FeaturePreview>()(
    oneClip({ config: FeatureConfigPatchSchema.optional() }),
    "One clip's features as [coefficient][frame] per feature.",
  ),

  'features.extract': method<FeatureExtraction>()(
    oneClip({ config: FeatureConfigPatchSchema.optional() }),
    "One clip's features, whole and unrounded, in librosa's layout ([coefficient][frame] per librosa key).",
  ),

  'augment.preview': method<AugmentPreview>()(
    oneClip({
      kinds: z.array(AugmentKindSchema).min(1, 'choose at least one augmentation'),
      seed: z.number().int(),
      augment: AugmentConfigSchema.partial().optional(),
      sampleRate: SampleRateSchema.optional(),
    }),
    'The clip and one augmented version per kind, as WAV bytes.',
  ),

  classify: method<ClassifyResult>()(
    z.strictObject({
      /** Bytes, or a path inside an allowed folder (its entry's name is the path as given). */
      files: z.array(AudioInputSchema).min(1, 'give at least one file').max(1000),
      /**
       * A run id, null / 'default' for the bundled model, or a model folder inside an allowed
       * folder; omitted: the model in settings.
       */
      modelRunId: ModelRefSchema.nullable().optional(),
      /**
       * The files are one speaker's: their unlabeled audio calibrates a model trained with
       * per-speaker normalisation, and each result also carries the uncalibrated prediction.
       */
      sameSpeaker: z.boolean().optional(),
      /**
       * Further unlabeled clips of the same speaker that calibrate the model (`ser infer
       * --calibrate`); a path may name a folder (its files, not its subfolders).
       */
      calibrate: z.array(AudioInputSchema).max(1000).optional(),
      /**
       * Refuse (ValidationError) instead of answering uncalibrated when the calibration asked for
       * cannot be made: the model takes none, no clip is usable, or too little audio (`ser infer`).
       */
      requireCalibration: z.boolean().optional(),
    }),
    'Classify files with the default model or a run’s model; a bad file gets an error entry.',
  ),

  'models.list': method<ModelInfo[]>()(NoArgs, 'The default model and every run that saved one.'),
  'models.export': method<ModelExportSummary>()(
    z.strictObject({
      /** A run id (or unique prefix), null / 'default' for the bundled model, or a model folder inside an allowed folder. */
      model: ModelRefSchema.nullable(),
      /** A new or empty folder inside an allowed folder to write into; omitted: the result carries a .tar.gz. */
      out: PathSchema.optional(),
    }),
    'A model as a standard TensorFlow.js LayersModel of stock layers, with ser-model.json (features, labels, normalisation) and a README: written into `out`, or returned as a .tar.gz.',
  ),

  'presets.get': method<Presets>()(NoArgs, 'Model and feature presets and the default TrainConfig.'),

  'train.start': method<{ jobId: string }>()(
    z.strictObject({
      root: PathSchema,
      config: TrainConfigSchema,
      /** Omitted: the run is named after its dataset and model (`ser train` without --name). */
      name: z.string().trim().min(1, 'name the run').max(200).optional(),
      tags: z.array(z.string().min(1).max(100)).optional(),
      /** Preferred TensorFlow.js backend (the best that loads when absent). */
      backend: z.enum(['tensorflow', 'wasm', 'cpu']).optional(),
      /** false: do not save the model folder (`ser train --no-save`). */
      saveModel: z.boolean().optional(),
    }),
    'Start training in a worker; progress arrives as train.event.',
  ),
  'train.wait': method<TrainResult>()(
    z.strictObject({ jobId: z.string().min(1) }),
    'Wait for a job of this session to end: its result (completed, cancelled or failed).',
  ),
  'train.cancel': method<{ cancelled: boolean }>()(
    z.strictObject({ jobId: z.string().min(1) }),
    'Cancel a running job (it is recorded as cancelled).',
  ),
  'train.jobs': method<TrainJobInfo[]>()(NoArgs, 'Jobs of this session, for redrawing after a reload.'),

  'evaluate.start': method<{ jobId: string }>()(
    z.strictObject({
      /** A run id, null / 'default' for the bundled model, or a model folder inside an allowed folder. */
      modelRunId: ModelRefSchema.nullable(),
      root: PathSchema,
      /** Only these speakers (e.g. ['17', '18']); omitted: every speaker. */
      speakers: z.array(z.string().trim().min(1).max(100)).max(1000).optional(),
      /** 'speaker': each speaker's clips calibrate that speaker (models trained with it). */
      calibrate: z.enum(['speaker', 'none']).optional(),
      /** Chosen by the caller so it can listen for the job's events before the call returns. */
      jobId: z.string().min(8).max(100).optional(),
    }),
    'Evaluate a model on a folder of labelled clips (as `ser evaluate`); progress and result arrive as evaluate.event.',
  ),
  'evaluate.cancel': method<{ cancelled: boolean }>()(
    z.strictObject({ jobId: z.string().min(1).max(100) }),
    'Cancel a running evaluation.',
  ),

  'runs.list': method<RunSummary[]>()(RunFilterSchema.optional(), 'Saved runs, filtered and sorted.'),
  'runs.get': method<RunRecord>()(z.strictObject({ id: RunIdSchema }), 'One run in full.'),
  'runs.clips': method<ClipEvaluation[]>()(
    z.strictObject({ id: RunIdSchema }),
    'Clip-level results of every evaluation of a run: its test clips (or each fold), then later evaluations.',
  ),
  'runs.compare': method<RunComparison>()(
    z.strictObject({ ids: z.array(RunIdSchema).min(2, 'choose at least two runs').max(20) }),
    'Config diff (only what differs), metrics side by side, the runs in full.',
  ),
  'runs.update': method<RunRecord>()(
    z.strictObject({
      id: RunIdSchema,
      name: z.string().trim().min(1).max(200).optional(),
      tags: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
      notes: z.string().max(100_000).optional(),
    }),
    'Rename, tag, annotate.',
  ),
  'runs.delete': method<{ deleted: boolean } & DeleteRunResult>()(
    z.strictObject({
      id: RunIdSchema,
      /** Leave the model folder on disk (`ser runs delete --keep-files`). */
      keepFiles: z.boolean().optional(),
    }),
    'Delete a run and its model folder; says which files were removed and which kept.',
  ),
  'runs.export': method<ExportedFile>()(
    z.strictObject({ id: RunIdSchema }),
    'A .tar.gz with run.json and the model folder (unpack with `tar -xzf`, or import elsewhere).',
  ),
  'runs.import': method<RunSummary>()(
    /** `path`: an exported archive, or the folder it unpacks to, inside an allowed folder. */
    oneClip({}),
    'Import a file made by runs.export (or the folder it unpacks to).',
  ),
} as const;

export type Contract = typeof CONTRACT;
export type MethodName = keyof Contract;
export const METHOD_NAMES = Object.keys(CONTRACT) as MethodName[];

/** What a caller passes (before defaults/transforms). */
export type ArgsOf<M extends MethodName> = z.input<Contract[M]['args']>;
/** What the implementation receives (after validation). */
export type ParsedArgsOf<M extends MethodName> = z.output<Contract[M]['args']>;
export type ResultOf<M extends MethodName> = Contract[M] extends MethodSpec<z.ZodType, infer R> ? R : never;

/** `call('app.info')` may omit args; `call('dataset.scan', { root })` must give them. */
export type ArgsTuple<M extends MethodName> =
  undefined extends ArgsOf<M> ? [args?: ArgsOf<M>] : [args: ArgsOf<M>];

/** The service main implements once; IPC, the server and tests call it. */
export type ServiceMethods = { [M in MethodName]: (args: ParsedArgsOf<M>) => Promise<ResultOf<M>> };

// ---------------------------------------------------------------------------------------------
// Events (main -> renderer).

export interface TrainEventMessage {
  jobId: string;
  event: TrainEvent;
}

export interface EvaluateEventMessage {
  jobId: string;
  event: EvaluateEvent;
}

export interface RunsChangedMessage {
  reason: 'created' | 'updated' | 'deleted' | 'imported' | 'finished';
  id: string;
}

export interface EventMap {
  'train.event': TrainEventMessage;
  'runs.changed': RunsChangedMessage;
  'evaluate.event': EvaluateEventMessage;
}
export type EventName = keyof EventMap;
export const EVENT_NAMES: EventName[] = ['train.event', 'runs.changed', 'evaluate.event'];

// ---------------------------------------------------------------------------------------------
// Lookup (channel names live in channels.ts, the wire codec in wire.ts: both import this file,
// never the other way round).

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(CONTRACT, name);
}
