/**
 * State shared across views (the only store): app info, the model used for classification and
 * the active training job. Everything else lives in the view that owns it.
 */
import type { AppInfo, ModelInfo, TrainJobInfo } from '../../../shared/contract.js';
import type {
  BackendName,
  EpochMetrics,
  Evaluation,
  TrainConfig,
  TrainEvent,
} from '../../../shared/training.js';

export type ViewName = 'classify' | 'train' | 'runs';

export type JobStatus = 'running' | 'done' | 'failed' | 'cancelled';

export interface BatchProgress {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
}

/** A training job as the UI follows it, built from its train.event stream. */
export class TrainingJob {
  readonly jobId: string;
  readonly name: string;
  readonly root: string;
  readonly startedAt: number;
  /** The job's config (from train.jobs after a reload); null where unknown. */
  readonly config: TrainConfig | null;

  status = $state<JobStatus>('running');
  stage = $state('starting');
  stageMessage = $state('Starting…');
  progress = $state<{ stage: string; done: number; total: number } | null>(null);
  batch = $state<BatchProgress | null>(null);
  /** Epochs of the current fold (the whole run when not k-fold). */
  metrics = $state.raw<EpochMetrics[]>([]);
  fold = $state<{ index: number; folds: number } | null>(null);
  /**
   * Further ensemble members (index >= 1), which train side by side with the main model (or after
   * it, with one worker): the dashboard follows the main model, whose curves the run keeps, and
   * shows the others' progress here.
   */
  others = $state.raw<Array<{ index: number; kind: string; epoch: number; epochs: number | null }>>([]);
  foldsDone = $state(0);
  etaSeconds = $state<number | null>(null);
  backend = $state<BackendName | null>(null);
  clips = $state<number | null>(null);
  evaluation = $state.raw<Evaluation | null>(null);
  runId = $state<string | null>(null);
  error = $state<string | null>(null);
  warnings = $state<string[]>([]);
  finishedAt = $state<number | null>(null);

  constructor(init: {
    jobId: string;
    name: string;
    root: string;
    config: TrainConfig | null;
    startedAt?: number;
  }) {
    this.jobId = init.jobId;
    this.name = init.name;
    this.root = init.root;
    this.config = init.config;
    this.startedAt = init.startedAt ?? Date.now();
  }

  static fromInfo(info: TrainJobInfo): TrainingJob {
    const job = new TrainingJob({
      jobId: info.jobId,
      name: info.name,
      root: info.root,
      config: info.config,
      startedAt: Date.parse(info.startedAt) || Date.now(),
    });
    for (const e of info.events) job.apply(e);
    return job;
  }

  /** Planned epochs of the main model (per fold). */
  get epochs(): number | null {
    return this.config?.optimizer.epochs ?? null;
  }

  apply(e: TrainEvent): void {
    switch (e.type) {
      case 'started':
        this.backend = e.backend;
        this.clips = e.clips;
        if (e.runId) this.runId = e.runId;
        break;
      case 'stage':
        this.stage = e.stage;
        this.stageMessage = e.message;
        if (e.stage !== 'features' && e.stage !== 'augment') this.progress = null;
        break;
      case 'progress':
        this.progress = { stage: e.stage, done: e.done, total: e.total };
        break;
      case 'batch':
        if (e.etaSeconds !== undefined) this.etaSeconds = e.etaSeconds;
        // Folds and members train side by side: only the main model of the fold on screen moves
        // the batch bar (a later fold's batches would make it jump back and forth).
        if ((e.member ?? 0) !== 0 || (e.fold ?? 0) !== (this.fold?.index ?? 0)) break;
        this.batch = {
          epoch: e.epoch,
          batch: e.batch,
          batches: e.batches,
          loss: e.loss,
          accuracy: e.accuracy,
        };
        break;
      case 'epoch':
        this.etaSeconds = e.etaSeconds;
        if ((e.member ?? 0) !== 0) {
          this.noteOther(e.member!, e.metrics.epoch);
          break;
        }
        // The main model's epochs arrive in fold order, numbered across folds; the live curves
        // show the fold in progress from its own epoch 1.
        if (e.fold !== undefined) this.enterFold(e.fold);
        this.metrics = [...this.metrics, { ...e.metrics, epoch: this.metrics.length + 1 }];
        break;
      case 'fold':
        this.fold = { index: e.fold, folds: e.folds };
        this.foldsDone = Math.max(this.foldsDone, e.fold + 1);
        break;
      case 'log':
        if (e.level === 'warn') this.warnings = [...this.warnings, e.message];
        break;
      case 'done':
        this.status = 'done';
        this.runId = e.runId;
        this.evaluation = e.evaluation;
        this.backend = e.backend;
        this.etaSeconds = 0;
        this.finishedAt = Date.now();
        break;
      case 'error':
        this.status = 'failed';
        this.error = `${e.code}: ${e.message}`;
        if (e.runId) this.runId = e.runId;
        this.finishedAt = Date.now();
        break;
      case 'cancelled':
        this.status = 'cancelled';
        if (e.runId) this.runId = e.runId;
        this.finishedAt = Date.now();
        break;
    }
  }

