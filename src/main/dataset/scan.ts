/**
 * Scan a dataset folder: every file under it becomes an item (path, label, speaker) or a
 * skipped entry with its reason. Two layouts: RAVDESS file names (label from the emotion code,
 * speaker = actor), or one folder per label (label = parent folder, lower-cased; speaker = the
 * folder above it when that is obviously a speaker, e.g. `Actor_03/angry/x.wav`).
 *
 * Audio is recognised by content (the same magic-byte sniffing the decoder uses), so a renamed
 * text file is reported, and an audio file without an extension is used.
 */
import { createHash } from 'node:crypto';
import { realpathSync, type Dirent } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import type { DatasetItem, DatasetScan, SkipKind, SkippedFile } from '../../shared/dataset.js';
import { SerError } from '../../shared/errors.js';
import { decodeFile } from '../audio/decode.js';
import { sniff } from '../audio/sniff.js';
import { isInside } from '../util/inside.js';
import { RAVDESS_ORDER, parseRavdessName, ravdessEmotion } from '../../shared/ravdess.js';

export interface ScanOptions {
  /** Keep only these labels (case-insensitive; RAVDESS uses emotion names: 'calm', 'happy', ...). */
  labels?: string[];
  /** Fewer classes than this is a DatasetError (default 2: a classifier needs two; evaluation may pass 1). */
  minClasses?: number;
  /** Look for clips holding the same recording (default true; decodes same-size files, ~0.5 s per 1000 clips). */
  findDuplicates?: boolean;
  /**
   * Real paths of the folders a symlinked file may point into (the API passes its allowed
   * folders). Unset (the CLI, a user's own folder): symlinked files are used wherever they point.
   */
  roots?: string[];
}

/** A label with fewer clips than this gets a warning. */
const FEW_CLIPS = 10;
/** Largest / smallest class above this ratio gets a warning. */
const IMBALANCE = 3;
const SNIFF_BYTES = 4096;
/** Two clips correlating above this are the same recording (dither or re-encoding aside). */
const DUPLICATE_R = 0.99;
const ENVELOPE = 64;
const CONCURRENCY = 32;

/** Folder names that are obviously a speaker: Actor_01, speaker3, spk-12, p225, s01, 1001. */
const SPEAKER_DIR = /^(?:(?:actor|speaker|spk|subject|talker|s|p|sp)[ _-]?\d+|\d+)$/i;

interface Found {
  rel: string;
  abs: string;
  size: number;
}

/** Locale-independent order, so lists and fingerprints are the same on every machine. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function fail(message: string, path: string): never {
  throw new SerError('DatasetError', message, path);
}

/** Relative path with forward slashes, so fingerprints agree across platforms. */
function posix(rel: string): string {
  return sep === '/' ? rel : rel.split(sep).join('/');
}

async function walk(root: string, skipped: SkippedFile[], roots?: string[]): Promise<Found[]> {
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

async function readHead(path: string): Promise<Uint8Array> {
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
async function audioOnly(files: Found[], skipped: SkippedFile[]): Promise<Found[]> {
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
        const s = sniff(head);
        if (s.format) keep[i + j] = f;
        else {
          const reason = s.other
            ? `${s.other} is not supported (use WAV/MP3/FLAC/OGG)`
            : 'not a WAV/MP3/FLAC/OGG file';
          skipped.push({ path: f.abs, kind: 'not-audio', reason });
        }
      }),
    );
  }
  return keep.filter((f): f is Found => f !== null);
}

interface Labelled extends Found {
  label: string;
  speaker: string | null;
  ravdess?: DatasetItem['ravdess'];
}

function labelRavdess(files: Found[], skipped: SkippedFile[]): Labelled[] {
  const out: Labelled[] = [];
  for (const f of files) {
    const r = parseRavdessName(basename(f.abs));
    if (!r) {
      skipped.push({
        path: f.abs,
        kind: 'unparseable-name',
        reason: 'name is not a RAVDESS name (MM-VV-EE-II-SS-RR-AA)',
      });
      continue;
    }
    out.push({ ...f, label: ravdessEmotion(r.emotion), speaker: r.actor, ravdess: r });
  }
  return out;
}

function labelFolders(files: Found[], skipped: SkippedFile[]): Labelled[] {
  const out: Labelled[] = [];
  for (const f of files) {
    const parts = f.rel.split('/');
    if (parts.length < 2) {
      skipped.push({ path: f.abs, kind: 'no-label-folder', reason: 'not inside a label folder' });
      continue;
    }
    const label = parts[parts.length - 2]!.trim().toLowerCase();
    const above = parts.length >= 3 ? parts[parts.length - 3]! : null;
    out.push({ ...f, label, speaker: above && SPEAKER_DIR.test(above) ? above : null });
  }
  return out;
}

