/**
 * The engine's FeatureConfig boundary: defaults merged under a partial config and checked with
 * the shared schema (src/shared/feature-schema.ts, also the API contract's), and the stable
 * key/hash that names a config in caches and memo tables.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { SerError } from '../../shared/errors.js';
import { formatZodError } from '../../shared/zod-issues.js';
import { FeatureConfigPatchSchema, FeatureConfigSchema } from '../../shared/feature-schema.js';
import { DEFAULT_FEATURE_CONFIG, FEATURE_ENGINE_VERSION, type FeatureConfig } from '../../shared/features.js';

/**
 * Merge `input` over the defaults and check it, or throw a ValidationError whose message names
 * the offending field (`nFft: must be a power of two`). `source` says where it came from.
 */
export function parseFeatureConfig(input: unknown, source = 'feature config'): FeatureConfig {
  // Unknown keys and bad fields first, so a typo is named as such rather than as a default's clash.
  const patch = FeatureConfigPatchSchema.safeParse(input ?? {});
  if (!patch.success) throw invalid(source, patch.error);
  const full = FeatureConfigSchema.safeParse({ ...DEFAULT_FEATURE_CONFIG, ...stripUndefined(patch.data) });
  if (!full.success) throw invalid(source, full.error);
  return { ...full.data, features: [...full.data.features] };
}

function invalid(source: string, error: z.ZodError): SerError {
  return new SerError('ValidationError', `${source}: ${formatZodError(error)}`);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
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
    // Only when set, so the keys (and cached matrices) of configs without it stay as they were.
    ...(cfg.levelDbfs != null ? [{ levelDbfs: cfg.levelDbfs }] : []),
    ...(cfg.trimDb != null ? [{ trimDb: cfg.trimDb }] : []),
  ]);
}

/** sha256 of the canonical config and the engine version: names a config in the cache. */
export function configHash(cfg: FeatureConfig): string {
  return createHash('sha256')
    .update(`v${FEATURE_ENGINE_VERSION}:${configKey(cfg)}`)
    .digest('hex');
}
