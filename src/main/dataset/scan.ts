/**
 * Scan a dataset: every file under a folder becomes an item (path, emotion, speaker, corpus) or a
 * skipped entry with its reason. The format is detected (a corpus's naming scheme when most audio
 * files carry its names, a manifest at the top of the folder, else one folder per emotion) or
 * given (`format`); each format is one adapter (./adapters), which maps the corpus's labels onto
 * the emotion vocabulary (src/shared/emotions.ts) and says which it dropped.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import {
  DATASET_FORMATS,
  type CorpusScan,
  type DatasetFormat,
  type DatasetItem,
  type DatasetScan,
  type FormatDetection,
  type LabelMapping,
  type SkipKind,
  type SkippedFile,
} from '../../shared/dataset.js';
import { sortLabels, toEmotion } from '../../shared/emotions.js';
import { SerError } from '../../shared/errors.js';
import { findManifest, isManifestName, readManifest } from './adapters/manifest.js';
import { FILE_ADAPTERS, detectFormat } from './adapters/registry.js';
import type { FoundFile } from './adapters/types.js';
import { findDuplicates } from './duplicates.js';
import { audioOnly, walk } from './files.js';

export interface ScanOptions {
  /** Keep only these labels (case-insensitive; emotion words are mapped: 'anger' is 'angry'). */
  labels?: string[];
  /** Fewer classes than this is a DatasetError (default 2: a classifier needs two; evaluation may pass 1). */
  minClasses?: number;
  /** Look for clips holding the same recording (default true; decodes same-size files, ~0.5 s per 1000 clips). */
  findDuplicates?: boolean;
  /**
   * Real paths of the folders a symlinked file or a manifest row may point into (the API passes
   * its allowed folders). Unset (the CLI, a user's own folder): symlinked files are used wherever
   * they point; manifest rows stay inside the manifest's folder.
   */
  roots?: string[];
  /** Read the folder as this format instead of detecting it (`--format`). */
  format?: DatasetFormat;
  /** The corpus's name (default: the folder's name). */
  corpus?: string;
}

/** A label with fewer clips than this gets a warning. */
const FEW_CLIPS = 10;
/** Largest / smallest class above this ratio gets a warning. */
const IMBALANCE = 3;

interface Labelled extends FoundFile {
  label: string;
  source: string;
  speaker: string | null;
  corpus: string;
  ravdess?: DatasetItem['ravdess'];
}

/** Locale-independent order, so lists and fingerprints are the same on every machine. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function fail(message: string, path: string): never {
  throw new SerError('DatasetError', message, path);
}

function countBy(items: Labelled[], key: (it: Labelled) => string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const it of items) {
    const k = key(it);
    if (k !== null) out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

interface Read {
  items: Labelled[];
  skipped: SkippedFile[];
  detection: FormatDetection;
  /** Labels a corpus's names carry that map onto no emotion, with their clips. */
  dropped: Map<string, Map<string, number>>;
}

/** Read a folder's files with the adapter of its (detected or given) format. */
async function readFolder(abs: string, corpus: string, opts: ScanOptions): Promise<Read> {
  const skipped: SkippedFile[] = [];
  const audio = await audioOnly(await walk(abs, skipped, opts.roots), skipped);
  if (audio.length === 0) {
    const other = skipped.length ? ` (${skipped.length} other files: ${summarise(skipped)})` : '';
    fail(`no audio files (WAV/MP3/FLAC/OGG) in ${abs}${other}`, abs);
  }
  const format = opts.format as Exclude<DatasetFormat, 'manifest'> | undefined;
  const detection: FormatDetection = format
    ? { format, reason: `format given: ${DATASET_FORMATS[format].title}`, given: true }
    : detectFormat(audio);
  const adapter = FILE_ADAPTERS[detection.format as Exclude<DatasetFormat, 'manifest'>];
  const items: Labelled[] = [];
  const dropped = new Map<string, Map<string, number>>();
  for (const f of audio) {
    const l = adapter.label(f);
    if (l.ok) {
      const it: Labelled = { ...f, label: l.label, source: l.source, speaker: l.speaker, corpus };
      if (l.ravdess) it.ravdess = l.ravdess;
      items.push(it);
    } else {
      skipped.push({ path: f.abs, kind: l.kind, reason: l.reason });
      if (l.source !== undefined) countInto(dropped, corpus, l.source);
    }
  }
  return { items, skipped, detection, dropped };
}

function countInto(m: Map<string, Map<string, number>>, corpus: string, source: string): void {
  const c = m.get(corpus) ?? new Map<string, number>();
  c.set(source, (c.get(source) ?? 0) + 1);
  m.set(corpus, c);
}

async function readManifestFile(
  file: string,
  corpus: string,
  opts: ScanOptions,
  found: boolean,
): Promise<Read> {
  const m = await readManifest(file, opts.roots);
  const cols = m.columns.join(', ');
  return {
    items: m.items.map((it) => ({ ...it, corpus: it.corpus ?? corpus })),
    skipped: m.skipped,
    detection: {
      format: 'manifest',
      reason: opts.format
        ? `format given: manifest ${basename(file)} (${cols})`
        : found
          ? `manifest ${basename(file)} at the top of the folder (${cols})`
          : `a manifest file was given (${cols})`,
      given: opts.format !== undefined,
    },
    dropped: new Map(),
  };
}

