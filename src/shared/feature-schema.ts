/**
 * The one schema of a FeatureConfig, used wherever a config crosses a boundary: the API
 * contract (train.start, features.preview), the feature engine (`parseFeatureConfig`: CLI
 * --config files, workers, every extraction) and saved models. Per-field ranges, plus the
 * checks between fields that librosa would reject (or silently make meaningless).
 *
 * Plain data and zod only: the renderer bundles this file through the contract.
 */
import { z } from 'zod';

const int = (min: number, max: number) => z.number().int().min(min).max(max);

const isPowerOfTwo = (n: number) => n > 0 && (n & (n - 1)) === 0;

/**
 * Features: `mfcc` (librosa.feature.mfcc: DCT-II ortho of the log-mel), `logmel` (power_to_db of
 * the slaney mel power spectrogram), `chroma` (chroma_stft, tuning 0), `contrast`
 * (spectral_contrast, dB), `rms` (of the Hann-windowed frames, as librosa.feature.rms(S=|STFT|)),
 * `zcr` (zero_crossing_rate), `centroid` (spectral_centroid, Hz), `pitch` (our own F0 tracker,
 * no librosa equivalent: F0 in semitones re 100 Hz with unvoiced frames interpolated, voicing
 * strength 0..1, F0 slope; src/main/features/pitch.ts). All share the STFT's centred frames:
 * 1 + floor(samples / hopLength) of them.
 */
export const FeatureNameSchema = z.enum([
  'mfcc',
  'logmel',
  'chroma',
  'contrast',
  'rms',
  'zcr',
  'centroid',
  'pitch',
]);
export type FeatureName = z.infer<typeof FeatureNameSchema>;

/** Analysis sample rate in Hz (also the rate augmentation previews are made at). */
export const SampleRateSchema = int(1000, 384_000);

const FIELDS = {
  /** Analysis sample rate in Hz; audio is resampled to it. librosa default 22050, RAVDESS work uses 16000. */
  sampleRate: SampleRateSchema,
  /** FFT size in samples, a power of two (librosa n_fft, default 2048); also the RMS/ZCR frame length. */
  // Our FFT is radix-2 (librosa accepts any size).
  nFft: int(16, 65_536).refine(isPowerOfTwo, 'must be a power of two'),
  /** Hop between frames in samples (librosa hop_length, default n_fft/4 = 512). */
  hopLength: int(1, 65_536),
  /** Number of mel bands (librosa n_mels, default 128). */
  nMels: int(1, 1024),
  /** Number of MFCCs (seed: 40), at most nMels. */
  nMfcc: int(1, 1024),
  /** Lowest mel frequency in Hz (default 0). */
  fmin: z.number().min(0),
  /** Highest mel frequency in Hz; null means sampleRate / 2. */
  fmax: z.number().positive().nullable(),
  /** Number of chroma bins (12). */
  nChroma: int(1, 240),
  /** Spectral contrast octave bands (librosa n_bands 6, giving 7 rows). */
  contrastBands: int(1, 16),
  /** Lowest contrast band edge in Hz (librosa fmin 200). */
  contrastFmin: z.number().positive(),
  /** Which features make up a frame, in this order. */
  features: z
    .array(FeatureNameSchema)
    .min(1, 'must name at least one feature')
    .refine((a) => new Set(a).size === a.length, 'must not repeat a feature'),
  /** 0: none, 1: add deltas, 2: add deltas and delta-deltas (librosa.feature.delta, width 9). */
  deltas: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  /**
   * Loudness normalisation before any feature: each clip is scaled so the RMS of its active
   * frames is this many dBFS (src/main/audio/level.ts), which makes the features independent of
   * recording level. null or absent: the samples as decoded (librosa's behaviour, and every model
   * saved before this field existed keeps it).
   */
  levelDbfs: z.number().min(-60).max(0).nullable().optional(),
  /**
   * Leading and trailing silence removal before any feature, as librosa.effects.trim(top_db=this)
   * with frame nFft and hop hopLength (src/main/audio/trim.ts): only the utterance is described, not
   * the pauses around it. null or absent: the whole clip (librosa's feature behaviour, and every
   * model saved before this field existed keeps it).
   */
  trimDb: z.number().min(10).max(120).nullable().optional(),
};

/** The one feature configuration, recorded with every feature matrix, run and model (see features.ts). */
export type FeatureConfig = z.infer<z.ZodObject<typeof FIELDS>>;

export interface FeatureConfigProblem {
  field: keyof FeatureConfig;
  message: string;
}

/** Constraints between fields of a complete config; empty when it is consistent. */
export function featureConfigProblems(cfg: FeatureConfig): FeatureConfigProblem[] {
  const out: FeatureConfigProblem[] = [];
  const nyquist = cfg.sampleRate / 2;
  if (cfg.hopLength > cfg.nFft)
    out.push({ field: 'hopLength', message: `must not exceed nFft (${cfg.nFft})` });
  if (cfg.nMfcc > cfg.nMels) out.push({ field: 'nMfcc', message: `must not exceed nMels (${cfg.nMels})` });
  const fmax = cfg.fmax ?? nyquist;
  if (fmax > nyquist) {
    out.push({ field: 'fmax', message: `must not exceed half the sample rate (${nyquist} Hz)` });
  }
  if (cfg.fmin >= fmax) out.push({ field: 'fmin', message: `must be below fmax (${fmax} Hz)` });
  if (cfg.features.includes('contrast')) {
    const topEdge = cfg.contrastFmin * 2 ** (cfg.contrastBands - 1);
    if (topEdge >= nyquist) {
      out.push({
        field: 'contrastBands',
        message: `the top band starts at ${topEdge} Hz, at or above Nyquist (${nyquist} Hz)`,
      });
    }
    // librosa needs at least one FFT bin inside the lowest band [0, contrastFmin].
    if (cfg.contrastFmin < cfg.sampleRate / cfg.nFft) {
      out.push({
        field: 'contrastFmin',
        message: `must be at least one FFT bin wide (${cfg.sampleRate / cfg.nFft} Hz)`,
      });
    }
  }
  return out;
}

/** A complete FeatureConfig: every field, each in range, and consistent with the others. */
export const FeatureConfigSchema = z.strictObject(FIELDS).superRefine((cfg, ctx) => {
  for (const p of featureConfigProblems(cfg))
    ctx.addIssue({ code: 'custom', path: [p.field], message: p.message });
});

/**
 * Fields to override in the defaults (a config file, a preview request): each field optional and
 * checked alone; the checks between fields apply once merged (`parseFeatureConfig`).
 */
export const FeatureConfigPatchSchema = z.strictObject(FIELDS).partial();
