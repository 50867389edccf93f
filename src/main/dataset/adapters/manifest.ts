/**
 * A CSV or TSV manifest for any corpus without an adapter: a header row naming the columns
 * (`path,emotion,speaker[,corpus]`; `file` and `label` are taken for path and emotion) and one
 * row per clip. Paths are relative to the manifest's folder (or absolute) and must stay inside
 * the allowed folders (the app's chosen folders; for the CLI, the manifest's own folder), so a
 * manifest cannot reach files its user could not pick. A row that cannot be used is skipped with
 * one line naming the manifest and the row; the others are read.
 *
 * Parsing is csv-parse's (quoting, embedded delimiters and newlines, BOM), not a split(',').
 */
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { SkippedFile } from '../../../shared/dataset.js';
import { toEmotion } from '../../../shared/emotions.js';
import { SerError } from '../../../shared/errors.js';
import { isInside } from '../../util/inside.js';
import { notAudioReason, posix, readHead } from '../files.js';
import type { FoundFile } from './types.js';

/** Larger manifests are refused before they are read (about a million rows). */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
const CONCURRENCY = 32;
const COLUMNS = {
  path: ['path', 'file', 'filename', 'file_path'],
  emotion: ['emotion', 'label'],
  speaker: ['speaker', 'speaker_id', 'actor'],
  corpus: ['corpus', 'dataset'],
} as const;

export interface ManifestItem extends FoundFile {
  source: string;
  label: string;
  speaker: string | null;
  /** The row's corpus column, when it has one. */
  corpus: string | null;
}

export interface ManifestRead {
  file: string;
  items: ManifestItem[];
  skipped: SkippedFile[];
  /** The header's columns as the manifest names them. */
  columns: string[];
}

export function isManifestName(path: string): boolean {
  return ['.csv', '.tsv'].includes(extname(path).toLowerCase());
}

function fail(message: string, path: string): never {
  throw new SerError('DatasetError', message, path);
}

/** Column index of each field the header names (path and emotion required), or why not. */
function columnsOf(header: string[]): Record<keyof typeof COLUMNS, number> | string {
  const names = header.map((h) => h.trim().toLowerCase());
  const find = (field: keyof typeof COLUMNS) =>
    names.findIndex((n) => (COLUMNS[field] as readonly string[]).includes(n));
  const cols = {
    path: find('path'),
    emotion: find('emotion'),
    speaker: find('speaker'),
    corpus: find('corpus'),
  };
  if (cols.path < 0 || cols.emotion < 0) {
    const missing = [cols.path < 0 ? "'path'" : '', cols.emotion < 0 ? "'emotion'" : ''].filter(Boolean);
    return `header has no ${missing.join(' or ')} column (header: ${header.join(', ') || 'empty'})`;
  }
  return cols;
}

function delimiterOf(file: string, firstLine: string): string {
  if (extname(file).toLowerCase() === '.tsv') return '\t';
  return firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : ',';
}

async function readText(file: string): Promise<string> {
  const st = await stat(file);
  if (st.size > MAX_MANIFEST_BYTES) {
    fail(
      `manifest is ${(st.size / 1024 / 1024).toFixed(0)} MB, over the ${MAX_MANIFEST_BYTES / 1024 / 1024} MB limit: ${file}`,
      file,
    );
  }
  return readFile(file, 'utf8');
}

/** The manifest at the top of a folder (a .csv/.tsv whose header has path and emotion), else null. */
export async function findManifest(dir: string): Promise<string | null> {
  const found: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (!e.isFile() || e.name.startsWith('.') || !isManifestName(e.name)) continue;
    const file = join(dir, e.name);
    const head = (await readHead(file).catch(() => new Uint8Array())).subarray(0, 4096);
    const firstLine = new TextDecoder().decode(head).split(/\r?\n/)[0] ?? '';
    const header = firstLine
      .replace(/^\uFEFF/, '')
      .split(delimiterOf(file, firstLine))
      .map((c) => c.replace(/^"|"$/g, ''));
    if (typeof columnsOf(header) !== 'string') found.push(file);
  }
  if (found.length > 1) {
    fail(
      `${found.length} manifests in ${dir} (${found.map((f) => basename(f)).join(', ')}): give one as --data FILE`,
      dir,
    );
  }
  return found[0] ?? null;
}

/**
 * Read a manifest's rows into clips. `roots`: real paths of the folders a row may point into
 * (default: the manifest's own folder).
 */
