/**
 * k-fold pooling: one run's evaluation from its folds. The pooled metrics come from the sum of
 * the fold confusions (every test clip counted once), with each fold's result and the mean and
 * standard deviation of the fold accuracies beside them; the curves fitted are the folds' mean
 * curve.
 */
import type { CurveFit, EpochMetrics, Evaluation, FoldResult } from '../../shared/training.js';
import { evaluationFromConfusion, meanStd, sumConfusions } from './metrics.js';
import { fitCurves } from './polyfit.js';

export function poolFolds(
  foldResults: FoldResult[],
  histories: EpochMetrics[][],
  labels: string[],
): { evaluation: Evaluation; fits: CurveFit[] } {
  const pooled = evaluationFromConfusion(
    sumConfusions(foldResults.map((r) => r.evaluation.confusion)),
    labels,
  );
  const evaluation: Evaluation = {
    ...pooled,
    folds: foldResults,
    foldAccuracy: meanStd(foldResults.map((r) => r.evaluation.accuracy)),
    foldUar: meanStd(foldResults.map((r) => r.evaluation.uar)),
    speakers: foldResults.flatMap((r) => r.evaluation.speakers ?? []),
  };
  return { evaluation, fits: fitCurves(meanCurve(histories)) };
}

/** The per-epoch mean of several folds' curves (over the folds that reached each epoch). */
export function meanCurve(histories: EpochMetrics[][]): EpochMetrics[] {
  const longest = Math.max(0, ...histories.map((h) => h.length));
  const out: EpochMetrics[] = [];
  for (let e = 0; e < longest; e++) {
    const at = histories.map((h) => h[e]).filter((m): m is EpochMetrics => m !== undefined);
    const mean = (f: (m: EpochMetrics) => number | null): number | null => {
      const xs = at.map(f).filter((v): v is number => v !== null && Number.isFinite(v));
      return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
    };
    out.push({
      epoch: e + 1,
      trainLoss: mean((m) => m.trainLoss) ?? NaN,
      trainAccuracy: mean((m) => m.trainAccuracy) ?? NaN,
      valLoss: mean((m) => m.valLoss),
      valAccuracy: mean((m) => m.valAccuracy),
      seconds: mean((m) => m.seconds) ?? 0,
    });
  }
  return out;
}
