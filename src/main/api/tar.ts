/**
 * A minimal ustar writer and reader for exported runs (run.json + the model folder), gzipped.
 * Enough for regular files and folders, which is all an export holds; `tar -xzf` unpacks it.
 * Written here rather than pulled in as a dependency: it is ~100 lines and the reader must
 * refuse unsafe entries (absolute paths, `..`, links) anyway.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { SerError } from '../../shared/errors.js';

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

/** Pack a folder's contents (paths relative to it, under `top/`) into a .tar.gz. */
export function packDir(dir: string, top: string): Uint8Array {
  const parts: Buffer[] = [];
  const walk = (abs: string, rel: string) => {
    const st = statSync(abs);
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
 * Unpack a .tar.gz into `dest` (which must exist). Only files and folders; any entry that would
 * land outside `dest` is refused. Returns the relative paths of the files written.
 */
export function unpackInto(bytes: Uint8Array, dest: string, maxBytes = 2 * 1024 ** 3): string[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch {
    throw new SerError('ValidationError', 'not a SER Studio run export (.tar.gz): cannot decompress');
  }
  const root = resolve(dest);
  const written: string[] = [];
  let off = 0;
  while (off + BLOCK <= tar.length) {
    const h = tar.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break;
    const name = readString(h, 0, 100);
    const prefix = readString(h, 345, 155);
    const full = prefix ? `${prefix}/${name}` : name;
    const size = parseInt(readString(h, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(h[156] ?? 48);
    if (!Number.isFinite(size) || size < 0) throw new SerError('ValidationError', 'corrupt export archive');
    off += BLOCK;
    const target = resolve(root, full);
    const rel = relative(root, target);
    if (isAbsolute(full) || rel.startsWith('..') || isAbsolute(rel) || full.includes('\0')) {
      throw new SerError('ValidationError', `export archive entry outside its folder refused: ${full}`);
    }
    if (type === '5') {
      mkdirSync(target, { recursive: true });
    } else if (type === '0' || type === '\0') {
      if (off + size > tar.length) throw new SerError('ValidationError', 'export archive is truncated');
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, tar.subarray(off, off + size));
      written.push(rel.split(sep).join('/'));
    } else if (type !== 'x' && type !== 'g') {
      // Links and devices have no place in an export.
      throw new SerError('ValidationError', `export archive entry of unsupported type refused: ${full}`);
    }
    off += Math.ceil(size / BLOCK) * BLOCK;
  }
  return written;
}
