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

/** One sentence on how long training ran and which weights were kept (per fold for k-fold). */
export function stoppingText(run: RunRecord): string {
  const max = run.config.optimizer.epochs;
  const folds = run.evaluation?.folds;
  if (folds?.length) {
    const early = folds.filter((f) => f.epochs < max).length;
    const each = folds.map((f) => `${f.epochs} (kept ${f.bestEpoch})`).join(', ');
    return early
      ? `Early stopping ended ${early} of ${folds.length} folds before ${max} epochs; epochs per fold: ${each}.`
      : `Every fold trained all ${max} epochs; epochs per fold (weights kept): ${each}.`;
  }
  if (run.status !== 'completed')
    return `${run.metrics.length} of ${max} epochs recorded before the run ended.`;
  const best = bestEpoch(run.metrics);
  const kept =
    best === null
      ? 'kept the last weights (no validation set)'
      : `kept the weights of epoch ${best} (lowest validation loss)`;
  return run.metrics.length < max
    ? `Early stopping: stopped after ${run.metrics.length} of ${max} epochs (patience ${run.config.optimizer.patience}); ${kept}.`
    : `Trained all ${max} epochs; ${kept}.`;
}
