/** Classification metrics over label indices: accuracy, macro-F1, UAR, per-class P/R/F1, confusion. */
import type { ClassMetrics, Evaluation } from '../../shared/training.js';

/** confusion[true][predicted]. */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, k: number): number[][] {
  if (yTrue.length !== yPred.length)
    throw new Error(`metrics: ${yTrue.length} labels vs ${yPred.length} predictions`);
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i]!;
    const p = yPred[i]!;
    if (t < 0 || t >= k || p < 0 || p >= k) throw new Error(`metrics: class index out of range (${t}, ${p})`);
    m[t]![p]! += 1;
  }
  return m;
}

/**
 * Everything from a confusion matrix. Precision/recall/F1 of a class with no predictions or no
 * support is 0 (sklearn's zero_division=0); macro-F1 and UAR average over classes with support,
 * so a label absent from a test set does not drag the mean down.
 */
export function evaluationFromConfusion(confusion: number[][], labels: string[]): Evaluation {
  const k = labels.length;
  let n = 0;
  let correct = 0;
  const perClass: ClassMetrics[] = [];
  for (let c = 0; c < k; c++) {
    const row = confusion[c]!;
    const support = row.reduce((a, b) => a + b, 0);
    let predicted = 0;
    for (let r = 0; r < k; r++) predicted += confusion[r]![c]!;
    const tp = row[c]!;
    n += support;
    correct += tp;
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perClass.push({ label: labels[c]!, precision, recall, f1, support });
  }
  const present = perClass.filter((c) => c.support > 0);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  return {
    labels: [...labels],
    n,
    accuracy: n > 0 ? correct / n : 0,
    macroF1: mean(present.map((c) => c.f1)),
    uar: mean(present.map((c) => c.recall)),
    perClass,
    confusion: confusion.map((r) => [...r]),
  };
}

export function evaluate(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, labels: string[]): Evaluation {
  return evaluationFromConfusion(confusionMatrix(yTrue, yPred, labels.length), labels);
}

/** Element-wise sum of same-shaped confusion matrices (pooling the folds of a cross-validation). */
export function sumConfusions(ms: number[][][]): number[][] {
  const first = ms[0];
  if (!first) return [];
  return first.map((row, r) => row.map((_, c) => ms.reduce((s, m) => s + (m[r]?.[c] ?? 0), 0)));
}

/** Index of the largest value in each row of a row-major [n x k] array. */
export function argmaxRows(probs: ArrayLike<number>, k: number): Int32Array {
  const n = Math.floor(probs.length / k);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bv = -Infinity;
    for (let c = 0; c < k; c++) {
      const v = probs[i * k + c]!;
      if (v > bv) {
        bv = v;
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}

export function meanStd(xs: number[]): { mean: number; std: number } {
  if (xs.length === 0) return { mean: 0, std: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
  return { mean, std: Math.sqrt(v) };
}

/** The element-wise mean of equally long probability arrays (an ensemble's members' [n x k]). */
export function meanProbs(all: Float32Array[]): Float32Array {
  const out = Float32Array.from(all[0] ?? []);
  if (all.length < 2) return out;
  for (const p of all.slice(1)) for (let i = 0; i < out.length; i++) out[i]! += p[i]!;
  for (let i = 0; i < out.length; i++) out[i]! /= all.length;
  return out;
}
