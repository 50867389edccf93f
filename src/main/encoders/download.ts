/**
 * Fetches one file over HTTP(S) into a `.part` file, resuming where a killed or cancelled run
 * stopped (a Range request; a server that ignores it sends the whole file and we start over),
 * with progress (bytes, rate, ETA), cancellation (AbortSignal), and verification before the
 * caller may use it: the byte count the server announced and, where known, the sha256. A failed
 * check deletes the part file, so the next try starts clean. Errors are one line naming the URL
 * or the file: no network, HTTP status, checksum mismatch, disk full.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SerError } from '../../shared/errors.js';
import { writeError } from '../util/fs-error.js';

export interface DownloadProgress {
  /** The file being fetched (its path inside the repository). */
  file: string;
  bytes: number;
  /** Total bytes of this file, when the server said. */
  totalBytes: number | null;
  /** Bytes per second over this run (not counting what was resumed). */
  rate: number;
  etaSeconds: number | null;
  /** Bytes that were already on disk from an earlier run. */
  resumedFrom: number;
}

export interface FetchFileOptions {
  url: string;
  /** The repository path, for messages and progress. */
  label: string;
  partPath: string;
  sha256: string | null;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function networkError(err: unknown, url: string): SerError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (err as NodeJS.ErrnoException).code ?? cause?.message ?? 'network error';
  const host = new URL(url).host;
  const what = NETWORK_CODES.has(code)
    ? `no network: cannot reach ${host} (${code})`
    : `download failed (${code})`;
  return new SerError('EncoderError', `${what} fetching ${url}`, url);
}

async function sha256Of(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** Downloads (or finishes downloading) one file; resolves with its sha256 and size once verified. */
export async function fetchFile(o: FetchFileOptions): Promise<{ sha256: string; bytes: number }> {
  await mkdir(dirname(o.partPath), { recursive: true });
  let have = await sizeOf(o.partPath);
  let res: Response;
  try {
    res = await fetch(o.url, {
      headers: have > 0 ? { Range: `bytes=${have}-` } : {},
      signal: o.signal,
      redirect: 'follow',
    });
  } catch (err) {
    if (o.signal?.aborted) throw new SerError('Cancelled', `download cancelled: ${o.label}`);
    throw networkError(err, o.url);
  }
  if (res.status === 416 && have > 0) {
    // Everything is already here (a run killed after the last byte, before the rename).
    await res.body?.cancel();
  } else {
    if (res.status !== 200 && res.status !== 206) {
      await res.body?.cancel();
      throw new SerError(
        'EncoderError',
        `HTTP ${res.status} ${res.statusText || ''}`.trim() + ` fetching ${o.url}`,
        o.url,
      );
    }
    if (res.status === 200) have = 0; // the server ignored the Range: start over
    const length = Number(res.headers.get('content-length'));
    const total = res.status === 206 ? Number(res.headers.get('content-range')?.split('/')[1]) : length;
    const totalBytes = Number.isFinite(total) && total > 0 ? total : null;
    const resumedFrom = have;
    let fh;
    try {
      fh = await open(o.partPath, have > 0 ? 'a' : 'w');
    } catch (err) {
      throw writeError(err, `write ${o.label}`, o.partPath, 'EncoderError');
    }
    const start = performance.now();
    let lastReport = 0;
    const report = (force: boolean) => {
      const now = performance.now();
      if (!force && now - lastReport < 200) return;
      lastReport = now;
      const secs = (now - start) / 1000;
      const rate = secs > 0 ? (have - resumedFrom) / secs : 0;
      o.onProgress?.({
        file: o.label,
        bytes: have,
        totalBytes,
        rate,
        etaSeconds: totalBytes !== null && rate > 0 ? (totalBytes - have) / rate : null,
        resumedFrom,
      });
    };
    try {
      report(true);
      const reader = res.body?.getReader();
      for (;;) {
        if (!reader) break;
        const { done, value: chunk } = await reader.read();
        if (done) break;
        {
          try {
            await fh.write(chunk);
          } catch (err) {
            throw writeError(err, `write ${o.label}`, o.partPath, 'EncoderError');
          }
          have += chunk.byteLength;
          report(false);
        }
      }
      report(true);
    } catch (err) {
      if (o.signal?.aborted)
        throw new SerError(
          'Cancelled',
          `download cancelled: ${o.label} (${have} bytes kept, resumes next time)`,
        );
      if (err instanceof SerError) throw err;
      throw networkError(err, o.url);
    } finally {
      await fh.close();
    }
    if (totalBytes !== null && have !== totalBytes) {
      throw new SerError(
        'EncoderError',
        `incomplete download of ${o.label}: ${have} of ${totalBytes} bytes (run again to resume)`,
        o.url,
      );
    }
  }
  const bytes = await sizeOf(o.partPath);
  const sha256 = await sha256Of(o.partPath);
  if (o.sha256 !== null && sha256 !== o.sha256) {
    await rm(o.partPath, { force: true });
    throw new SerError(
      'EncoderError',
      `checksum mismatch for ${o.label}: expected sha256 ${o.sha256}, got ${sha256}; the file was deleted`,
      o.url,
    );
  }
  return { sha256, bytes };
}
