/**
 * The files under a dataset folder: a walk that reports what it cannot use (hidden files,
 * unreadable entries, links out of the allowed folders), and the audio among them, recognised
 * by content (the decoder's magic-byte sniffing), so a renamed text file is reported and an audio
 * file without an extension is used.
 */
import { realpathSync, type Dirent } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { SkippedFile } from '../../shared/dataset.js';
import { SerError } from '../../shared/errors.js';
import { sniff } from '../audio/sniff.js';
import { isInside } from '../util/inside.js';
import type { FoundFile } from './adapters/types.js';

const SNIFF_BYTES = 4096;
const CONCURRENCY = 32;

type Found = FoundFile;

function fail(message: string, path: string): never {
  throw new SerError('DatasetError', message, path);
}

/** Relative path with forward slashes, so fingerprints agree across platforms. */
export function posix(rel: string): string {
  return sep === '/' ? rel : rel.split(sep).join('/');
}

export async function walk(root: string, skipped: SkippedFile[], roots?: string[]): Promise<Found[]> {
  const files: Found[] = [];
  const dirs = [root];
  while (dirs.length) {
    const dir = dirs.pop()!;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      if (dir === root) fail(`cannot read folder (${code}): ${root}`, root);
      skipped.push({ path: dir, kind: 'unreadable', reason: `folder cannot be read (${code})` });
      continue;
    }
    for (const e of entries) {
      const abs = join(dir, e.name);
      if (e.name.startsWith('.')) {
        // .DS_Store, ._x.wav (macOS resource forks named like audio), .git: never data.
        if (!e.isDirectory()) skipped.push({ path: abs, kind: 'hidden', reason: 'hidden file' });
        continue;
      }
      if (e.isDirectory()) dirs.push(abs);
      else if (e.isFile() || e.isSymbolicLink()) {
        try {
          const st = await stat(abs);
          // Symlinked folders are not followed (no cycles); symlinked files are used, but never
          // one that points out of the allowed folders.
          if (e.isSymbolicLink() && roots && !roots.some((r) => isInside(realpathSync(abs), r))) {
            skipped.push({
              path: abs,
              kind: 'unreadable',
              reason: 'link to a file outside the allowed folders',
            });
            continue;
          }
          if (st.isFile()) files.push({ rel: posix(relative(root, abs)), abs, size: st.size });
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? 'error';
          skipped.push({ path: abs, kind: 'unreadable', reason: `cannot be read (${code})` });
        }
      }
    }
  }
  return files;
}

export async function readHead(path: string): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Keep the files whose content is WAV/MP3/FLAC/OGG. */
export async function audioOnly(files: Found[], skipped: SkippedFile[]): Promise<Found[]> {
  const keep: (Found | null)[] = new Array(files.length).fill(null);
  for (let i = 0; i < files.length; i += CONCURRENCY) {
    await Promise.all(
      files.slice(i, i + CONCURRENCY).map(async (f, j) => {
        if (f.size === 0) {
          skipped.push({ path: f.abs, kind: 'not-audio', reason: 'empty file (0 bytes)' });
          return;
        }
        let head: Uint8Array;
        try {
          head = await readHead(f.abs);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? 'error';
          skipped.push({ path: f.abs, kind: 'unreadable', reason: `cannot be read (${code})` });
          return;
        }
        const reason = notAudioReason(head);
        if (reason === null) keep[i + j] = f;
        else skipped.push({ path: f.abs, kind: 'not-audio', reason });
      }),
    );
  }
  return keep.filter((f): f is Found => f !== null);
}

/** Why a file's first bytes are not usable audio, or null when they are WAV/MP3/FLAC/OGG. */
export function notAudioReason(head: Uint8Array): string | null {
  if (head.length === 0) return 'empty file (0 bytes)';
  const s = sniff(head);
  if (s.format) return null;
  return s.other ? `${s.other} is not supported (use WAV/MP3/FLAC/OGG)` : 'not a WAV/MP3/FLAC/OGG file';
}
