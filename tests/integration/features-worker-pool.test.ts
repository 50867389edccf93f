/** The worker pool and the feature cache, on real RAVDESS files. */
import {
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  readFileSync,
  truncateSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SerError } from '../../src/shared/errors.js';
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig, type FeatureMatrix } from '../../src/shared/features.js';
import { decodeFile } from '../../src/main/audio/decode.js';
import { cacheKey, cachePath, contentHash, readCached, writeCached } from '../../src/main/features/cache.js';
import { configHash } from '../../src/main/features/config.js';
import { extractFeatures } from '../../src/main/features/extract.js';
import { encodeWav } from '../../src/shared/wav-encode.js';
import { type ExtractResult, extractMany, isExtractError } from '../../src/main/features/worker-pool.js';
import { HAVE_RAVDESS, MISSING_DATA, RAVDESS_16K } from '../helpers/shared-data.js';

const cfg: FeatureConfig = { ...DEFAULT_FEATURE_CONFIG, deltas: 1 };
const tmp = mkdtempSync(join(tmpdir(), 'ser-features-pool-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function clips(n: number): string[] {
  const dir = join(RAVDESS_16K, 'Actor_02');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.wav'))
    .sort()
    .slice(0, n)
    .map((f) => join(dir, f));
}

function countCached() {
  const seen = { cached: 0, computed: 0 };
  return {
    seen,
    onProgress: (_d: number, _t: number, f: { cached: boolean; error?: unknown }) => {
      if (f.error) return;
      if (f.cached) seen.cached++;
      else seen.computed++;
    },
  };
}

describe.skipIf(!HAVE_RAVDESS)(`extractMany ${HAVE_RAVDESS ? '' : MISSING_DATA}`, () => {
  it('returns every file in input order, with errors in place of the bad ones', async () => {
    const good = clips(10);
    const notAudio = join(tmp, 'notes.wav');
    writeFileSync(notAudio, 'this is text, not audio');
    const missing = join(tmp, 'missing.wav');
    const paths = [good[0]!, notAudio, ...good.slice(1, 6), missing, ...good.slice(6)];
    const progress: number[] = [];
    const results = await extractMany(paths, cfg, {
      workers: 2,
      onProgress: (done, total) => progress.push(done / total),
    });

    expect(results).toHaveLength(paths.length);
    expect(progress).toHaveLength(paths.length);
    expect(progress.at(-1)).toBe(1);
    const e1 = results[1] as ExtractResult;
    const e2 = results[7] as ExtractResult;
    expect(isExtractError(e1) && e1.code).toBe('DecodeError');
    expect(isExtractError(e1) && e1.message).toMatch(/notes\.wav/);
    expect(isExtractError(e2) && e2.code).toBe('NotFound');
    // Each good file's matrix is exactly what this thread computes for it.
    for (const i of [0, 4, 8, 11]) {
      const r = results[i]!;
      expect(isExtractError(r)).toBe(false);
      const m = r as FeatureMatrix;
      const here = extractFeatures(
        (await decodeFile(paths[i]!, { targetRate: cfg.sampleRate })).samples,
        cfg,
      );
      expect(m.frames).toBe(here.frames);
      expect(m.columns).toEqual(here.columns);
      expect(m.config).toEqual(cfg);
      expect(Buffer.from(m.data.buffer).equals(Buffer.from(here.data.buffer))).toBe(true);
    }
  });

  it('cancels promptly and rejects with Cancelled', async () => {
    const paths = Array.from({ length: 40 }, () => clips(30)).flat();
    const ac = new AbortController();
    /** Two workers over `paths`, reporting how many clips are done. */
    const extractAll = (signal: AbortSignal, onDone: (done: number) => void) =>
      extractMany(paths, cfg, { workers: 2, signal, onProgress: (d) => onDone(d) });
    let done = 0;
    const run = extractAll(ac.signal, (d) => {
      done = d;
      if (d === 5) ac.abort();
    });
    // Promptly, whatever the machine's load: no clip is reported after the abort (not even the two
    // the workers were in the middle of), and the workers are gone, so nothing more comes later.
    await expect(run).rejects.toMatchObject({ code: 'Cancelled' });
    expect(done).toBe(5);
    await new Promise((r) => setTimeout(r, 300));
    expect(done).toBe(5);

    // Aborting from outside while the workers are mid-clip.
    const ac2 = new AbortController();
    let done2 = 0;
    const run2 = extractAll(ac2.signal, (d) => {
      done2 = d;
    });
    const waitFrom = performance.now();
    while (done2 === 0 && performance.now() - waitFrom < 30_000) await new Promise((r) => setTimeout(r, 20));
    expect(done2).toBeGreaterThan(0);
    ac2.abort();
    await expect(run2).rejects.toMatchObject({ code: 'Cancelled' });
    // It stopped short of the work, and reports nothing after rejecting.
    const atReject = done2;
    expect(atReject).toBeLessThan(paths.length);
    await new Promise((r) => setTimeout(r, 300));
    expect(done2).toBe(atReject);
    // Already aborted: rejects at once, starting nothing.
    await expect(extractMany(paths, cfg, { signal: ac.signal })).rejects.toBeInstanceOf(SerError);
  });

  it('extracts nothing the second time when caching', async () => {
    const cacheDir = join(tmp, 'cache');
    const paths = clips(12);
    const first = countCached();
    const a = await extractMany(paths, cfg, { workers: 2, cacheDir, onProgress: first.onProgress });
    expect(first.seen).toEqual({ cached: 0, computed: 12 });
    const second = countCached();
    const b = await extractMany(paths, cfg, { workers: 2, cacheDir, onProgress: second.onProgress });
    expect(second.seen).toEqual({ cached: 12, computed: 0 });
    a.forEach((m, i) => expect((b[i] as FeatureMatrix).data).toEqual((m as FeatureMatrix).data));

    // Another config is another entry; the same content under another name is the same entry.
    const other = countCached();
    await extractMany(
      paths.slice(0, 2),
      { ...cfg, deltas: 0 },
      { workers: 1, cacheDir, onProgress: other.onProgress },
    );
    expect(other.seen).toEqual({ cached: 0, computed: 2 });
    const copy = join(tmp, 'renamed.wav');
    writeFileSync(copy, readFileSync(paths[0]!));
    const renamed = countCached();
    await extractMany([copy], cfg, { workers: 1, cacheDir, onProgress: renamed.onProgress });
    expect(renamed.seen).toEqual({ cached: 1, computed: 0 });
  });

  it('ignores a truncated or corrupted cache entry and rewrites it', async () => {
    const cacheDir = join(tmp, 'cache-corrupt');
    const [p1, p2] = clips(2) as [string, string];
    await extractMany([p1, p2], cfg, { workers: 1, cacheDir });
    const f1 = cachePath(cacheDir, cacheKey(contentHash(readFileSync(p1)), cfg));
    const f2 = cachePath(cacheDir, cacheKey(contentHash(readFileSync(p2)), cfg));
    const size = statSync(f1).size;
    truncateSync(f1, size - 100);
    const bytes = readFileSync(f2);
    bytes[bytes.length - 7]! ^= 0x40;
    writeFileSync(f2, bytes);

    const again = countCached();
    const res = await extractMany([p1, p2], cfg, { workers: 1, cacheDir, onProgress: again.onProgress });
    expect(again.seen).toEqual({ cached: 0, computed: 2 });
    expect(res.every((r) => !isExtractError(r))).toBe(true);
    expect(statSync(f1).size).toBe(size);
    const third = countCached();
    await extractMany([p1, p2], cfg, { workers: 1, cacheDir, onProgress: third.onProgress });
    expect(third.seen).toEqual({ cached: 2, computed: 0 });
    // No temporary files are left behind.
    expect(readdirSync(join(f1, '..')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('feature cache files', () => {
  it('round-trips a matrix and refuses it under another config', () => {
    const dir = join(tmp, 'unit-cache');
    const y = Float32Array.from({ length: 8000 }, (_, i) => Math.sin(i / 7));
    const m = extractFeatures(y, cfg);
    const key = cacheKey('abc', cfg);
    expect(readCached(dir, key, cfg)).toBeNull();
    expect(writeCached(dir, key, m)).toBe(true);
    const back = readCached(dir, key, cfg)!;
    expect(back.frames).toBe(m.frames);
    expect(back.data).toEqual(m.data);
    expect(back.columns).toEqual(m.columns);
    expect(readCached(dir, key, { ...cfg, nMfcc: 20 })).toBeNull();
    expect(cacheKey('abc', { ...cfg, nMfcc: 20 })).not.toBe(key);
  });
});

describe('the feature cache and the speech check', () => {
  it('does not serve a silent clip from an entry cached before the speech check existed', async () => {
    const cacheDir = join(tmp, 'cache-before-check');
    const silent = new Float32Array(16000 * 2); // 2 s of digital silence
    const path = join(tmp, 'silence.wav');
    const bytes = encodeWav(silent, 16000);
    writeFileSync(path, bytes);
    // The key an entry had before the check existed: the content hash and the config alone.
    const oldKey = createHash('sha256')
      .update(`${contentHash(bytes)}:${configHash(cfg)}`)
      .digest('hex');
    expect(writeCached(cacheDir, oldKey, extractFeatures(silent, cfg))).toBe(true);

    const [res] = await extractMany([path], cfg, { workers: 1, cacheDir });
    if (!isExtractError(res!)) throw new Error('the cached features of silence were served');
    expect(res.code).toBe('NoSpeech');
    expect(res.message).toMatch(/silence\.wav/);
  });
});
