/**
 * The member loop: on each fold's split, train the run's main model and each further ensemble
 * member (config.ensemble) with the same features and augmented copies, side by side in worker
 * threads (fold-pool.ts; cfg.workers, by default one per core, or one per model when there are more models than cores). Streams batches and epochs (tagged with fold and member), keeps an ETA over all the
 * (fold, member) work of the run, and numbers the main model's epochs consecutively across folds
 * (those are the run's recorded curves; further members' epochs are shown live only).
 */
import type { BackendName, EpochMetrics, TrainConfig, TrainEvent } from '../../shared/training.js';
import { subSeed } from '../util/rng.js';
import { trainingExampleCount, type FoldData, type FoldOutcome } from './fold.js';
import { trainFolds, trainingWorkers, type FoldTask } from './fold-pool.js';
import type { Fold } from './splits.js';

/** The configs an ensemble's members train with: the main model first, then config.ensemble's. */
export function memberConfigs(cfg: TrainConfig): TrainConfig[] {
  const main: TrainConfig = { ...cfg, ensemble: undefined };
  return [
    main,
    ...(cfg.ensemble ?? []).map((m) => ({
      ...main,
      model: m.model,
      optimizer: m.optimizer,
      masking: m.masking ?? null,
    })),
  ];
}

export interface MemberLoopOptions {
  signal?: AbortSignal;
  emit: (e: TrainEvent) => void;
  /** Each epoch of the main model, numbered across folds (what the run records). */
  onMainEpoch: (m: EpochMetrics) => void;
  /** The backend the worker threads use (the run's). */
  backend: BackendName;
  /**
   * Whether cfg.workers was chosen (--workers, the config) rather than defaulted to the cores:
   * by default, more models than cores each get a thread (fold-pool.ts, trainingWorkers).
   */
  workersChosen?: boolean;
}

export class MemberLoop {
  readonly members: TrainConfig[];
  /** The main model's epochs of each fold, in fold order (filled by trainAll). */
  readonly histories: EpochMetrics[][] = [];
  /** Batches of each (fold, member), in training order, for the ETA. */
  private readonly work: number[];
  /** Worker threads the models train in (fold-pool.ts, trainingWorkers). */
  readonly workers: number;
  /** Data-parallel replicas of each model (cfg.replicas, which the trainer always sets; data-parallel.ts). */
  readonly replicas: number;

  constructor(
    private readonly cfg: TrainConfig,
    private readonly folds: Fold[],
    private readonly data: FoldData,
    private readonly opts: MemberLoopOptions,
  ) {
    this.members = memberConfigs(cfg);
    const batchesOf = (f: Fold, m: TrainConfig) =>
      Math.ceil(trainingExampleCount(f.split, data.augmented) / m.optimizer.batchSize) * m.optimizer.epochs;
    this.work = folds.flatMap((f) => this.members.map((m) => batchesOf(f, m)));
    this.workers = trainingWorkers(this.work.length, opts.workersChosen === false ? undefined : cfg.workers);
    this.replicas = cfg.replicas ?? 1;
  }

  /** One line for the 'train' stage: what is trained on how many examples, in how many threads. */
  describe(): string {
    const kinds = this.members.map((m) => m.model.kind).join(' + ');
    const folds = this.folds.length;
    const w = this.workers;
    const r = this.replicas;
    const threads = [
      ...(w > 1 ? [`${w} models at a time, one per worker thread`] : []),
      ...(r > 1 ? [`each data-parallel on ${r} threads`] : []),
    ];
    return `training ${this.members.length > 1 ? `an ensemble of ${kinds}` : kinds} on ${trainingExampleCount(this.folds[0]!.split, this.data.augmented)} examples${folds > 1 ? ` x ${folds} folds` : ''}${threads.length ? ` (${threads.join('; ')})` : ''}`;
  }

