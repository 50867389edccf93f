/**
 * The one feature configuration, recorded with every feature matrix, run and model.
 * Defaults follow librosa 0.10 (the seed's pipeline), so numbers compare with librosa's.
 */
export type FeatureName = 'mfcc' | 'logmel' | 'chroma' | 'contrast' | 'rms' | 'zcr' | 'centroid';

export const ALL_FEATURES: readonly FeatureName[] = [
  'mfcc',
  'logmel',
  'chroma',
  'contrast',
  'rms',
  'zcr',
  'centroid',
];

export interface FeatureConfig {
  /** Analysis sample rate in Hz; audio is resampled to it. librosa default 22050, RAVDESS work uses 16000. */
  sampleRate: number;
  /** FFT size in samples (librosa n_fft, default 2048). */
  nFft: number;
  /** Hop between frames in samples (librosa hop_length, default n_fft/4 = 512). */
  hopLength: number;
  /** Number of mel bands (librosa n_mels, default 128). */
  nMels: number;
  /** Number of MFCCs (seed: 40). */
  nMfcc: number;
  /** Lowest mel frequency in Hz (default 0). */
  fmin: number;
  /** Highest mel frequency in Hz; null means sampleRate / 2. */
  fmax: number | null;
  /** Number of chroma bins (12). */
  nChroma: number;
  /** Spectral contrast octave bands (librosa n_bands 6, giving 7 rows). */
  contrastBands: number;
  /** Lowest contrast band edge in Hz (librosa fmin 200). */
  contrastFmin: number;
  /** Which features make up a frame, in this order. */
  features: FeatureName[];
  /** 0: none, 1: add deltas, 2: add deltas and delta-deltas (librosa.feature.delta, width 9). */
  deltas: 0 | 1 | 2;
}

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
  }
}

/** Width of one frame's feature vector, deltas included. */
export function frameWidth(cfg: FeatureConfig): number {
  const base = cfg.features.reduce((n, f) => n + featureRows(f, cfg), 0);
  return base * (1 + cfg.deltas);
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