  /** A new fold restarts the epoch count: the live curves show the fold in progress. */
  private enterFold(index: number): void {
    if (this.fold?.index === index) return;
    this.fold = { index, folds: this.fold?.folds ?? this.foldCount() };
    this.metrics = [];
    this.batch = null;
  }

  private noteOther(index: number, epoch: number): void {
    const cfg = this.config?.ensemble?.[index - 1];
    const entry = { index, kind: cfg?.model.kind ?? 'model', epoch, epochs: cfg?.optimizer.epochs ?? null };
    this.others = [...this.others.filter((o) => o.index !== index), entry].sort((a, b) => a.index - b.index);
  }

  private foldCount(): number {
    const split = this.config?.split;
    return split?.kind === 'kfold-actors' ? split.folds : 0;
  }
}

export interface SelectedModel {
  /** 'default' for the bundled model, else a run id. */
  id: string;
  name: string;
  labels: string[];
}

export const DEFAULT_MODEL: SelectedModel = { id: 'default', name: 'Default model (bundled)', labels: [] };

class AppState {
  view = $state<ViewName>('classify');
  info = $state<AppInfo | null>(null);
  model = $state<SelectedModel>(DEFAULT_MODEL);
  job = $state<TrainingJob | null>(null);
  /** Bumped whenever runs change (trained, renamed, deleted) so views showing runs reload. */
  runsVersion = $state(0);
  /** A run the Runs view should highlight when opened from elsewhere. */
  focusRunId = $state<string | null>(null);

  /**
   * Events of jobs not (yet) followed: train.start's reply can arrive after the job's first
   * events, so they wait here until startJob picks them up. Not reactive on purpose.
   */
  private pending = new Map<string, TrainEvent[]>();

  /** Route one train.event to the followed job, or keep it for a job about to be followed. */
  routeTrainEvent(jobId: string, event: TrainEvent): void {
    if (this.job?.jobId === jobId) {
      this.job.apply(event);
      return;
    }
    const list = this.pending.get(jobId) ?? [];
    if (event.type !== 'batch') list.push(event);
    this.pending.set(jobId, list.slice(-500));
    if (this.pending.size > 8) this.pending.delete(this.pending.keys().next().value ?? '');
  }

  /** Follow a job, applying whatever of it already arrived. */
  startJob(job: TrainingJob): void {
    for (const e of this.pending.get(job.jobId) ?? []) job.apply(e);
    this.pending.delete(job.jobId);
    this.job = job;
  }

  /** The run id to send to classify (null for the bundled model). */
  get modelRunId(): string | null {
    return this.model.id === 'default' ? null : this.model.id;
  }

  /** What to call the model in use; the bundled one may be missing from an installation. */
  get modelName(): string {
    const missing = this.model.id === 'default' && this.info !== null && this.info.defaultModel === null;
    return missing ? 'none (no bundled model)' : this.model.name;
  }

  selectModel(m: ModelInfo | SelectedModel): void {
    this.model = { id: m.id, name: m.name, labels: [...m.labels] };
  }
}

export const appState = new AppState();