/** Normalised correlation of two equal-length signals (1 = same waveform up to gain). */
function correlation(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : aa === bb ? 1 : 0;
}

/** Unit-norm RMS envelope over ENVELOPE segments: a cheap first test before full correlation. */
function envelope(x: Float32Array): Float64Array {
  const e = new Float64Array(ENVELOPE);
  const seg = x.length / ENVELOPE;
  let norm = 0;
  for (let k = 0; k < ENVELOPE; k++) {
    let sum = 0;
    const end = Math.floor((k + 1) * seg);
    for (let i = Math.floor(k * seg); i < end; i++) sum += x[i]! * x[i]!;
    e[k] = Math.sqrt(sum);
    norm += sum;
  }
  if (norm > 0) for (let k = 0; k < ENVELOPE; k++) e[k]! /= Math.sqrt(norm);
  return e;
}

/**
 * Groups of clips holding the same recording. Byte equality is not enough: RAVDESS's two
 * identical Actor_07 takes differ in every sample after SoX's dither. Only files of equal size
 * can match; within a size, envelopes pick candidates and waveform correlation confirms them.
 */
async function duplicates(items: Labelled[]): Promise<string[][]> {
  const bySize = new Map<number, Labelled[]>();
  for (const it of items) bySize.set(it.size, [...(bySize.get(it.size) ?? []), it]);
  const groups: string[][] = [];
  for (const same of bySize.values()) {
    if (same.length < 2) continue;
    const decoded = await Promise.all(
      same.map((it) =>
        decodeFile(it.abs).then(
          (d) => d.samples,
          () => null,
        ),
      ),
    );
    const env = decoded.map((x) => (x ? envelope(x) : null));
    const taken = new Set<number>();
    for (let i = 0; i < same.length; i++) {
      const a = decoded[i];
      const ea = env[i];
      if (!a || !ea || taken.has(i)) continue;
      const group = [same[i]!.rel];
      for (let j = i + 1; j < same.length; j++) {
        const b = decoded[j];
        const eb = env[j];
        if (!b || !eb || taken.has(j) || b.length !== a.length) continue;
        let dot = 0;
        for (let k = 0; k < ENVELOPE; k++) dot += ea[k]! * eb[k]!;
        if (dot > DUPLICATE_R && correlation(a, b) > DUPLICATE_R) {
          group.push(same[j]!.rel);
          taken.add(j);
        }
      }
      if (group.length > 1) groups.push(group.sort());
    }
  }
  return groups.sort((a, b) => byCodePoint(a[0]!, b[0]!));
}

