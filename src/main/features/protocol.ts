/** Messages between the extraction pool and its worker threads (plain, structured-cloneable). */
import type { SerErrorData } from '../../shared/errors.js';
import type { FeatureConfig } from '../../shared/features.js';

export interface WorkerInit {
  cfg: FeatureConfig;
  cacheDir: string | null;
}

export interface TaskMessage {
  id: number;
  path: string;
}

export interface FileTimings {
  /** Reading and hashing the file (0 without a cache). */
  hashMs: number;
  decodeMs: number;
  extractMs: number;
}

export type ResultMessage =
  | {
      id: number;
      ok: true;
      frames: number;
      width: number;
      data: Float32Array;
      cached: boolean;
      timings: FileTimings;
      /** Decode warnings (e.g. a truncated file whose complete part was used). */
      warnings?: string[];
    }
  | { id: number; ok: false; error: SerErrorData; timings: FileTimings };
