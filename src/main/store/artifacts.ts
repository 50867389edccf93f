/** Artifact files on disk: checksums, and deciding which paths a delete may remove. */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, lstatSync, openSync, readSync, readdirSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, parse, resolve } from 'node:path';
import { isInside } from '../util/inside.js';

function hashFile(path: string): string {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(join(dir, e.name), rel));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

/**
 * sha256 of a file's bytes; for a folder, sha256 over `relative/path\0sha256\n` of its regular
 * files in sorted order (names use `/` on every platform), so a copy on another machine matches.
 */
export function artifactSha256(path: string): string {
  const st = lstatSync(path);
  if (!st.isDirectory()) return hashFile(path);
  const h = createHash('sha256');
  for (const rel of listFiles(path).sort()) h.update(`${rel}\0${hashFile(join(path, ...rel.split('/')))}\n`);
  return h.digest('hex');
}

export { isInside };

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

export interface DeleteContext {
  /** Folders the store owns (its models folder): anything inside may go. */
  managed: string[];
  /** Paths that must survive along with everything above them (the database, the managed folders). */
  protect: string[];
}

/**
 * Why `path` must be kept, or null when deleting it is safe. Outside the managed folders only a
 * recorded file, or a recorded folder that holds a model (model.json), is removed, and never a
 * folder that contains the database, a managed folder, the home folder or a file system root.
 */
export function keepReason(path: string, ctx: DeleteContext): string | null {
  if (!existsSync(path)) return 'not on disk';
  const p = real(path);
  if (parse(p).root === p) return 'a file system root';
  for (const guard of [homedir(), process.cwd(), ...ctx.protect, ...ctx.managed]) {
    if (isInside(real(guard), p)) return `contains ${guard}`;
  }
  if (ctx.managed.some((m) => isInside(p, real(m)))) return null;
  const st = lstatSync(p);
  if (st.isFile()) return null;
  if (st.isDirectory() && existsSync(join(p, 'model.json'))) return null;
  return 'outside the models folder and not a model folder';
}