function countBy(items: Labelled[], key: (it: Labelled) => string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const it of items) {
    const k = key(it);
    if (k !== null) out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

export async function scanDataset(root: string, opts: ScanOptions = {}): Promise<DatasetScan> {
  const abs = resolve(root);
  try {
    if (!(await stat(abs)).isDirectory()) fail(`not a folder: ${abs}`, abs);
  } catch (err) {
    if (err instanceof SerError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') fail(`folder not found: ${abs}`, abs);
    fail(`cannot read folder (${code ?? String(err)}): ${abs}`, abs);
  }

  const skipped: SkippedFile[] = [];
  const audio = await audioOnly(await walk(abs, skipped, opts.roots), skipped);
  if (audio.length === 0) {
    const other = skipped.length ? ` (${skipped.length} other files: ${summarise(skipped)})` : '';
    fail(`no audio files (WAV/MP3/FLAC/OGG) in ${abs}${other}`, abs);
  }

  // RAVDESS when most audio files carry RAVDESS names; stray files are then reported, not labelled.
  const ravdessNames = audio.filter((f) => parseRavdessName(basename(f.abs))).length;
  const layout: DatasetScan['layout'] = ravdessNames * 2 > audio.length ? 'ravdess' : 'folders';
  let items = layout === 'ravdess' ? labelRavdess(audio, skipped) : labelFolders(audio, skipped);

  const warnings: string[] = [];
  const present = [...new Set(items.map((it) => it.label))];
  let labels: string[];
  if (opts.labels?.length) {
    const wanted = [...new Set(opts.labels.map((l) => l.trim().toLowerCase()))];
    const missing = wanted.filter((l) => !present.includes(l));
    if (missing.length) {
      warnings.push(
        `label${missing.length > 1 ? 's' : ''} not found: ${missing.join(', ')} (labels here: ${sortLabels(present, layout).join(', ')})`,
      );
    }
    const keep = new Set(wanted);
    for (const it of items) {
      if (!keep.has(it.label)) {
        skipped.push({ path: it.abs, kind: 'label-filtered', reason: `label '${it.label}' not selected` });
      }
    }
    items = items.filter((it) => keep.has(it.label));
    labels = wanted.filter((l) => present.includes(l));
    if (items.length === 0) {
      fail(
        `none of the labels ${wanted.join(', ')} in ${abs} (labels here: ${sortLabels(present, layout).join(', ')})`,
        abs,
      );
    }
  } else {
    labels = sortLabels(present, layout);
  }
  if (items.length === 0) {
    fail(`no labelled audio in ${abs}: ${summarise(skipped)}`, abs);
  }
  const minClasses = opts.minClasses ?? 2;
  if (labels.length < minClasses) {
    fail(
      `only one class ('${labels[0]}', ${items.length} clips) in ${abs}: a classifier needs at least ${minClasses}` +
        (layout === 'folders' ? ' (put each label’s clips in its own folder)' : ''),
      abs,
    );
  }

  items.sort((a, b) => byCodePoint(a.rel, b.rel));
  const countsByLabel: Record<string, number> = {};
  for (const l of labels) countsByLabel[l] = 0;
  for (const it of items) countsByLabel[it.label]! += 1;
  const countsBySpeaker = sortedRecord(countBy(items, (it) => it.speaker));
  const classWeights: Record<string, number> = {};
  for (const l of labels) classWeights[l] = items.length / (labels.length * countsByLabel[l]!);

  const fingerprint = createHash('sha256')
    .update(items.map((it) => `${it.rel}\t${it.size}\t${it.label}\n`).join(''))
    .digest('hex');

  for (const l of labels) {
    if (countsByLabel[l]! < FEW_CLIPS)
      warnings.push(`label '${l}' has only ${countsByLabel[l]} clip${countsByLabel[l] === 1 ? '' : 's'}`);
  }
  const counts = labels.map((l) => countsByLabel[l]!);
  const big = Math.max(...counts);
  const small = Math.min(...counts);
  if (big > IMBALANCE * small) {
    const name = (n: number) => labels[counts.indexOf(n)];
    warnings.push(
      `classes are imbalanced ('${name(big)}' ${big} clips, '${name(small)}' ${small}); class weights compensate`,
    );
  }
  const unreadable = skipped.filter((s) => s.kind === 'unreadable').length;
  if (unreadable)
    warnings.push(`${unreadable} file${unreadable > 1 ? 's' : ''} could not be read (see skipped)`);
  if (layout === 'folders' && items.every((it) => it.speaker === null)) {
    warnings.push('no speaker ids (folder layout): splits by speaker are not possible, only random splits');
  }
  const dups = opts.findDuplicates === false ? [] : await duplicates(items);
  if (dups.length) {
    const shown = dups.slice(0, 5).map((g) => g.join(' = '));
    const more = dups.length > 5 ? `; and ${dups.length - 5} more groups` : '';
    warnings.push(
      `identical audio in ${dups.reduce((n, g) => n + g.length, 0)} files (a copy can land in both train and test): ${shown.join('; ')}${more}`,
    );
  }

  skipped.sort((a, b) => byCodePoint(a.kind, b.kind) || byCodePoint(a.path, b.path));
  const skippedByKind: Partial<Record<SkipKind, number>> = {};
  for (const s of skipped) skippedByKind[s.kind] = (skippedByKind[s.kind] ?? 0) + 1;

  return {
    root: abs,
    layout,
    labels,
    items: items.map((it) => {
      const item: DatasetItem = { path: it.abs, label: it.label, speaker: it.speaker };
      if (it.ravdess) item.ravdess = it.ravdess;
      return item;
    }),
    skipped,
    skippedByKind,
    countsByLabel,
    countsBySpeaker,
    classWeights,
    fingerprint,
    warnings,
  };
}

function sortLabels(labels: string[], layout: DatasetScan['layout']): string[] {
  if (layout === 'ravdess') return RAVDESS_ORDER.filter((l) => labels.includes(l));
  return [...labels].sort();
}

/** Speakers in natural order ('2' before '10'). */
function sortedRecord(r: Record<string, number>): Record<string, number> {
  const keys = Object.keys(r).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return Object.fromEntries(keys.map((k) => [k, r[k]!]));
}

/** "3 not-audio, 1 hidden" */
function summarise(skipped: SkippedFile[]): string {
  const by = new Map<string, number>();
  for (const s of skipped) by.set(s.kind, (by.get(s.kind) ?? 0) + 1);
  return [...by].map(([k, n]) => `${n} ${k}`).join(', ') || 'nothing usable';
}
