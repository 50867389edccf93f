/**
 * A TrainConfig as rows a person reads, in groups: data and split first (they decide what a
 * number means), then features, augmentation, model, optimisation, ensemble. Optional settings
 * show their default instead of being absent, a masking block is one row, and each ensemble
 * member is one row, so comparing runs lists real differences only.
 */
import { speakerRanges } from './clips.js';
import type { EnsembleMember, MaskConfig, ModelConfig, SplitConfig, TrainConfig } from './training.js';

export interface ConfigRow {
  path: string;
  /** One value per config, in order; undefined where a config lacks the setting. */
  values: unknown[];
}

export interface ConfigGroup {
  group: string;
  rows: ConfigRow[];
}

const GROUPS: { group: string; match: (path: string) => boolean }[] = [
  {
    group: 'Data and split',
    match: (p) => p === 'labels' || p.startsWith('split') || p === 'seed' || p === 'normalization',
  },
  { group: 'Features', match: (p) => p.startsWith('features.') },
  { group: 'Augmentation', match: (p) => p.startsWith('augment.') },
  { group: 'Model', match: (p) => p.startsWith('model.') || p === 'masking' },
  { group: 'Optimisation', match: (p) => p.startsWith('optimizer.') },
  { group: 'Ensemble', match: (p) => p.startsWith('ensemble') },
];

function maskText(m: MaskConfig | null | undefined): string {
  if (!m) return 'off';
  return `${m.freqMasks} freq × ${m.freqWidth}, ${m.timeMasks} time × ${m.timeWidth}`;
}

function splitText(s: SplitConfig): string {
  if (s.kind === 'random') return `random, test ${s.testFraction}`;
  if (s.kind === 'actors')
    return s.testActors.length ? `test speakers ${speakerRanges(s.testActors)}` : 'all speakers';
  return `${s.folds}-fold by speaker`;
}

function modelText(m: ModelConfig): string {
  if (m.kind === 'mlp') return `mlp ${(m.mlpHidden ?? [m.denseUnits, m.denseUnits / 2]).join('-')}`;
  return `cnn-lstm conv ${m.convFilters.join('-')}, lstm ${m.lstmUnits}, dense ${m.denseUnits}`;
}

function memberText(e: EnsembleMember): string {
  const o = e.optimizer;
  return `${modelText(e.model)}; lr ${o.learningRate}, batch ${o.batchSize}, ${o.epochs} epochs; masking ${maskText(e.masking)}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function flattenInto(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flattenInto(v, `${prefix}.${k}`, out);
  } else out.set(prefix, value);
}

/** One config as display paths -> values, defaults filled in. */
export function displayConfig(c: TrainConfig): Map<string, unknown> {
  const out = new Map<string, unknown>();
  out.set('labels', c.labels);
  out.set('split', splitText(c.split));
  out.set('split.valFraction', c.split.valFraction);
  out.set('seed', c.seed);
  out.set('normalization', c.normalization ?? 'global');
  flattenInto(c.features, 'features', out);
  flattenInto(c.augment, 'augment', out);
  const model: ModelConfig = {
    batchNorm: false,
    convDropout: 'element',
    lstmPooling: 'last',
    pooling: 'mean-std',
    ...c.model,
  };
  flattenInto(model, 'model', out);
  out.set('masking', maskText(c.masking));
  flattenInto({ schedule: 'constant', ...c.optimizer }, 'optimizer', out);
  const members = c.ensemble ?? [];
  if (members.length === 0) out.set('ensemble', 'none');
  members.forEach((m, i) => out.set(`ensemble member ${i + 2}`, memberText(m)));
  return out;
}

function same(a: unknown, b: unknown): boolean {
  return a === b || (a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b));
}

/**
 * Grouped rows of several configs; with `onlyDifferent` only the rows whose values are not all
 * equal (the comparison), else every row (one run's page).
 */
export function configGroups(configs: readonly TrainConfig[], onlyDifferent: boolean): ConfigGroup[] {
  const flats = configs.map(displayConfig);
  const paths: string[] = [];
  for (const f of flats) for (const k of f.keys()) if (!paths.includes(k)) paths.push(k);
  const groups: ConfigGroup[] = [
    ...GROUPS.map((g) => ({ group: g.group, rows: [] as ConfigRow[] })),
    { group: 'Other', rows: [] },
  ];
  for (const path of paths) {
    const values = flats.map((f) => f.get(path));
    if (onlyDifferent && values.every((v) => same(v, values[0]))) continue;
    const gi = GROUPS.findIndex((g) => g.match(path));
    groups[gi < 0 ? GROUPS.length : gi]!.rows.push({ path, values });
  }
  return groups.filter((g) => g.rows.length > 0);
}

/** The config without what a repeat with another seed changes: runs equal under this are repeats. */
export function repeatKey(c: TrainConfig): string {
  const flat = displayConfig(c);
  flat.delete('seed');
  return JSON.stringify([...flat]);
}