  /**
   * Train every member on every fold (fold-pool.ts: side by side in worker threads); the outcomes
   * by fold, in member order (the main model first).
   */
  async trainAll(): Promise<FoldOutcome[][]> {
    const { cfg, folds, members, opts } = this;
    const emit = opts.emit;
    const workers = this.workers;
    const epochs = new EpochSequencer(folds.length, (fold, m, eta) => {
      opts.onMainEpoch(m);
      emit({ type: 'epoch', metrics: m, etaSeconds: eta, ...this.tags(fold, 0) });
    });
    const tasks: FoldTask[] = [];
    let step = 0;
    for (const [fi, f] of folds.entries()) {
      // The first member keeps the seed a single model has, so adding members changes nothing of it.
      const foldSeed = subSeed(cfg.seed, 1000 + f.fold);
      for (const [mi, mc] of members.entries()) {
        step++;
        // Work after this model, shared by the threads that will do it.
        const later = Math.round(this.work.slice(step).reduce((a, b) => a + b, 0) / workers);
        const tags = this.tags(fi, mi);
        tasks.push({
          split: f.split,
          config: mc,
          seed: mi === 0 ? foldSeed : subSeed(foldSeed, mi),
          callbacks: {
            laterBatches: later,
            onBatch: (b) => emit({ type: 'batch', ...b, ...tags }),
            // The run keeps the main model's curves (and fits them), numbered across folds; a
            // further member's epochs are shown live, tagged with their member.
            onEpoch: (m, eta) =>
              mi === 0
                ? epochs.epoch(fi, m, eta)
                : emit({ type: 'epoch', metrics: m, etaSeconds: eta, ...tags }),
            onDone: (history) => {
              if (mi === 0) epochs.done(fi, history.length);
              if (members.length > 1) {
                emit({
                  type: 'log',
                  level: 'info',
                  message: `${folds.length > 1 ? `fold ${f.fold + 1}: ` : ''}ensemble member ${mi + 1} of ${members.length} (${mc.model.kind}) trained`,
                });
              }
            },
          },
        });
      }
    }
    const outs = await trainFolds(this.data, tasks, {
      workers,
      backend: opts.backend,
      signal: opts.signal,
      replicas: this.replicas,
    });
    const byFold = folds.map((_, fi) => outs.slice(fi * members.length, (fi + 1) * members.length));
    for (const fold of byFold) this.histories.push(fold[0]!.history);
    return byFold;
  }

  private tags(fold: number, member: number) {
    return {
      ...(this.folds.length > 1 ? { fold: this.folds[fold]!.fold } : {}),
      ...(this.members.length > 1 ? { member } : {}),
    };
  }
}

/**
 * The main model's epochs in fold order, numbered across folds, when folds train side by side: a
 * fold's epochs pass straight through while every earlier fold is finished, and wait otherwise
 * (its numbers depend on how many epochs the earlier folds ran, early stopping included).
 */
export class EpochSequencer {
  private next = 0;
  private offset = 0;
  private readonly waiting: Array<Array<[EpochMetrics, number]>>;
  private readonly finished: Array<number | null>;

  constructor(
    folds: number,
    private readonly out: (fold: number, m: EpochMetrics, eta: number) => void,
  ) {
    this.waiting = Array.from({ length: folds }, () => []);
    this.finished = new Array<number | null>(folds).fill(null);
  }

  epoch(fold: number, m: EpochMetrics, eta: number): void {
    if (fold === this.next) this.out(fold, { ...m, epoch: m.epoch + this.offset }, eta);
    else this.waiting[fold]!.push([m, eta]);
  }

  /** Fold `fold` ran `epochs` epochs and will report no more. */
  done(fold: number, epochs: number): void {
    this.finished[fold] = epochs;
    while (this.next < this.finished.length && this.finished[this.next] !== null) {
      this.offset += this.finished[this.next]!;
      this.next++;
      if (this.next < this.waiting.length) {
        for (const [m, eta] of this.waiting[this.next]!)
          this.out(this.next, { ...m, epoch: m.epoch + this.offset }, eta);
        this.waiting[this.next] = [];
      }
    }
  }
}
