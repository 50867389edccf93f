/**
 * What the training wizard starts from (the service's presets.get): the default TrainConfig (the
 * seed's six emotions, the training recipe, the default split kind), the model presets as full
 * configs, and named feature sets.
 */
import type { Preset, Presets } from '../../shared/contract.js';
import type { FeatureConfig } from '../../shared/features.js';
import type { TrainConfig } from '../../shared/training.js';
import { MODEL_PRESETS } from '../model/presets.js';
import { TRAINING_FEATURES, buildTrainConfig, DEFAULT_PRESET, type RecipePresetName } from './recipe.js';

const TITLES: Record<RecipePresetName, string> = {
  default: 'Default: new voices',
  fast: 'Fast CNN-LSTM',
  seed: 'Seed model',
  best: 'CNN-LSTM ensemble',
};

const DEFAULT_DESCRIPTION =
  'The recipe for voices the model never heard (what `ser train` and the bundled model use): an MLP over pooled feature statistics, each speaker standardised by its own clips, speed and recording-channel copies. About 56 % on unheard speakers from one clip, 64 % once a few clips of the speaker calibrate it (6 emotions, RAVDESS).';

// The wizard starts from exactly what `ser train` does (DEFAULT_RECIPE in recipe.ts) and the same
// default split: by actors, whose test speakers (the last fifth) the wizard fills in once it has
// scanned the dataset (defaultSplit in src/shared/split-defaults.ts, as `ser train` does).
function trainConfig(preset?: RecipePresetName): TrainConfig {
  return structuredClone(buildTrainConfig({ preset }));
}

function features(
  id: string,
  name: string,
  description: string,
  patch: Partial<FeatureConfig>,
): Preset<FeatureConfig> {
  return { id, name, description, config: { ...TRAINING_FEATURES, ...patch } };
}

export function presets(): Presets {
  const defaults = trainConfig();
  return {
    defaults,
    model: [
      {
        id: DEFAULT_PRESET,
        name: TITLES.default,
        description: DEFAULT_DESCRIPTION,
        config: trainConfig(DEFAULT_PRESET),
      },
      ...Object.values(MODEL_PRESETS).map((p) => ({
        id: p.name,
        name: TITLES[p.name],
        description: p.description,
        config: trainConfig(p.name),
      })),
    ],
    features: [
      features(
        'seed',
        "Seed's features",
        '40 MFCC, chroma, spectral contrast and 128 log-mel bands at 16 kHz (librosa defaults).',
        {},
      ),
      features(
        'mfcc-deltas',
        'MFCC + deltas',
        '40 MFCC with deltas and delta-deltas: the classic speech set.',
        {
          features: ['mfcc'],
          deltas: 2,
        },
      ),
      features(
        'compact',
        'Compact',
        'MFCC, chroma, contrast, RMS, zero crossings and centroid: no log-mel, 62 values per frame, faster.',
        { features: ['mfcc', 'chroma', 'contrast', 'rms', 'zcr', 'centroid'] },
      ),
      features(
        'logmel',
        'Log-mel only',
        '64 log-mel bands: a spectrogram, as CNNs on audio usually take it.',
        {
          features: ['logmel'],
          nMels: 64,
          nMfcc: 40,
        },
      ),
    ],
  };
}
