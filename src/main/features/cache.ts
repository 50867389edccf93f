/**
 * On-disk cache of feature matrices, so a second experiment on the same audio extracts nothing.
 *
 * Key: sha256 of the file's bytes + the config hash (which folds in FEATURE_ENGINE_VERSION), so
 * renaming or moving a file keeps its entry and any change to the audio, the config or the
 * algorithms misses. One small binary file per entry under `cacheDir/<2 hex>/<key>.serf`:
 *
 *   0  'SERF'            4  format version (u32)   8  engine version (u32)
 *   12 frames (u32)      16 width (u32)            20 crc32 of the data (u32)
 *   24 config hash (32 bytes, sha256)              56 data: frames x width float32 (native
 *                                                     order: little-endian on every supported platform)
 *
 * Entries are written to a temporary file and renamed into place, so a killed process leaves
 * either the whole file or none; anything that fails the checks on read (truncated, bit rot,
 * another version) counts as a miss and is overwritten by the recomputed entry.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
import {
  FEATURE_ENGINE_VERSION,
  type FeatureConfig,
  type FeatureMatrix,
  featureColumns,
  frameWidth,
} from '../../shared/features.js';
import { SPEECH_CHECK_VERSION } from '../audio/speech.js';
import { configHash } from './config.js';

const MAGIC = 0x46524553; // 'SERF' read as a little-endian u32
const FORMAT_VERSION = 1;
const HEADER_BYTES = 56;

export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The entry name for a file's content hash under a config. The speech check's version is part of
 * it: entries exist only for clips that passed the check, and one cached before the check (or
 * under an older one) must not let a clip skip it.
 */
export function cacheKey(fileHash: string, cfg: FeatureConfig): string {
  return createHash('sha256')
    .update(`${fileHash}:${configHash(cfg)}:speech-check-${SPEECH_CHECK_VERSION}`)
    .digest('hex');
}

export function cachePath(cacheDir: string, key: string): string {
  return join(cacheDir, key.slice(0, 2), `${key}.serf`);
}

/** The cached matrix, or null when absent or unusable. Never throws. */
export function readCached(cacheDir: string, key: string, cfg: FeatureConfig): FeatureMatrix | null {
  let buf: Buffer;
  try {
    buf = readFileSync(cachePath(cacheDir, key));
  } catch {
    return null;
  }
  if (buf.length < HEADER_BYTES) return null;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const frames = view.getUint32(12, true);
  const width = view.getUint32(16, true);
  if (
    view.getUint32(0, true) !== MAGIC ||
    view.getUint32(4, true) !== FORMAT_VERSION ||
    view.getUint32(8, true) !== FEATURE_ENGINE_VERSION ||
    width !== frameWidth(cfg) ||
    buf.length !== HEADER_BYTES + frames * width * 4 ||
    buf.subarray(24, 56).toString('hex') !== configHash(cfg)
  ) {
    return null;
  }
  const payload = buf.subarray(HEADER_BYTES);
  if (crc32(payload) !== view.getUint32(20, true)) return null;
  // Copy into a fresh, aligned buffer that the caller may transfer to another thread.
  const data = new Float32Array(frames * width);
  new Uint8Array(data.buffer).set(payload);
  return { frames, width, data, columns: featureColumns(cfg), config: cfg };
}

/** Store a matrix atomically (temp file + rename). Returns false if the disk refused. */
export function writeCached(cacheDir: string, key: string, m: FeatureMatrix): boolean {
  const path = cachePath(cacheDir, key);
  const payload = new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(FORMAT_VERSION, 4);
  header.writeUInt32LE(FEATURE_ENGINE_VERSION, 8);
  header.writeUInt32LE(m.frames, 12);
  header.writeUInt32LE(m.width, 16);
  header.writeUInt32LE(crc32(payload), 20);
  Buffer.from(configHash(m.config), 'hex').copy(header, 24);
  const tmp = `${path}.${process.pid}-${threadId}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(join(cacheDir, key.slice(0, 2)), { recursive: true });
    writeFileSync(tmp, Buffer.concat([header, payload]));
    renameSync(tmp, path);
    return true;
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Nothing more to do: the entry is simply not cached.
    }
    return false;
  }
}
