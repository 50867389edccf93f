/**
 * Validation and identity of a FeatureConfig: the zod schema used at every boundary (CLI
 * --config files, IPC, HTTP), and the stable key/hash that names a config in caches and memo
 * tables.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { SerError } from '../../shared/errors.js';
import {
  ALL_FEATURES,
  DEFAULT_FEATURE_CONFIG,
  FEATURE_ENGINE_VERSION,
  type FeatureConfig,
  type FeatureName,
} from '../../shared/features.js';

const int = (min: number, max: number) => z.number().int().min(min).max(max);

const isPowerOfTwo = (n: number) => n > 0 && (n & (n - 1)) === 0;

/** Every field optional: a config file may override only what it changes. */
export const featureConfigSchema = z
  .object({
    sampleRate: int(1000, 384_000),
    nFft: int(16, 65_536).refine(isPowerOfTwo, 'must be a power of two'),
    hopLength: int(1, 65_536),
    nMels: int(1, 1024),
    nMfcc: int(1, 1024),
    fmin: z.number().min(0),
    fmax: z.number().positive().nullable(),
    nChroma: int(1, 240),
    contrastBands: int(1, 16),
    contrastFmin: z.number().positive(),
    features: z
      .array(z.enum(ALL_FEATURES as [FeatureName, ...FeatureName[]]))
      .min(1, 'must name at least one feature')
      .refine((a) => new Set(a).size === a.length, 'must not repeat a feature'),
    deltas: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  })
  .partial()
  .strict();

export type FeatureConfigInput = z.input<typeof featureConfigSchema>;

/**
 * Merge `input` over the defaults and check it, or throw a ValidationError whose message names
 * the offending field (`nFft: must be a power of two`). `source` says where it came from.
 */
export function parseFeatureConfig(input: unknown, source = 'feature config'): FeatureConfig {
  const parsed = featureConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.join('.') : '';
    let message = issue?.message ?? 'invalid';
    if (issue?.code === 'unrecognized_keys') message = `unknown field(s) ${issue.keys.join(', ')}`;
    throw new SerError('ValidationError', `${source}: ${field ? `${field}: ` : ''}${message}`);
  }
  const cfg: FeatureConfig = { ...DEFAULT_FEATURE_CONFIG, ...stripUndefined(parsed.data) };
  cfg.features = [...cfg.features];
  checkRelations(cfg, source);
  return cfg;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// Constraints between fields that librosa would reject (or silently make meaningless).
function checkRelations(cfg: FeatureConfig, source: string): void {
  const fail = (field: string, msg: string) => {
    throw new SerError('ValidationError', `${source}: ${field}: ${msg}`);
  };
  const nyquist = cfg.sampleRate / 2;
  if (cfg.hopLength > cfg.nFft) fail('hopLength', `must not exceed nFft (${cfg.nFft})`);
  if (cfg.nMfcc > cfg.nMels) fail('nMfcc', `must not exceed nMels (${cfg.nMels})`);
  const fmax = cfg.fmax ?? nyquist;
  if (fmax > nyquist) fail('fmax', `must not exceed half the sample rate (${nyquist} Hz)`);
  if (cfg.fmin >= fmax) fail('fmin', `must be below fmax (${fmax} Hz)`);
  if (cfg.features.includes('contrast')) {
    const topEdge = cfg.contrastFmin * 2 ** (cfg.contrastBands - 1);
    if (topEdge >= nyquist) {
      fail('contrastBands', `the top band starts at ${topEdge} Hz, at or above Nyquist (${nyquist} Hz)`);
    }
    // librosa needs at least one FFT bin inside the lowest band [0, contrastFmin].
    if (cfg.contrastFmin < cfg.sampleRate / cfg.nFft) {
      fail('contrastFmin', `must be at least one FFT bin wide (${cfg.sampleRate / cfg.nFft} Hz)`);
    }
  }
}

/** Canonical JSON of a config (fixed key order), equal for equal configs. */
export function configKey(cfg: FeatureConfig): string {
  return JSON.stringify([
    cfg.sampleRate,
    cfg.nFft,
    cfg.hopLength,
    cfg.nMels,
    cfg.nMfcc,
    cfg.fmin,
    cfg.fmax,
    cfg.nChroma,
    cfg.contrastBands,
    cfg.contrastFmin,
    cfg.features,
    cfg.deltas,
  ]);
}

/** sha256 of the canonical config and the engine version: names a config in the cache. */
export function configHash(cfg: FeatureConfig): string {
  return createHash('sha256')
    .update(`v${FEATURE_ENGINE_VERSION}:${configKey(cfg)}`)
    .digest('hex');
}
