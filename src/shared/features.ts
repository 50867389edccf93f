/**
 * The one feature configuration, recorded with every feature matrix, run and model.
 * Defaults follow librosa 0.10 (the seed's pipeline), so numbers compare with librosa's; the
 * definitions and the few deliberate differences are in docs/FEATURES.md.
 * The type and the schema are one (src/shared/feature-schema.ts, which lists the features).
 */
import { FeatureNameSchema, type FeatureConfig, type FeatureName } from './feature-schema.js';
export type { FeatureConfig, FeatureName } from './feature-schema.js';

/** Every feature the engine computes, in the schema's order. */
export const ALL_FEATURES: readonly FeatureName[] = FeatureNameSchema.options;

export const DEFAULT_FEATURE_CONFIG: FeatureConfig = {
  sampleRate: 16000,
  nFft: 2048,
  hopLength: 512,
  nMels: 128,
  nMfcc: 40,
  fmin: 0,
  fmax: null,
  nChroma: 12,
  contrastBands: 6,
  contrastFmin: 200,
  features: ['mfcc', 'chroma', 'contrast', 'logmel'],
  deltas: 0,
  levelDbfs: null,
  trimDb: null,
};

/** Rows each feature contributes to a frame under a config (before deltas). */
export function featureRows(name: FeatureName, cfg: FeatureConfig): number {
  switch (name) {
    case 'mfcc':
      return cfg.nMfcc;
    case 'logmel':
      return cfg.nMels;
    case 'chroma':
      return cfg.nChroma;
    case 'contrast':
      return cfg.contrastBands + 1;
    case 'rms':
    case 'zcr':
    case 'centroid':
      return 1;
    case 'pitch':
      // Semitones re 100 Hz, voicing strength, slope (src/main/features/pitch.ts).
      return 3;
  }
}

/**
 * Bumped whenever an algorithm change alters the numbers for the same config, so cached
 * matrices and models record which engine produced their inputs.
 */
export const FEATURE_ENGINE_VERSION = 1;

/** Key of each feature in librosa-style JSON output (`ser features --json`, the reference file). */
export const REFERENCE_KEYS: Readonly<Record<FeatureName, string>> = {
  mfcc: 'mfcc',
  logmel: 'log_mel',
  chroma: 'chroma',
  contrast: 'spectral_contrast',
  rms: 'rms',
  zcr: 'zcr',
  centroid: 'spectral_centroid',
  pitch: 'pitch',
};

/** Highest mel frequency actually used (fmax null means Nyquist). */
export function melFmax(cfg: FeatureConfig): number {
  return cfg.fmax ?? cfg.sampleRate / 2;
}

/** Width of one frame's feature vector, deltas included. */
export function frameWidth(cfg: FeatureConfig): number {
  const base = cfg.features.reduce((n, f) => n + featureRows(f, cfg), 0);
  return base * (1 + cfg.deltas);
}

/**
 * Column names in matrix order: `mfcc[0]`..., then `d1:mfcc[0]`... for deltas and `d2:` for
 * delta-deltas. Single-row features keep the index (`rms[0]`) so every name parses the same way.
 */
export function featureColumns(cfg: FeatureConfig): string[] {
  const base: string[] = [];
  for (const f of cfg.features) {
    const rows = featureRows(f, cfg);
    for (let i = 0; i < rows; i++) base.push(`${f}[${i}]`);
  }
  const out = [...base];
  for (let d = 1; d <= cfg.deltas; d++) for (const c of base) out.push(`d${d}:${c}`);
  return out;
}

/**
 * A clip's features, frame-major: `data[frame * width + column]`.
 * `columns` names each column (e.g. `mfcc[3]`, `d1:chroma[0]`) so a matrix explains itself.
 */
export interface FeatureMatrix {
  frames: number;
  width: number;
  data: Float32Array;
  columns: string[];
  config: FeatureConfig;
}

/** Per-column mean and standard deviation over a clip's frames (the MLP baseline's input). */
export interface PooledStats {
  columns: string[];
  /** Frames pooled. */
  frames: number;
  mean: Float32Array;
  /** Population standard deviation (numpy's default, ddof 0), as the seed's np.std. */
  std: Float32Array;
}

/** librosa-style layout of one clip: `features[key][coefficient][frame]`, keys as REFERENCE_KEYS. */
export interface FeatureLayout {
  config: FeatureConfig;
  file?: string;
  n_frames: number;
  features: Record<string, number[][]>;
}
