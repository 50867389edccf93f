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
  const out = new Map<string, Normalization>();
  for (const [s, list] of groupBySpeaker(parts, speakers)) out.set(s, fitNormalization(list));
  return out;
}

/** `items` grouped by `speakers[i]` (null or missing speakers share the key ''), in first-seen order. */
export function groupBySpeaker<T>(
  items: readonly T[],
  speakers: readonly (string | null | undefined)[],
): Map<string, T[]> {
  const by = new Map<string, T[]>();
  items.forEach((item, i) => {
    const s = speakers[i] ?? '';
    const list = by.get(s) ?? [];
    list.push(item);
    by.set(s, list);
  });
  return by;
}

/**
 * A typical speaker's statistics: the mean of the speakers' means and the root-mean-square of
 * their standard deviations. A model trained with per-speaker normalisation standardises an
 * uncalibrated clip with these (its speaker's own are unknown), which keeps the clip's level and
 * spread relative to the training voices; the clip's own statistics would erase them.
 */
export function typicalNormalization(stats: readonly Normalization[]): Normalization {
  const width = stats[0]?.mean.length ?? 0;
  const mean = new Array<number>(width).fill(0);
  const std = new Array<number>(width).fill(0);
  for (const s of stats) {
    for (let c = 0; c < width; c++) {
      mean[c]! += s.mean[c]! / stats.length;
      std[c]! += (s.std[c]! * s.std[c]!) / stats.length;
    }
  }
  return { mean, std: std.map((v) => Math.sqrt(v)) };
}

/**
 * The per-speaker or per-utterance step of a NormalizationMode, applied before the model's own
 * (global) standardisation: 'speaker' standardises each clip by `speakerStats` (its speaker's),
 * 'utterance' subtracts the clip's own mean, 'global' leaves it unchanged.
 */
export function preNormalize(
  data: Float32Array,
  width: number,
  mode: 'global' | 'speaker' | 'utterance',
  speakerStats: Normalization | null,
): Float32Array {
  if (mode === 'global') return data;
  if (mode === 'utterance') {
    // Mean only (cepstral mean normalisation): removes the channel's fixed colouring and the
    // recording level, keeps each column's spread (standardising that too leaves a pooled model
    // with constant means and stds to learn from).
    const own = fitNormalization([{ data, width }]);
    return applyNormalization(data, { mean: own.mean, std: own.std.map(() => 1) });
  }
  if (!speakerStats) throw new Error('normalise: per-speaker mode without statistics');
  return applyNormalization(data, speakerStats);
}

/**
 * The per-speaker or per-utterance step over a run's clips and their augmented copies (by clip
 * index). Speaker statistics come from each speaker's unlabeled clips; an augmented copy takes
 * its original clip's speaker statistics, or (per utterance) its own. `typical` is the typical
 * speaker (typicalNormalization) over the speakers of clips outside `heldOut`.
 */
export function preNormalizeClips<M extends { data: Float32Array; width: number }>(
  mode: 'global' | 'speaker' | 'utterance',
  matrices: M[],
  augmented: Map<number, M[]>,
  speakers: readonly (string | null)[],
  heldOut: ReadonlySet<number>,
): { matrices: M[]; augmented: Map<number, M[]>; typical: Normalization | null; message: string | null } {
  if (mode === 'global') return { matrices, augmented, typical: null, message: null };
  const stats = mode === 'speaker' ? speakerNormalization(matrices, speakers) : null;
  const norm = (m: M, i: number): M => ({
    ...m,
    data: preNormalize(m.data, m.width, mode, stats?.get(speakers[i] ?? '') ?? null),
  });
  let typical: Normalization | null = null;
  if (stats) {
    const trained = new Set(speakers.filter((_, i) => !heldOut.has(i)).map((s) => s ?? ''));
    typical = typicalNormalization([...stats].filter(([s]) => trained.has(s)).map(([, n]) => n));
  }
  return {
    matrices: matrices.map(norm),
    augmented: new Map([...augmented].map(([i, ms]) => [i, ms.map((m) => norm(m, i))])),
    typical,
    message:
      mode === 'speaker'
        ? `per-speaker normalisation over ${stats!.size} speakers`
        : 'per-utterance normalisation (each clip by its own statistics)',
  };
}
