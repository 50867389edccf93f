/** Comparing runs point by point: what differs in their configs, metrics side by side, aligned curves. */
import {
  runSeconds,
  type AlignedCurves,
  type ConfigDiffEntry,
  type CurveSeries,
  type RunComparison,
  type RunRecord,
} from '../../shared/runs.js';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Dotted paths to leaves. Arrays of values are leaves (`model.convFilters: [64,128]` reads better
 * than indices); arrays of objects (an ensemble's members) are indexed (`ensemble.1.model.denseUnits`).
 */
export function flatten(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (Array.isArray(value) && value.length > 0 && value.every(isPlainObject)) {
    value.forEach((v, i) => flatten(v, prefix ? `${prefix}.${i + 1}` : String(i + 1), out));
  } else if (prefix) {
    out.set(prefix, value);
  }
  return out;
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Only the paths whose values are not all equal, in first-seen order. */
export function diffObjects(objects: unknown[]): ConfigDiffEntry[] {
  const flats = objects.map((o) => flatten(o));
  const paths: string[] = [];
  const seen = new Set<string>();
  for (const f of flats) {
    for (const k of f.keys()) {
      if (!seen.has(k)) {
        seen.add(k);
        paths.push(k);
      }
    }
  }
  const out: ConfigDiffEntry[] = [];
  for (const path of paths) {
    const values = flats.map((f) => f.get(path));
    if (values.some((v) => !same(v, values[0]))) out.push({ path, values });
  }
  return out;
}

const SERIES: CurveSeries[] = ['trainLoss', 'trainAccuracy', 'valLoss', 'valAccuracy'];

export function alignCurves(runs: RunRecord[]): AlignedCurves {
  const epochs = [...new Set(runs.flatMap((r) => r.metrics.map((m) => m.epoch)))].sort((a, b) => a - b);
  const series = {} as AlignedCurves['series'];
  for (const s of SERIES) {
    series[s] = runs.map((r) => {
      const byEpoch = new Map(r.metrics.map((m) => [m.epoch, m[s]]));
      return epochs.map((e) => {
        const v = byEpoch.get(e);
        return v === undefined || v === null || Number.isNaN(v) ? null : v;
      });
    });
  }
  return { epochs, series };
}

function finite(xs: (number | null)[]): number[] {
  return xs.filter((x): x is number => x !== null && Number.isFinite(x));
}

function metricsSideBySide(runs: RunRecord[]): Record<string, (number | null)[]> {
  const m: Record<string, (number | null)[]> = {
    accuracy: runs.map((r) => r.accuracy),
    macroF1: runs.map((r) => r.macroF1),
    uar: runs.map((r) => r.uar),
    epochs: runs.map((r) => r.epochs),
    seconds: runs.map(runSeconds),
    bestValLoss: runs.map((r) => {
      const v = finite(r.metrics.map((e) => e.valLoss));
      return v.length ? Math.min(...v) : null;
    }),
    bestValAccuracy: runs.map((r) => {
      const v = finite(r.metrics.map((e) => e.valAccuracy));
      return v.length ? Math.max(...v) : null;
    }),
  };
  const labels: string[] = [];
  for (const r of runs)
    for (const l of r.evaluation?.labels ?? r.labels) if (!labels.includes(l)) labels.push(l);
  for (const label of labels) {
    m[`f1.${label}`] = runs.map((r) => r.evaluation?.perClass.find((c) => c.label === label)?.f1 ?? null);
  }
  return m;
}

function context(r: RunRecord): Record<string, unknown> {
  return {
    backend: r.backend,
    appVersion: r.appVersion,
    dataset: { root: r.dataset.root, hash: r.dataset.hash, countsByLabel: r.dataset.countsByLabel },
  };
}

export function compareRecords(runs: RunRecord[]): RunComparison {
  return {
    runs,
    configDiff: diffObjects(runs.map((r) => r.config)),
    contextDiff: diffObjects(runs.map(context)),
    metrics: metricsSideBySide(runs),
    curves: alignCurves(runs),
  };
}
