/**
 * Moving a run between machines: a folder with run.json and a copy of each artifact.
 * run.json is written last, so an interrupted export is recognisably incomplete.
 */
import type { ClipEvaluation } from '../../shared/clips.js';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { SerError } from '../../shared/errors.js';
import type { ExportRunResult, RunExport, RunRecord } from '../../shared/runs.js';
import { writeError } from '../util/fs-error.js';
import { artifactSha256, isInside } from './artifacts.js';
import { parseOrThrow, runExportSchema } from './validate.js';

export const RUN_JSON = 'run.json';

/**
 * Links and special files (FIFOs, devices, sockets) inside `path`, relative to it. A model folder
 * holds only regular files and folders; anything else would make an export or import read outside.
 */
export function unsafeEntries(path: string): string[] {
  const out: string[] = [];
  const walk = (abs: string, rel: string) => {
    const st = lstatSync(abs);
    if (st.isDirectory()) {
      for (const e of readdirSync(abs).sort()) walk(join(abs, e), rel ? `${rel}/${e}` : e);
    } else if (!st.isFile()) {
      out.push(`${rel || '.'} (${st.isSymbolicLink() ? 'symbolic link' : 'special file'})`);
    }
  };
  walk(path, '');
  return out;
}

export function writeExport(
  run: RunRecord,
  dirArg: string,
  clipEvaluations: ClipEvaluation[] = [],
): ExportRunResult {
  const dir = resolve(dirArg);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory())
      throw new SerError('StoreError', `export target is a file: ${dir}`, dir);
    if (readdirSync(dir).length > 0) {
      throw new SerError('StoreError', `export folder is not empty, choose a new one: ${dir}`, dir);
    }
  }
  const warnings: string[] = [];
  const files: RunExport['files'] = [];
  try {
    mkdirSync(dir, { recursive: true });
    run.artifacts.forEach((a, i) => {
      if (!existsSync(a.path)) {
        warnings.push(`${a.kind} not on disk, exported without it: ${a.path}`);
        return;
      }
      const name = i === 0 ? a.kind : `${a.kind}-${i + 1}`;
      // Never follow a link out of the model folder: copy regular files and folders only.
      const skipped = unsafeEntries(a.path);
      for (const e of skipped) warnings.push(`${a.kind}: left out ${e}: ${a.path}`);
      cpSync(a.path, join(dir, name), {
        recursive: true,
        filter: (src) => {
          const st = lstatSync(src);
          return st.isFile() || st.isDirectory();
        },
      });
      const sha256 = artifactSha256(join(dir, name));
      if (sha256 !== a.sha256) warnings.push(`${a.kind} changed since the run recorded it: ${a.path}`);
      files.push({ kind: a.kind, path: name, sha256 });
    });
    const doc: RunExport = {
      format: 'ser-studio-run',
      version: 1,
      exportedAt: new Date().toISOString(),
      run,
      ...(clipEvaluations.length ? { clipEvaluations: clipEvaluations.map(({ id: _, ...e }) => e) } : {}),
      files,
    };
    const tmp = join(dir, `${RUN_JSON}.tmp`);
    writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`);
    renameSync(tmp, join(dir, RUN_JSON));
  } catch (err) {
    if (err instanceof SerError) throw err;
    throw writeError(err, 'write the export', dir);
  }
  return { dir, files: [RUN_JSON, ...files.map((f) => f.path)], warnings };
}

/** Read and validate an export folder, checking each copied artifact against its checksum. */
export function readExport(dirArg: string): { doc: RunExport; dir: string } {
  const dir = resolve(dirArg);
  const file = join(dir, RUN_JSON);
  if (!existsSync(file)) {
    throw new SerError(
      'StoreError',
      `not a run export (no ${RUN_JSON}; was the export interrupted?): ${dir}`,
      dir,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SerError(
      'ValidationError',
      `${RUN_JSON} is not valid JSON (${(err as Error).message}): ${file}`,
      file,
    );
  }
  const doc = parseOrThrow<RunExport>(runExportSchema, raw, RUN_JSON, file);
  for (const f of doc.files) {
    const p = join(dir, f.path);
    if (isAbsolute(f.path) || !isInside(p, dir) || p === dir) {
      throw new SerError('ValidationError', `export refused: file entry outside its folder: ${f.path}`, file);
    }
    if (!existsSync(p)) throw new SerError('StoreError', `export is missing its ${f.kind} copy: ${p}`, p);
    const unsafe = unsafeEntries(p);
    if (unsafe.length) {
      throw new SerError(
        'ValidationError',
        `export refused: its ${f.kind} holds ${unsafe[0]}${unsafe.length > 1 ? ` and ${unsafe.length - 1} more` : ''}, only files and folders are allowed: ${p}`,
        p,
      );
    }
    if (artifactSha256(p) !== f.sha256) {
      throw new SerError(
        'StoreError',
        `${f.kind} copy does not match its checksum, the export is damaged: ${p}`,
        p,
      );
    }
  }
  return { doc, dir };
}
