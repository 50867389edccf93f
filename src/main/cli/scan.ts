/**
 * `ser scan --data DIR [--emotions a,b,c] [--json]`: what a dataset folder holds before training
 * on it: clips per label and speaker, class weights, files left out and why, warnings.
 */
import { relative, resolve } from 'node:path';
import { z } from 'zod';
import {
  DATASET_FORMAT_IDS,
  DATASET_FORMATS,
  type DatasetFormat,
  type DatasetScan,
  type SkipKind,
} from '../../shared/dataset.js';
import { formatZodError } from '../../shared/zod-issues.js';
import { COMMON_OPTIONS, UsageError, parseCommandArgs, requiredFlag } from './args.js';
import { withService } from './service.js';
import { exitQuietlyOnClosedPipe, textTable } from './text.js';

const USAGE = `usage: ser scan --data DIR [--format NAME] [--emotions a,b,c] [--json]

  --data DIR         dataset folder, or a .csv/.tsv manifest; the format is detected and said:
${formatList('                       ')}
  --format NAME      read it as this format instead (${DATASET_FORMAT_IDS.join(' | ')})
  --emotions LIST    keep only these labels, comma-separated (e.g. calm,happy,fearful,disgust,angry,sad)
  --json             print the whole scan as JSON (items, skipped files, counts, weights, warnings)`;

/** How many skipped paths to list per reason in the table output (all are in --json). */
const SHOW_SKIPPED = 5;

const Emotions = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()))
  .pipe(z.array(z.string().regex(/^[\w\- ]+$/, 'labels are words (letters, digits, - _)')).min(1));

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      data: { type: 'string' },
      emotions: { type: 'string' },
      format: { type: 'string' },
      ...COMMON_OPTIONS,
    },
    USAGE,
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const data = requiredFlag(values.data, 'data', USAGE);
  let labels: string[] | undefined;
  if (values.emotions !== undefined) {
    const parsed = Emotions.safeParse(values.emotions.replace(/,+$/, ''));
    if (!parsed.success) {
      throw new UsageError(`--emotions: ${formatZodError(parsed.error, { fieldName: () => '' })}`);
    }
    labels = parsed.data.filter(Boolean);
  }

  const format = values.format === undefined ? undefined : formatFlag(values.format);
  const root = resolve(data);
  const scan = await withService({}, (s) =>
    s.call('dataset.scan', { root, ...(labels ? { labels } : {}), ...(format ? { format } : {}) }),
  );
  exitQuietlyOnClosedPipe();
  if (values.json) {
    process.stdout.write(`${JSON.stringify(scan, null, 2)}\n`);
    return 0;
  }
  console.log(formatScan(scan));
  return 0;
}

const KIND_TITLES: Record<SkipKind, string> = {
  'not-audio': 'not audio',
  unreadable: 'unreadable',
  hidden: 'hidden files',
  'unparseable-name': 'names that do not parse',
  'no-label-folder': 'outside a label folder',
  'label-filtered': 'labels not selected',
  'unknown-label': 'emotions the format maps onto none (dropped)',
  'bad-row': 'manifest rows that cannot be used',
};

/** The formats with an example name each, one per line (usage text). */
export function formatList(indent: string): string {
  return DATASET_FORMAT_IDS.map(
    (f) => `${indent}${f.padEnd(9)} ${DATASET_FORMATS[f].title}: ${DATASET_FORMATS[f].example}`,
  ).join('\n');
}

/** `--format NAME`, checked against the registry's formats. */
export function formatFlag(value: string): DatasetFormat {
  const f = value.trim().toLowerCase();
  if (!(DATASET_FORMAT_IDS as string[]).includes(f)) {
    throw new UsageError(`--format takes ${DATASET_FORMAT_IDS.join(', ')} (got ${value})`);
  }
  return f as DatasetFormat;
}

export function formatScan(scan: DatasetScan): string {
  const out: string[] = [];
  const n = scan.items.length;
  out.push(`${scan.root}`);
  out.push(
    `${n} clips, ${scan.labels.length} labels, ${Object.keys(scan.countsBySpeaker).length || 'no'} speakers`,
  );
  for (const c of scan.corpora) {
    const d = c.detection;
    out.push(
      `corpus ${c.name}: ${DATASET_FORMATS[d.format].title} (${d.given ? '' : 'detected: '}${d.reason})`,
    );
    const mapped = c.labelMap.filter((m) => m.label !== m.source);
    if (mapped.length) {
      out.push(
        `  labels: ${mapped.map((m) => `${m.source} -> ${m.label ?? 'dropped'} (${m.clips})`).join(', ')}`,
      );
    }
  }
  out.push('');
  out.push(
    textTable(
      [
        ['label', 'clips', 'share', 'weight'],
        ...scan.labels.map((l) => [
          l,
          String(scan.countsByLabel[l]),
          `${((100 * scan.countsByLabel[l]!) / n).toFixed(1)}%`,
          scan.classWeights[l]!.toFixed(3),
        ]),
      ],
      (column) => column > 0,
    ),
  );
  // Integer-like keys ('10') precede others ('01') in a JS object; sort for reading.
  const speakers = Object.entries(scan.countsBySpeaker).sort(([a], [b]) =>
    a.localeCompare(b, undefined, { numeric: true }),
  );
  if (speakers.length) {
    out.push('');
    out.push(`speakers: ${speakers.map(([s, c]) => `${s}:${c}`).join(' ')}`);
  }
  if (scan.skipped.length) {
    out.push('');
    out.push(`skipped ${scan.skipped.length} files:`);
    for (const [kind, count] of Object.entries(scan.skippedByKind) as [SkipKind, number][]) {
      const some = scan.skipped.filter((s) => s.kind === kind);
      if (kind === 'label-filtered') {
        // One line per left-out label says it all.
        const by = new Map<string, number>();
        for (const s of some) {
          const label = /'(.*)'/.exec(s.reason)?.[1] ?? '?';
          by.set(label, (by.get(label) ?? 0) + 1);
        }
        out.push(`  ${count} ${KIND_TITLES[kind]}: ${[...by].map(([l, c]) => `${l} ${c}`).join(', ')}`);
        continue;
      }
      out.push(`  ${count} ${KIND_TITLES[kind]}`);
      for (const s of some.slice(0, SHOW_SKIPPED))
        out.push(`    ${relative(scan.root, s.path) || s.path}: ${s.reason}`);
      if (some.length > SHOW_SKIPPED)
        out.push(`    ... and ${some.length - SHOW_SKIPPED} more (--json lists all)`);
    }
  }
  if (scan.warnings.length) {
    out.push('');
    for (const w of scan.warnings) out.push(`warning: ${w}`);
  }
  out.push('');
  out.push(`fingerprint ${scan.fingerprint}`);
  return out.join('\n');
}
