/**
 * What the dataset browser and map need about each clip: length and level (decoded here, under
 * a millisecond a clip) and the pooled default features (the feature pool's workers and cache,
 * the same extraction training uses). A bad clip becomes an error entry, never a failed batch.
 */
import type { ClipInfo } from '../../shared/dataset-map.js';
import { toErrorData } from '../../shared/errors.js';
import { DEFAULT_FEATURE_CONFIG } from '../../shared/features.js';
import { decodeFile } from '../audio/decode.js';
import { poolMatrix } from '../features/matrix.js';
import { extractMany, isExtractError } from '../features/worker-pool.js';

export interface ClipInfoOptions {
  /** Also return the pooled features (the map needs them; the table does not). */
  features: boolean;
  cacheDir: string | null;
  workers?: number;
}

function dbfs(x: number): number {
  return x > 0 ? Math.round(20 * Math.log10(x) * 10) / 10 : -120;
}

/** Four significant decimals: the map needs no more, and the payload shrinks by half. */
function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : 0;
}

export async function clipInfo(paths: string[], opts: ClipInfoOptions): Promise<ClipInfo[]> {
  const rate = DEFAULT_FEATURE_CONFIG.sampleRate;
  const pooled = opts.features
    ? await extractMany(paths, DEFAULT_FEATURE_CONFIG, {
        cacheDir: opts.cacheDir,
        ...(opts.workers ? { workers: opts.workers } : {}),
      })
    : null;
  const out: ClipInfo[] = [];
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i]!;
    const feat = pooled?.[i];
    if (feat && isExtractError(feat)) {
      out.push({ path, ok: false, error: feat });
      continue;
    }
    try {
      const { samples } = await decodeFile(path, { targetRate: rate });
      let ss = 0;
      let peak = 0;
      for (let j = 0; j < samples.length; j++) {
        const v = samples[j]!;
        ss += v * v;
        if (Math.abs(v) > peak) peak = Math.abs(v);
      }
      out.push({
        path,
        ok: true,
        duration: Math.round((samples.length / rate) * 1000) / 1000,
        rmsDbfs: dbfs(Math.sqrt(ss / Math.max(1, samples.length))),
        peakDbfs: dbfs(peak),
        pooled: feat ? Array.from(poolMatrix(feat, 'mean-std'), round) : null,
      });
    } catch (err) {
      out.push({ path, ok: false, error: toErrorData(err) });
    }
  }
  return out;
}