export async function readManifest(file: string, roots?: string[]): Promise<ManifestRead> {
  const dir = dirname(file);
  const name = basename(file);
  const text = await readText(file).catch((err: unknown) => {
    if (err instanceof SerError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    return fail(`cannot read manifest (${code}): ${file}`, file);
  });
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '';
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, {
      delimiter: delimiterOf(file, firstLine),
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    // csv-parse names the line (an unclosed quote, ...): the whole file is unreadable then.
    fail(`${name}: not a readable CSV/TSV (${(err as Error).message})`, file);
  }
  const header = rows[0]?.record ?? [];
  const cols = columnsOf(header);
  if (typeof cols === 'string') fail(`${name}: ${cols}`, file);
  const allowed = roots ?? [await realpath(dir)];

  const skipped: SkippedFile[] = [];
  const items: (ManifestItem | null)[] = new Array(rows.length).fill(null);
  const firstRow = new Map<string, number>();
  const rowOf = new Map<SkippedFile, number>();
  const bad = (line: number, why: string) => {
    const s: SkippedFile = { path: file, kind: 'bad-row', reason: `${name} row ${line}: ${why}` };
    rowOf.set(s, line);
    skipped.push(s);
  };

  const check = async (k: number): Promise<void> => {
    const { record, info } = rows[k]!;
    const line = info.lines;
    if (record.length !== header.length) {
      return void bad(line, `${record.length} fields, the header has ${header.length}`);
    }
    const field = (i: number) => (i >= 0 ? (record[i] ?? '').trim() : '');
    const given = field(cols.path);
    const source = field(cols.emotion);
    if (!given) return void bad(line, 'no path');
    if (!source) return void bad(line, `${given}: no emotion`);
    if (given.includes('\0')) return void bad(line, 'path holds a NUL character');
    const abs = isAbsolute(given) ? resolve(given) : resolve(dir, given);
    let real: string;
    try {
      real = await realpath(abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return void bad(
        line,
        `${given}: ${code === 'ENOENT' || code === 'ENOTDIR' ? 'file not found' : `cannot be read (${code})`}`,
      );
    }
    if (!allowed.some((r) => isInside(real, r))) {
      return void bad(line, `${given}: outside the allowed folders (${allowed.join(', ')})`);
    }
    const st = await stat(real);
    if (!st.isFile()) return void bad(line, `${given}: not a file`);
    const reason = st.size === 0 ? 'empty file (0 bytes)' : notAudioReason(await readHead(real));
    if (reason) return void bad(line, `${given}: ${reason}`);
    const seen = firstRow.get(real);
    if (seen !== undefined) return void bad(line, `${given}: listed again (first on row ${seen})`);
    firstRow.set(real, line);
    items[k] = {
      rel: posix(relative(dir, abs)),
      abs,
      size: st.size,
      source,
      label: toEmotion(source) ?? source.toLowerCase(),
      speaker: field(cols.speaker) || null,
      corpus: field(cols.corpus) || null,
    };
  };
  // Row 1 is the header. Rows are checked in order within a batch so "listed again" names the first.
  for (let k = 1; k < rows.length; k += CONCURRENCY) {
    const batch = Array.from({ length: Math.min(CONCURRENCY, rows.length - k) }, (_, j) => k + j);
    const real = await Promise.all(
      batch.map(async (i) => {
        const g = (rows[i]!.record[cols.path] ?? '').trim();
        return g ? realpath(isAbsolute(g) ? g : resolve(dir, g)).catch(() => null) : null;
      }),
    );
    // Duplicates inside a batch are checked one after another; distinct files in parallel.
    const seenHere = new Set<string>();
    const parallel: number[] = [];
    const serial: number[] = [];
    batch.forEach((i, j) => {
      const r = real[j];
      if (r && seenHere.has(r)) serial.push(i);
      else {
        if (r) seenHere.add(r);
        parallel.push(i);
      }
    });
    await Promise.all(parallel.map(check));
    for (const i of serial) await check(i);
  }
  if (rows.length <= 1) fail(`${name}: no rows under the header`, file);
  // Rows in order (checks finish in any order); the scan's sort by kind and path keeps it.
  skipped.sort((a, b) => rowOf.get(a)! - rowOf.get(b)!);
  return { file, items: items.filter((x): x is ManifestItem => x !== null), skipped, columns: header };
}