export async function scanDataset(root: string, opts: ScanOptions = {}): Promise<DatasetScan> {
  const given = resolve(root);
  let isFile = false;
  try {
    const st = await stat(given);
    isFile = st.isFile();
    if (!st.isDirectory() && !(isFile && isManifestName(given))) {
      fail(`not a folder or a .csv/.tsv manifest: ${given}`, given);
    }
  } catch (err) {
    if (err instanceof SerError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') fail(`folder not found: ${given}`, given);
    fail(`cannot read folder (${code ?? String(err)}): ${given}`, given);
  }
  if (isFile && opts.format && opts.format !== 'manifest') {
    fail(`--format ${opts.format} reads a folder; ${given} is a manifest file`, given);
  }
  // The dataset's folder: a manifest file's own folder (its rows are relative to it).
  const abs = isFile ? dirname(given) : given;
  const corpus = opts.corpus ?? basename(abs);
  let read: Read;
  if (isFile) read = await readManifestFile(given, corpus, opts, false);
  else if (opts.format === 'manifest' || opts.format === undefined) {
    const manifest = await findManifest(abs);
    if (manifest) read = await readManifestFile(manifest, corpus, opts, true);
    else if (opts.format === 'manifest')
      fail(`no manifest (.csv/.tsv with path and emotion columns) in ${abs}`, abs);
    else read = await readFolder(abs, corpus, opts);
  } else read = await readFolder(abs, corpus, opts);
  const { skipped, detection } = read;
  let items = read.items;
  if (items.length === 0 && detection.format === 'manifest') {
    fail(
      `no usable rows in ${given}: ${skipped
        .slice(0, 3)
        .map((s) => s.reason)
        .join('; ')}`,
      given,
    );
  }
  // Two corpora in one scan (a manifest's corpus column): their speaker ids are not one namespace.
  if (new Set(items.map((it) => it.corpus)).size > 1) {
    items = items.map((it) => ({
      ...it,
      speaker: it.speaker === null ? null : `${it.corpus}/${it.speaker}`,
    }));
  }
  const allItems = items;

  const warnings: string[] = [];
  const present = [...new Set(items.map((it) => it.label))];
  let labels: string[];
  if (opts.labels?.length) {
    const wanted = [...new Set(opts.labels.map((l) => toEmotion(l) ?? l.trim().toLowerCase()))];
    const missing = wanted.filter((l) => !present.includes(l));
    if (missing.length) {
      warnings.push(
        `label${missing.length > 1 ? 's' : ''} not found: ${missing.join(', ')} (labels here: ${sortLabels(present).join(', ')})`,
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
        `none of the labels ${wanted.join(', ')} in ${abs} (labels here: ${sortLabels(present).join(', ')})`,
        abs,
      );
    }
  } else {
    labels = sortLabels(present);
  }
  if (items.length === 0) {
    fail(`no labelled audio in ${abs}: ${summarise(skipped)}`, abs);
  }
  const minClasses = opts.minClasses ?? 2;
  if (labels.length < minClasses) {
    fail(
      `only one class ('${labels[0]}', ${items.length} clips) in ${abs}: a classifier needs at least ${minClasses}` +
        (detection.format === 'folders' ? ' (put each label’s clips in its own folder)' : ''),
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
  if (items.every((it) => it.speaker === null)) {
    warnings.push(
      `no speaker ids (${DATASET_FORMATS[detection.format].title}): splits by speaker are not possible, only random splits`,
    );
  }
  const custom = labels.filter((l) => toEmotion(l) === null);
  if (custom.length) {
    warnings.push(
      `label${custom.length > 1 ? 's' : ''} outside the emotion vocabulary kept as named: ${custom.join(', ')} (another corpus shares a label only when spelt the same)`,
    );
  }
  const dups = opts.findDuplicates === false ? [] : await findDuplicates(items);
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

  const corpora = corpusSummaries(allItems, items, read.dropped, abs, detection);
  return {
    root: abs,
    corpora,
    labels,
    items: items.map((it) => {
      const item: DatasetItem = { path: it.abs, label: it.label, speaker: it.speaker, corpus: it.corpus };
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

/** Per corpus: clips kept per label, and how each of its labels was mapped (or dropped). */
function corpusSummaries(
  all: Labelled[],
  kept: Labelled[],
  dropped: Map<string, Map<string, number>>,
  root: string,
  detection: FormatDetection,
): CorpusScan[] {
  const names = [...new Set([...all.map((it) => it.corpus), ...dropped.keys()])];
  return names.map((name) => {
    const mine = all.filter((it) => it.corpus === name);
    const labelMap: LabelMapping[] = [];
    const at = new Map<string, LabelMapping>();
    for (const it of mine) {
      let m = at.get(it.source);
      if (!m) {
        m = { source: it.source, label: it.label, clips: 0 };
        at.set(it.source, m);
        labelMap.push(m);
      }
      m.clips++;
    }
    for (const [source, clips] of dropped.get(name) ?? []) labelMap.push({ source, label: null, clips });
    const keptHere = kept.filter((it) => it.corpus === name);
    const countsByLabel = countBy(keptHere, (it) => it.label);
    return {
      name,
      root,
      detection,
      countsByLabel: Object.fromEntries(
        sortLabels(Object.keys(countsByLabel)).map((l) => [l, countsByLabel[l]!]),
      ),
      labelMap,
      speakers: new Set(keptHere.map((it) => it.speaker).filter((s) => s !== null)).size,
    };
  });
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
