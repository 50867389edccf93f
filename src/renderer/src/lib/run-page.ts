/** What the run page derives from a stored run: early stopping in words, the config in groups. */
import type { RunRecord } from '../../../shared/runs.js';
import type { EpochMetrics } from '../../../shared/training.js';

/** The epoch with the lowest validation loss (whose weights training keeps), or null without validation. */
function bestEpoch(metrics: EpochMetrics[]): number | null {
  let best: EpochMetrics | null = null;
  for (const m of metrics)
    if (m.valLoss !== null && Number.isFinite(m.valLoss) && (!best || m.valLoss < best.valLoss!)) best = m;
  return best ? best.epoch : null;
}

/** "stopped early at epoch 14 of 60: validation loss had not improved for 8 epochs (patience 8)". */
function earlyStop(epochs: number, max: number, best: number | null, patience: number): string {
  const since = best === null ? patience : epochs - best;
  return `stopped early at epoch ${epochs} of ${max}: validation loss had not improved for ${since} epoch${since === 1 ? '' : 's'} (patience ${patience})`;
}

/** One sentence on how long training ran and which weights were kept (per fold for k-fold). */
export function stoppingText(run: RunRecord): string {
  const max = run.config.optimizer.epochs;
  const patience = run.config.optimizer.patience;
  const folds = run.evaluation?.folds;
  if (folds?.length) {
    const early = folds.filter((f) => f.epochs < max);
    const each = folds.map((f) => `${f.epochs} (kept ${f.bestEpoch})`).join(', ');
    if (early.length === 0)
      return `Every fold trained all ${max} epochs; epochs per fold (weights kept): ${each}.`;
    const which = early
      .map((f) => `fold ${f.fold + 1} ${earlyStop(f.epochs, max, f.bestEpoch, patience)}`)
      .join('; ');
    return `Early stopping: ${which}. Epochs per fold (weights kept): ${each}.`;
  }
  if (run.status !== 'completed')
    return `${run.metrics.length} of ${max} epochs recorded before the run ended.`;
  const best = bestEpoch(run.metrics);
  const kept =
    best === null
      ? 'kept the last weights (no validation set)'
      : `kept the weights of epoch ${best} (lowest validation loss)`;
  if (run.metrics.length < max) {
    const s = earlyStop(run.metrics.length, max, best, patience);
    return `${s[0]!.toUpperCase()}${s.slice(1)}; ${kept}.`;
  }
  return `Trained all ${max} epochs; ${kept}.`;
}
