/**
 * One recipe, one split default: `ser train` and the wizard build the same TrainConfig for the
 * same choices (the wizard starts from the service's presets and applies the same plain functions
 * its components call).
 */
import { describe, expect, it } from 'vitest';
import { trainConfigFromFlags } from '../../src/main/cli/train.js';
import { defaultModelConfig } from '../../src/main/recipe/default-model.js';
import { presets } from '../../src/main/recipe/presets.js';
import { DEFAULT_RECIPE } from '../../src/main/recipe/recipe.js';
import { defaultSplit, defaultTestSpeakers } from '../../src/shared/split-defaults.js';
import type { TrainConfig } from '../../src/shared/training.js';
import { applyModelPreset, applySplitKind } from '../../src/shared/wizard-config.js';

const RAVDESS_20 = Array.from({ length: 20 }, (_, i) => String(i + 1).padStart(2, '0'));

/** The wizard: the presets' defaults, a model preset when chosen, then a split kind. */
function wizard(kind: TrainConfig['split']['kind'], speakers: string[], preset?: string): TrainConfig {
  const p = presets();
  let config = structuredClone(p.defaults);
  if (preset) config = applyModelPreset(config, p.model.find((m) => m.id === preset)!.config);
  return applySplitKind(config, kind, speakers);
}

const FLAG_KIND = { random: 'random', actors: 'actors', 'kfold-actors': 'kfold' } as const;

describe('split defaults', () => {
  it('hold out the last fifth of the speakers, at least one', () => {
    expect(defaultTestSpeakers(RAVDESS_20)).toEqual(['17', '18', '19', '20']);
    expect(defaultTestSpeakers(['10', '2', '1'])).toEqual(['10']);
    expect(defaultTestSpeakers([])).toEqual([]);
  });

  it('keep no validation clips on a random split, 15% of the speakers otherwise', () => {
    expect(defaultSplit('random', RAVDESS_20)).toEqual({ kind: 'random', testFraction: 0.2, valFraction: 0 });
    expect(defaultSplit('actors', RAVDESS_20)).toMatchObject({ valFraction: 0.15 });
    expect(defaultSplit('kfold-actors', RAVDESS_20)).toEqual({
      kind: 'kfold-actors',
      folds: 5,
      valFraction: 0.15,
    });
    expect(defaultSplit('kfold-actors', ['1', '2', '3'])).toMatchObject({ folds: 3 });
  });
});

describe('the CLI and the wizard', () => {
  for (const kind of ['actors', 'random', 'kfold-actors'] as const) {
    for (const preset of [undefined, 'default', 'fast', 'seed', 'best'] as const) {
      it(`build the same TrainConfig: split ${kind}, preset ${preset ?? '(default)'}`, () => {
        const cli = trainConfigFromFlags(
          { data: '/data', split: FLAG_KIND[kind], ...(preset ? { preset } : {}) },
          RAVDESS_20,
        );
        expect(cli).toEqual(wizard(kind, RAVDESS_20, preset));
      });
    }
  }

  it("start from the one default recipe, which is also the wizard's first preset and the bundled model's", () => {
    const cli = trainConfigFromFlags({ data: '/data' }, RAVDESS_20);
    expect(cli).toMatchObject({
      model: { kind: 'mlp', pooling: 'summary' },
      normalization: DEFAULT_RECIPE.normalization,
      augment: { kinds: DEFAULT_RECIPE.augment, copiesPerClip: DEFAULT_RECIPE.copies },
    });
    expect(presets().model[0]).toMatchObject({ id: 'default', config: presets().defaults });
    const bundled = defaultModelConfig(cli.split);
    expect({ ...bundled, labels: cli.labels }).toEqual(cli);
    // The CNN-LSTM ensemble stays a named preset, measured with global normalisation.
    const ens = trainConfigFromFlags({ data: '/data', model: 'ensemble' }, RAVDESS_20);
    expect(ens).toMatchObject({ model: { kind: 'cnn-lstm' }, normalization: 'global' });
    expect(ens.ensemble?.map((m) => m.model.kind)).toEqual(['mlp']);
  });

  it('start from the same split kind (actors) when nothing is chosen', () => {
    const cli = trainConfigFromFlags({ data: '/data' }, RAVDESS_20);
    expect(cli.split).toEqual({ kind: 'actors', testActors: ['17', '18', '19', '20'], valFraction: 0.15 });
    expect(presets().defaults.split.kind).toBe(cli.split.kind);
  });
});
