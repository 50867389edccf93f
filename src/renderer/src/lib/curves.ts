/** Turn run metrics and polynomial fits into chart series. */
import type { CurveFit, EpochMetrics } from '../../../shared/training.js';

export interface Point {
  x: number;
  y: number;
}

export type MetricKey = 'trainLoss' | 'valLoss' | 'trainAccuracy' | 'valAccuracy';

export function metricPoints(metrics: EpochMetrics[], key: MetricKey): Point[] {
  const out: Point[] = [];
  for (const m of metrics) {
    const y = m[key];
    if (y !== null && Number.isFinite(y)) out.push({ x: m.epoch, y });
  }
  return out;
}

export function evalPoly(coefficients: number[], x: number): number {
  let y = 0;
  for (let i = coefficients.length - 1; i >= 0; i--) y = y * x + (coefficients[i] ?? 0);
  return y;
}

/**
 * The fitted curve sampled finely over the epochs it was fitted on (older runs: the first to the
 * last epoch shown), so it draws smooth and never extrapolates.
 */
export function fitPoints(fit: CurveFit | undefined, metrics: EpochMetrics[], samples = 40): Point[] {
  if (!fit || metrics.length < 2) return [];
  const x0 = fit.epochs?.[0] ?? metrics[0]?.epoch ?? 1;
  const x1 = fit.epochs?.[1] ?? metrics[metrics.length - 1]?.epoch ?? x0;
  if (x1 <= x0) return [];
  const out: Point[] = [];
  for (let i = 0; i <= samples; i++) {
    const x = x0 + ((x1 - x0) * i) / samples;
    out.push({ x, y: evalPoly(fit.coefficients, x) });
  }
  return out;
}

export interface ChartSeries {
  name: string;
  points: Point[];
  color: string;
  /** Dashed is used for polynomial fits, dotted for training curves beside validation ones. */
  style?: 'solid' | 'dashed' | 'dotted';
  /** Dots on the data points (off for fitted curves). */
  markers?: boolean;
}

/**
 * A k-fold run's epochs (numbered on across folds) cut back into one history per fold, each
 * numbered from 1, so the folds draw as separate lines over the same epochs, not one saw-tooth.
 */
export function splitByFold(metrics: EpochMetrics[], foldEpochs: readonly number[]): EpochMetrics[][] {
  const out: EpochMetrics[][] = [];
  let at = 0;
  for (const n of foldEpochs) {
    out.push(metrics.slice(at, at + n).map((m, i) => ({ ...m, epoch: i + 1 })));
    at += n;
  }
  return out;
}

/** The per-epoch mean over the folds that reached each epoch (NaN-free values only). */
export function meanOfFolds(folds: EpochMetrics[][], key: MetricKey): Point[] {
  const longest = Math.max(0, ...folds.map((f) => f.length));
  const out: Point[] = [];
  for (let e = 0; e < longest; e++) {
    const ys = folds
      .map((f) => f[e]?.[key])
      .filter((y): y is number => y !== null && y !== undefined && Number.isFinite(y));
    if (ys.length) out.push({ x: e + 1, y: ys.reduce((a, b) => a + b, 0) / ys.length });
  }
  return out;
}
