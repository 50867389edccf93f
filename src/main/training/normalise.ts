/**
 * Per-column standardisation. Statistics come from the training split only (every frame of every
 * training clip, or every pooled vector), are saved with the model, and are applied unchanged to
 * validation, test and inference inputs.
 */
export interface Normalization {
  mean: number[];
  std: number[];
}

/** Row-major rows of `width` columns: a feature matrix (frames) or a batch of pooled vectors. */
export interface Rows {
  data: Float32Array;
  width: number;
}

/** Columns whose spread is below this are left unscaled (a constant column would divide by ~0). */
const MIN_STD = 1e-6;

export function fitNormalization(parts: readonly Rows[]): Normalization {
  const width = parts[0]?.width ?? 0;
  const sum = new Float64Array(width);
  const sumSq = new Float64Array(width);
  let n = 0;
  // Shift by the first row so the single-pass variance does not cancel catastrophically
  // (log-mel columns sit around -50 dB with a spread of a few dB).
  const shift = new Float64Array(width);
  const first = parts.find((p) => p.data.length >= width);
  if (first) for (let c = 0; c < width; c++) shift[c] = first.data[c]!;
  for (const p of parts) {
    if (p.width !== width) throw new Error(`normalise: width ${p.width} differs from ${width}`);
    const rows = Math.floor(p.data.length / width);
    for (let r = 0; r < rows; r++) {
      const o = r * width;
      for (let c = 0; c < width; c++) {
        const v = p.data[o + c]! - shift[c]!;
        sum[c]! += v;
        sumSq[c]! += v * v;
      }
    }
    n += rows;
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < width; c++) {
    const m = n > 0 ? sum[c]! / n : 0;
    const v = n > 0 ? Math.max(0, sumSq[c]! / n - m * m) : 0;
    mean.push(m + shift[c]!);
    const s = Math.sqrt(v);
    std.push(s < MIN_STD ? 1 : s);
  }
  return { mean, std };
}

/** (x - mean) / std per column, into a new array (or `out` when given, which may be `data`). */
export function applyNormalization(
  data: Float32Array,
  norm: Normalization,
  out?: Float32Array,
): Float32Array {
  const width = norm.mean.length;
  if (width === 0 || data.length % width !== 0) {
    throw new Error(`normalise: ${data.length} values do not fill rows of width ${width}`);
  }
  const res = out ?? new Float32Array(data.length);
  const mean = Float32Array.from(norm.mean);
  const inv = Float32Array.from(norm.std, (s) => 1 / s);
  for (let o = 0; o < data.length; o += width) {
    for (let c = 0; c < width; c++) res[o + c] = (data[o + c]! - mean[c]!) * inv[c]!;
  }
  return res;
}

/**
 * Per-speaker statistics: per-column mean/std over all frames of all of a speaker's clips,
 * labels unused (so a test speaker's own unlabeled audio provides them). Keyed by speaker;
 * clips without a speaker (null) share the key ''. Augmented copies take their original
 * clip's speaker statistics.
 */
export function speakerNormalization(
  parts: readonly Rows[],
  speakers: readonly (string | null)[],
): Map<string, Normalization> {
  const bySpeaker = new Map<string, Rows[]>();
  parts.forEach((p, i) => {
    const s = speakers[i] ?? '';
    const list = bySpeaker.get(s) ?? [];
    list.push(p);
    bySpeaker.set(s, list);
  });
  const out = new Map<string, Normalization>();
  for (const [s, list] of bySpeaker) out.set(s, fitNormalization(list));
  return out;
}
