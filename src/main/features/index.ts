/**
 * The feature engine's public API: one clip in memory (extractFeatures), one file
 * (extractFile), many files in worker threads with a cache (extractMany), views of a matrix
 * (toLayout, featureBlock, poolStats), and the FeatureConfig boundary (parseFeatureConfig).
 */
import { basename } from 'node:path';
import { SerError } from '../../shared/errors.js';
import type { FeatureConfig, FeatureMatrix } from '../../shared/features.js';
import { decodeFile } from '../audio/decode.js';
import { extractFeatures } from './extract.js';

export { extractFeatures, powerToDb } from './extract.js';
export { featureBlock, poolStats, pooledVector, toLayout } from './matrix.js';
export {
  extractMany,
  isExtractError,
  type ExtractManyOptions,
  type ExtractResult,
  type FileOutcome,
} from './worker-pool.js';
export { configHash, configKey, parseFeatureConfig } from './config.js';
export { cacheKey, contentHash, readCached, writeCached } from './cache.js';

/** Decode a file at cfg.sampleRate (mono) and extract its features in this thread. */
export async function extractFile(path: string, cfg: FeatureConfig): Promise<FeatureMatrix> {
  const audio = await decodeFile(path, { targetRate: cfg.sampleRate });
  try {
    return extractFeatures(audio.samples, cfg);
  } catch (err) {
    // Engine errors do not know the file; name it so the message stands alone.
    if (err instanceof SerError && err.path === undefined) {
      throw new SerError(err.code, `${err.message}: ${basename(path)}`, path);
    }
    throw err;
  }
}
