/**
 * Moving a run between machines: a folder with run.json and a copy of each artifact.
 * run.json is written last, so an interrupted export is recognisably incomplete.
 */
import type { ClipEvaluation } from '../../shared/clips.js';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { SerError } from '../../shared/errors.js';
import type { ExportRunResult, RunExport, RunRecord } from '../../shared/runs.js';
import { artifactSha256 } from './artifacts.js';
import { parseOrThrow, runExportSchema } from './validate.js';

export const RUN_JSON = 'run.json';

function fsError(err: unknown, what: string, path: string): SerError {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  const why = code === 'ENOSPC' ? 'disk full' : code === 'EACCES' || code === 'EROFS' ? 'not writable' : code;
  return new SerError('StoreError', `could not ${what} (${why}): ${path}`, path);
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
      cpSync(a.path, join(dir, name), { recursive: true });
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
    throw fsError(err, 'write the export', dir);
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
    if (!existsSync(p)) throw new SerError('StoreError', `export is missing its ${f.kind} copy: ${p}`, p);
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
