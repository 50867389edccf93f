/**
 * The one feature configuration, recorded with every feature matrix, run and model.
 * Defaults follow librosa 0.10 (the seed's pipeline), so numbers compare with librosa's; the
 * definitions and the few deliberate differences are in docs/FEATURES.md.
 *
 * Features: `mfcc` (librosa.feature.mfcc: DCT-II ortho of the log-mel), `logmel`
 * (power_to_db of the slaney mel power spectrogram), `chroma` (chroma_stft, tuning 0),
 * `contrast` (spectral_contrast, dB), `rms` (of the Hann-windowed frames, as
 * librosa.feature.rms(S=|STFT|)), `zcr` (zero_crossing_rate), `centroid` (spectral_centroid, Hz).
 * All share the STFT's centred frames: 1 + floor(samples / hopLength) of them.
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
  /** FFT size in samples, a power of two (librosa n_fft, default 2048); also the RMS/ZCR frame length. */
  nFft: number;
  /** Hop between frames in samples (librosa hop_length, default n_fft/4 = 512). */
  hopLength: number;
  /** Number of mel bands (librosa n_mels, default 128). */
  nMels: number;
  /** Number of MFCCs (seed: 40), at most nMels. */
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
