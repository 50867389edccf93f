/**
 * A minimal ustar writer and reader for exported runs (run.json + the model folder), gzipped.
 * Enough for regular files and folders, which is all an export holds; `tar -xzf` unpacks it.
 * Written here rather than pulled in as a dependency: the reader must refuse unsafe entries
 * (absolute paths, `..`, links) and cap what it inflates anyway, which is most of the code.
 */
import { closeSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { createGunzip, gzipSync } from 'node:zlib';
import { SerError } from '../../shared/errors.js';
import { isFileSystemError, writeError } from '../util/fs-error.js';

const BLOCK = 512;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, type: '0' | '5', mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    // ustar splits long names at a slash into prefix (155) + name (100).
    const cut = name.lastIndexOf('/', name.length - 1);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
    if (cut < 0 || Buffer.byteLength(base) > 100 || Buffer.byteLength(prefix) > 155) {
      throw new SerError('StoreError', `path too long for the export archive: ${name}`);
    }
  }
  h.write(base, 0, 100, 'utf8');
  h.write(octal(type === '5' ? 0o755 : 0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(Math.floor(mtime / 1000), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(type, 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

/**
 * Pack a folder's contents (paths relative to it, under `top/`) into a .tar.gz. Links are never
 * followed (lstat): only regular files and folders inside `dir` go in.
 */
export function packDir(dir: string, top: string): Uint8Array {
  const parts: Buffer[] = [];
  const walk = (abs: string, rel: string) => {
    const st = lstatSync(abs);
    if (st.isDirectory()) {
      parts.push(header(`${rel}/`, 0, '5', st.mtimeMs));
      for (const entry of readdirSync(abs).sort()) walk(join(abs, entry), `${rel}/${entry}`);
    } else if (st.isFile()) {
      const data = readFileSync(abs);
      parts.push(header(rel, data.length, '0', st.mtimeMs), data);
      const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
      if (pad) parts.push(Buffer.alloc(pad));
    }
  };
  walk(dir, top);
  parts.push(Buffer.alloc(BLOCK * 2));
  return gzipSync(Buffer.concat(parts));
}

function readString(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end >= 0 && end < start + len ? end : start + len);
}

/**
 * Limits on what an archive may unpack to, checked as it inflates (never after): an export is
 * one model folder (a few MB, a few dozen files), so these leave plenty of room while a
 * 2 MB archive that inflates to gigabytes, or holds a million entries, stops at once.
 */
export const MAX_UNPACKED_BYTES = 512 * 1024 ** 2;
export const MAX_ENTRIES = 2000;

export interface UnpackLimits {
  maxBytes?: number;
  maxEntries?: number;
}

/**
 * Unpack a .tar.gz into `dest` (which must exist), inflating as a stream and writing each file as
 * its bytes arrive, so memory holds one chunk, not the archive, and the event loop keeps running.
 * Only files and folders; any entry that would land outside `dest`, links and devices are refused.
 * Returns the relative paths of the files written.
 */
export async function unpackInto(
  bytes: Uint8Array,
  dest: string,
  limits: UnpackLimits = {},
): Promise<string[]> {
  const maxBytes = limits.maxBytes ?? MAX_UNPACKED_BYTES;
  const maxEntries = limits.maxEntries ?? MAX_ENTRIES;
  const root = resolve(dest);
  const written: string[] = [];
  let entries = 0;
  let total = 0;
  let pending = Buffer.alloc(0);
  /** Bytes of the current file still to come, then padding to skip. */
  let body = 0;
  let pad = 0;
  let fd: number | null = null;
  let ended = false;

  let refusal: SerError | null = null;
  const refuse = (msg: string): never => {
    refusal = new SerError('ValidationError', msg);
    throw refusal;
  };
  const onHeader = (h: Buffer) => {
    if (h.every((b) => b === 0)) {
      ended = true;
      return;
    }
    if (++entries > maxEntries) refuse(`export archive has more than ${maxEntries} entries: refused`);
    const name = readString(h, 0, 100);
    const prefix = readString(h, 345, 155);
    const full = prefix ? `${prefix}/${name}` : name;
    const size = parseInt(readString(h, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(h[156] ?? 48);
    if (!Number.isFinite(size) || size < 0) refuse('corrupt export archive');
    const target = resolve(root, full);
    const rel = relative(root, target);
    if (isAbsolute(full) || rel.startsWith('..') || isAbsolute(rel) || full.includes('\0')) {
      refuse(`export archive entry outside its folder refused: ${full}`);
    }
    if (type === '5') {
      mkdirSync(target, { recursive: true });
    } else if (type === '0' || type === '\0') {
      total += size;
      if (total > maxBytes) {
        refuse(`export archive unpacks to more than ${Math.round(maxBytes / 1024 ** 2)} MB: refused`);
      }
      mkdirSync(dirname(target), { recursive: true });
      fd = openSync(target, 'wx');
      written.push(rel.split(sep).join('/'));
    } else if (type !== 'x' && type !== 'g') {
      // Links and devices have no place in an export.
      refuse(`export archive entry of unsupported type refused: ${full}`);
    }
    body = type === '5' ? 0 : size;
    pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (type === '5') pad = 0;
    if (body === 0 && fd !== null) {
      closeSync(fd);
      fd = null;
    }
  };
  const consume = (chunk: Buffer) => {
    let buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      if (ended) return;
      if (body > 0) {
        const n = Math.min(body, buf.length);
        if (n === 0) break;
        if (fd !== null) writeSync(fd, buf, 0, n);
        body -= n;
        buf = buf.subarray(n);
        if (body === 0 && fd !== null) {
          closeSync(fd);
          fd = null;
        }
        continue;
      }
      if (pad > 0) {
        const n = Math.min(pad, buf.length);
        if (n === 0) break;
        pad -= n;
        buf = buf.subarray(n);
        continue;
      }
      if (buf.length < BLOCK) break;
      onHeader(buf.subarray(0, BLOCK));
      buf = buf.subarray(BLOCK);
    }
    pending = Buffer.from(buf);
  };

  const gunzip = createGunzip();
  let failure: unknown = null;
  try {
    await pipeline(
      Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]),
      gunzip,
      async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) {
          try {
            consume(chunk);
          } catch (e) {
            // The pipeline reports an AbortError in its place: keep the real reason.
            failure = e;
            throw e;
          }
          if (ended) break;
        }
      },
    );
  } catch (err) {
    // Stopping the stream may surface as the stream's own error: the reason is the refusal.
    if (refusal) throw refusal;
    // Reading stops at the end-of-archive blocks; tar pads an archive to 10 KiB records, so gzip
    // data may be left unread, which the pipeline reports as a premature close. The archive was
    // complete: that is no error (a 2.8 MB export of a trained run failed to import on it).
    if (!(ended && failure === null)) {
      if (err instanceof SerError) throw err;
      // A write that failed (a full disk) is not a bad archive: say what could not be written where.
      const cause = failure ?? err;
      if (isFileSystemError(cause)) throw writeError(cause, 'unpack the run export', root);
      throw new SerError('ValidationError', 'not a SER Studio run export (.tar.gz): cannot decompress');
    }
  } finally {
    if (fd !== null) closeSync(fd);
  }
  if (body > 0) throw new SerError('ValidationError', 'export archive is truncated');
  return written;
}
