/**
 * How the training wizard turns a user's choices into a TrainConfig, as plain functions (the
 * wizard's components call them; tests/unit/recipe-split.test.ts checks that they give what
 * `ser train` gives for the same choices).
 *
 * Plain data only: the renderer bundles this file.
 */
import { defaultSplit } from './split-defaults.js';
import type { SplitConfig, TrainConfig } from './train-schema.js';

/** A model preset sets how the model learns; the dataset, features and split chosen so far stay. */
export function applyModelPreset(config: TrainConfig, preset: TrainConfig): TrainConfig {
  const c = structuredClone(preset);
  return {
    ...config,
    model: c.model,
    optimizer: c.optimizer,
    normalization: c.normalization,
    pooledCentring: c.pooledCentring,
    singleClipViews: c.singleClipViews,
    masking: c.masking,
    ensemble: c.ensemble,
  };
}

/** The split the wizard sets when the user picks a kind (the same defaults as `ser train`). */
export function applySplitKind(
  config: TrainConfig,
  kind: SplitConfig['kind'],
  speakers: readonly string[],
): TrainConfig {
  return { ...config, split: defaultSplit(kind, speakers) };
}
