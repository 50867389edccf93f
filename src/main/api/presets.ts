/**
 * What the training wizard starts from: the default TrainConfig (the seed's six emotions and
 * model, a speaker-independent split), the model presets as full configs, and named feature sets.
 */
import type { Preset, Presets } from '../../shared/contract.js';
import { SEED_EMOTIONS } from '../../shared/dataset.js';
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig } from '../../shared/features.js';
import { DEFAULT_AUGMENT_CONFIG, type TrainConfig } from '../../shared/training.js';
import { MODEL_PRESETS } from '../model/presets.js';

const TITLES: Record<keyof typeof MODEL_PRESETS, string> = {
  fast: 'Fast',
  seed: 'Seed model',
  best: 'Best',
};

function trainDefaults(): TrainConfig {
  const seed = MODEL_PRESETS.seed;
  return {
    labels: [...SEED_EMOTIONS],
    features: { ...DEFAULT_FEATURE_CONFIG, features: [...DEFAULT_FEATURE_CONFIG.features] },
    augment: { ...DEFAULT_AUGMENT_CONFIG, kinds: [...DEFAULT_AUGMENT_CONFIG.kinds] },
    model: structuredClone(seed.model),
    optimizer: { ...seed.optimizer },
    // Speaker-independent by default: RAVDESS actors 17-20 are never heard in training.
    split: { kind: 'actors', testActors: ['17', '18', '19', '20'], valFraction: 0.1 },
    seed: 42,
  };
}

function features(
  id: string,
  name: string,
  description: string,
  patch: Partial<FeatureConfig>,
): Preset<FeatureConfig> {
  return { id, name, description, config: { ...DEFAULT_FEATURE_CONFIG, ...patch } };
}

export function presets(): Presets {
  const defaults = trainDefaults();
  return {
    defaults,
    model: Object.values(MODEL_PRESETS).map((p) => ({
      id: p.name,
      name: TITLES[p.name],
      description: p.description,
      config: { ...trainDefaults(), model: structuredClone(p.model), optimizer: { ...p.optimizer } },
    })),
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
