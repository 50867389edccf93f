/**
 * The member loop: on each fold's split, train the run's main model and then each further
 * ensemble member (config.ensemble), one after the other, with the same features and augmented
 * copies. Streams batches and epochs (tagged with fold and member), keeps an ETA over all the
 * (fold, member) work of the run, and numbers the main model's epochs consecutively across folds
 * (those are the run's recorded curves; further members' epochs are shown live only).
 */
import type { EpochMetrics, TrainConfig, TrainEvent } from '../../shared/training.js';
import { subSeed } from '../util/rng.js';
import { trainFold, trainingExampleCount, type FoldData, type FoldOutcome } from './fold.js';
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
}

export class MemberLoop {
  readonly members: TrainConfig[];
  /** The main model's epochs of each fold trained so far. */
  readonly histories: EpochMetrics[][] = [];
  /** Batches of each (fold, member), in training order, for the ETA. */
  private readonly work: number[];
  private step = 0;
  private epochOffset = 0;

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
  }

  /** One line for the 'train' stage: what is trained on how many examples. */
  describe(): string {
    const kinds = this.members.map((m) => m.model.kind).join(' + ');
    const folds = this.folds.length;
    return `training ${this.members.length > 1 ? `an ensemble of ${kinds}` : kinds} on ${trainingExampleCount(this.folds[0]!.split, this.data.augmented)} examples${folds > 1 ? ` x ${folds} folds` : ''}`;
  }

  /** Train every member on fold `f`; the outcomes in member order (the main model first). */
  async trainFold(f: Fold): Promise<FoldOutcome[]> {
    const { cfg, folds, members, opts } = this;
    const emit = opts.emit;
    const outs: FoldOutcome[] = [];
    try {
      for (const [mi, mc] of members.entries()) {
        this.step++;
        const later = this.work.slice(this.step).reduce((a, b) => a + b, 0);
        const tags = {
          ...(folds.length > 1 ? { fold: f.fold } : {}),
          ...(members.length > 1 ? { member: mi } : {}),
        };
        if (members.length > 1) {
          emit({
            type: 'log',
            level: 'info',
            message: `${folds.length > 1 ? `fold ${f.fold + 1}: ` : ''}ensemble member ${mi + 1} of ${members.length} (${mc.model.kind})`,
          });
        }
        const offset = this.epochOffset;
        // The first member keeps the seed a single model has, so adding members changes nothing of it.
        const foldSeed = subSeed(cfg.seed, 1000 + f.fold);
        const out = await trainFold(this.data, f.split, mc, mi === 0 ? foldSeed : subSeed(foldSeed, mi), {
          signal: opts.signal,
          laterBatches: later,
          onBatch: (b) => emit({ type: 'batch', ...b, ...tags }),
          onEpoch: (m, eta) => {
            const stored = mi === 0 ? { ...m, epoch: m.epoch + offset } : m;
            // The run keeps the main model's curves (and fits them); a further member's epochs are
            // shown live, tagged with their member, and its result is logged.
            if (mi === 0) opts.onMainEpoch(stored);
            emit({ type: 'epoch', metrics: stored, etaSeconds: eta, ...tags });
          },
        });
        outs.push(out);
        if (mi === 0) {
          this.epochOffset += out.history.length;
          this.histories.push(out.history);
        }
      }
    } catch (err) {
      for (const o of outs) o.model.dispose();
      throw err;
    }
    return outs;
  }
}
