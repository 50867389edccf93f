/**
 * The one answer to "which split, if the user names only its kind": used by `ser train`, the
 * service's presets and the wizard (ModelStep), so the CLI and the app build the same TrainConfig
 * for the same choices (tests/unit/recipe-split.test.ts checks it).
 *
 * - actors (the default): the last fifth of the speakers (at least one) are the test speakers,
 *   never heard in training; a sixth-ish of the training speakers (valFraction 0.15) pick epochs.
 * - kfold: 5 folds by speaker (fewer when there are fewer speakers), the same validation share.
 * - random: 20% of the clips test; no validation clips, as the README says: they would be the
 *   other takes the test clips' twins need in training, and the recipe's cosine schedule needs no
 *   early stopping (docs/BENCHMARKS.md).
 *
 * Plain data only: the renderer bundles this file.
 */
import type { SplitConfig } from './train-schema.js';

export const DEFAULT_SPLIT_KIND: SplitConfig['kind'] = 'actors';
/** Share of the training speakers held out for validation (early stopping) on speaker splits. */
export const DEFAULT_VAL_FRACTION = 0.15;
/** Share of the clips tested on a random split. */
export const DEFAULT_TEST_FRACTION = 0.2;
export const DEFAULT_FOLDS = 5;

/** Speaker ids in a stable order: numerically when both are numbers ("2" before "10"), else as text. */
export function sortSpeakers(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort((a, b) => {
    const na = Number(a);
    const nb = Number(b);
    if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/** The default test speakers: the last fifth in sortSpeakers order, at least one (none of none). */
export function defaultTestSpeakers(speakers: Iterable<string>): string[] {
  const sorted = sortSpeakers(speakers);
  if (sorted.length === 0) return [];
  return sorted.slice(sorted.length - Math.max(1, Math.round(sorted.length / 5)));
}

/**
 * The split of `kind` for a dataset with these speakers. With no speakers known yet (the wizard
 * before a scan), an actors split has no test speakers, which the wizard fills in once it knows
 * them; k-fold keeps DEFAULT_FOLDS.
 */
export function defaultSplit(kind: SplitConfig['kind'], speakers: Iterable<string>): SplitConfig {
  const ids = sortSpeakers(speakers);
  switch (kind) {
    case 'random':
      return { kind, testFraction: DEFAULT_TEST_FRACTION, valFraction: 0 };
    case 'actors':
      return { kind, testActors: defaultTestSpeakers(ids), valFraction: DEFAULT_VAL_FRACTION };
    case 'kfold-actors':
      return {
        kind,
        folds: ids.length === 0 ? DEFAULT_FOLDS : Math.min(DEFAULT_FOLDS, Math.max(2, ids.length)),
        valFraction: DEFAULT_VAL_FRACTION,
      };
  }
}
