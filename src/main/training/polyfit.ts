/**
 * Least-squares polynomial fit (the seed fitted a degree-2 curve to each training curve to
 * describe its trend). Coefficients are lowest degree first: y = c0 + c1 x + c2 x^2.
 */
import type { CurveFit, EpochMetrics } from '../../shared/training.js';

/** Fit y ~ sum c_j x^j for j = 0..degree; degree drops to n-1 when there are fewer points. */
export function polyfit(xs: ArrayLike<number>, ys: ArrayLike<number>, degree = 2): number[] {
  const n = Math.min(xs.length, ys.length);
  if (n === 0) return [];
  const d = Math.min(degree, n - 1);
  const m = d + 1;
  // Normal equations (X^T X) c = X^T y, solved by Gaussian elimination with partial pivoting.
  // x is centred and scaled first so epoch counts in the hundreds stay well conditioned.
  let xMean = 0;
  for (let i = 0; i < n; i++) xMean += xs[i]!;
  xMean /= n;
  let xScale = 0;
  for (let i = 0; i < n; i++) xScale = Math.max(xScale, Math.abs(xs[i]! - xMean));
  if (xScale === 0) xScale = 1;
  const a = Array.from({ length: m }, () => new Array<number>(m + 1).fill(0));
  for (let i = 0; i < n; i++) {
    const t = (xs[i]! - xMean) / xScale;
    const pw = [1];
    for (let j = 1; j < 2 * m; j++) pw.push(pw[j - 1]! * t);
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < m; c++) a[r]![c]! += pw[r + c]!;
      a[r]![m]! += pw[r]! * ys[i]!;
    }
  }
  for (let col = 0; col < m; col++) {
    let piv = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[piv]![col]!)) piv = r;
    [a[col], a[piv]] = [a[piv]!, a[col]!];
    const p = a[col]![col]!;
    if (Math.abs(p) < 1e-12) continue;
    for (let r = 0; r < m; r++) {
      if (r === col) continue;
      const f = a[r]![col]! / p;
      for (let c = col; c <= m; c++) a[r]![c]! -= f * a[col]![c]!;
    }
  }
  const u = a.map((row, r) => (Math.abs(row[r]!) < 1e-12 ? 0 : row[m]! / row[r]!));
  // Expand c(t) with t = (x - mu)/s back to powers of x.
  const out = new Array<number>(degree + 1).fill(0);
  for (let j = 0; j < m; j++) {
    // u_j * ((x - mu)/s)^j = u_j / s^j * sum_i C(j,i) x^i (-mu)^(j-i)
    const scale = u[j]! / xScale ** j;
    for (let i = 0; i <= j; i++) out[i]! += scale * binom(j, i) * (-xMean) ** (j - i);
  }
  return out;
}

function binom(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

export function polyval(c: number[], x: number): number {
  let y = 0;
  for (let j = c.length - 1; j >= 0; j--) y = y * x + c[j]!;
  return y;
}

/** Degree-2 fits of each training curve over epoch numbers (validation curves when present). */
export function fitCurves(metrics: EpochMetrics[], degree = 2): CurveFit[] {
  const out: CurveFit[] = [];
  const series = ['trainLoss', 'trainAccuracy', 'valLoss', 'valAccuracy'] as const;
  for (const s of series) {
    const pts = metrics.filter((m) => typeof m[s] === 'number' && Number.isFinite(m[s]));
    if (pts.length === 0) continue;
    out.push({
      series: s,
      coefficients: polyfit(
        pts.map((m) => m.epoch),
        pts.map((m) => m[s] as number),
        degree,
      ),
      epochs: [pts[0]!.epoch, pts[pts.length - 1]!.epoch],
    });
  }
  return out;
}
