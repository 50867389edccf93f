/**
 * librosa.feature.delta(data, width, order, mode='interp'): a Savitzky-Golay derivative
 * (scipy.signal.savgol_filter with polyorder = deriv = order) along time. In 'interp' mode the
 * first and last width/2 frames take the derivative of a polynomial fitted to the first/last
 * `width` frames, as scipy does.
 */

/**
 * Weights w[pos][k] giving the derivative at window position `pos` (0..width-1) of the
 * least-squares polynomial of degree `polyorder` through samples k = 0..width-1.
 */
export function savgolWeights(width: number, polyorder: number, deriv: number): Float64Array[] {
  const half = (width - 1) / 2;
  const m = polyorder + 1;
  // Normal equations of the Vandermonde fit on positions centred at 0, solved once for all
  // right-hand sides: P = (A^T A)^-1 A^T, so coefficient j of the fit is sum_k P[j][k] x[k].
  const ata: number[][] = Array.from({ length: m }, () => new Array<number>(m).fill(0));
  for (let k = 0; k < width; k++) {
    const u = k - half;
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) ata[i]![j]! += u ** (i + j);
  }
  const inv = invert(ata);
  const P: number[][] = Array.from({ length: m }, (_, j) =>
    Array.from({ length: width }, (_, k) => {
      let s = 0;
      for (let i = 0; i < m; i++) s += inv[j]![i]! * (k - half) ** i;
      return s;
    }),
  );
  const out: Float64Array[] = [];
  for (let pos = 0; pos < width; pos++) {
    const u = pos - half;
    const w = new Float64Array(width);
    for (let j = deriv; j < m; j++) {
      const scale = fallingFactorial(j, deriv) * u ** (j - deriv);
      for (let k = 0; k < width; k++) w[k]! += scale * P[j]![k]!;
    }
    out.push(w);
  }
  return out;
}

function fallingFactorial(n: number, k: number): number {
  let r = 1;
  for (let i = 0; i < k; i++) r *= n - i;
  return r;
}

function invert(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const d = m[c]![c]!;
    for (let j = 0; j < 2 * n; j++) m[c]![j]! /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]!;
      if (f !== 0) for (let j = 0; j < 2 * n; j++) m[r]![j]! -= f * m[c]![j]!;
    }
  }
  return m.map((row) => row.slice(n));
}

const weightMemo = new Map<string, Float64Array[]>();

/**
 * Delta of order `order` of every column of a frame-major matrix, written to columns
 * `dstCol..dstCol+cols-1` of `dst` (same frame count and stride). With fewer frames than
 * `width` librosa raises; we shrink the window to the largest odd size that fits (zeros
 * below 3 frames, or when the window cannot hold a polynomial of that order), so short clips
 * still get a frame-aligned matrix.
 */
export function deltaColumns(
  src: Float32Array,
  stride: number,
  srcCol: number,
  cols: number,
  frames: number,
  order: number,
  width: number,
  dst: Float32Array,
  dstCol: number,
): void {
  let w = Math.min(width, frames % 2 === 1 ? frames : frames - 1);
  if (w < 3 || w <= order) {
    for (let t = 0; t < frames; t++) dst.fill(0, t * stride + dstCol, t * stride + dstCol + cols);
    return;
  }
  w = w | 0;
  const key = `${w}:${order}`;
  let weights = weightMemo.get(key);
  if (!weights) {
    weights = savgolWeights(w, order, order);
    weightMemo.set(key, weights);
  }
  const half = (w - 1) / 2;
  const centre = weights[half]!;
  for (let t = 0; t < frames; t++) {
    // Interior frames use the centred window; edge frames the fit over the first/last w frames.
    let wt: Float64Array;
    let base: number;
    if (t < half) {
      wt = weights[t]!;
      base = 0;
    } else if (t >= frames - half) {
      wt = weights[w - (frames - t)]!;
      base = frames - w;
    } else {
      wt = centre;
      base = t - half;
    }
    const outRow = t * stride + dstCol;
    for (let c = 0; c < cols; c++) {
      let acc = 0;
      let idx = base * stride + srcCol + c;
      for (let k = 0; k < w; k++, idx += stride) acc += wt[k]! * src[idx]!;
      dst[outRow + c] = acc;
    }
  }
}
