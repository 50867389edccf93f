/**
 * `ser runs`: list, show, compare, rename, tag, note, delete, export and import experiment runs.
 * Runs are named by id or a unique prefix of at least 4 characters, like git commits.
 * With --json the last stdout line is one JSON object.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import {
  describeProtocol,
  runTestClips,
  speakerAccuracy,
  speakerRanges,
  type ClipEvaluation,
} from '../../shared/clips.js';
import { SerError } from '../../shared/errors.js';
import { formatZodError } from '../../shared/zod-issues.js';
import {
  RUN_STATUSES,
  type RunComparison,
  type RunFilter,
  type RunRecord,
  type RunStatus,
  type RunSummary,
} from '../../shared/runs.js';
import { flatten } from '../store/compare.js';
import { defaultDbPath, type RunStore } from '../store/index.js';
import { UsageError, parseCommandArgs } from './args.js';
import { withService } from './service.js';
import { printable } from './text.js';
import { textTable } from './text.js';

const USAGE = `usage: ser runs <command> [options]

  list                      runs, newest first (the default command)
      --status S,S  --tag T  --labels a,b,c  --search TEXT
      --metric accuracy|macroF1 --min X --max X  --sort createdAt|name|accuracy|macroF1
      --asc | --desc  --limit N
  show ID [--epochs]        one run: config, evaluation, epochs (--epochs: all of them)
  compare ID ID...          config differences, metrics side by side, curves
  rename ID NAME            change a run's name
  tag ID TAG... [--remove]  add (or remove) tags
  note ID TEXT              replace a run's notes
  delete ID [--keep-files]  delete a run and its model folder
  export ID [PATH]          write the run and its model as one .ser-run.tar.gz (the app's export
                            format) into folder PATH (default .), or to PATH if it ends in .tar.gz
  import FILE               add an exported run (its id is kept; a run already here is refused);
                            FILE is a .ser-run.tar.gz or the folder it unpacks to

options: --db FILE (default: $SER_DB, else ${defaultDbPath({ env: { ...process.env, SER_DB: undefined } })})  --json
IDs may be unique prefixes (4+ characters).`;

const num = (name: string) =>
  z
    .string()
    .refine((s) => s.trim() !== '' && Number.isFinite(Number(s)), `--${name} must be a number`)
    .transform(Number);

const listFlags = z.object({
  status: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()))
    .pipe(
      z.array(
        z.enum(RUN_STATUSES as [RunStatus, ...RunStatus[]], {
          error: `--status takes ${RUN_STATUSES.join(',')}`,
        }),
      ),
    )
    .optional(),
  tag: z.string().optional(),
  labels: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .optional(),
  search: z.string().optional(),
  metric: z.enum(['accuracy', 'macroF1'], { error: '--metric takes accuracy or macroF1' }).optional(),
  min: num('min').optional(),
  max: num('max').optional(),
  sort: z
    .enum(['createdAt', 'name', 'accuracy', 'macroF1'], {
      error: '--sort takes createdAt, name, accuracy or macroF1',
    })
    .optional(),
  limit: num('limit')
    .pipe(z.number().int('--limit must be a whole number').positive('--limit must be positive'))
    .optional(),
});

// The messages above name their flag, so issues are printed without a field prefix.
function flagsOrThrow<T>(schema: z.ZodType<T>, values: unknown): T {
  const r = schema.safeParse(values);
  if (r.success) return r.data;
  throw new UsageError(formatZodError(r.error, { fieldName: () => '' }));
}

// ---- text output -------------------------------------------------------------------------

const table = (head: string[], rows: string[][], right: Set<number> = new Set()): string =>
  textTable([head, ...rows], (column) => right.has(column));

const pct = (x: number | null | undefined) =>
  x === null || x === undefined || Number.isNaN(x) ? '-' : `${(x * 100).toFixed(1)}%`;
const fix = (x: number | null | undefined, d = 4) =>
  x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d);
const when = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') : '-');
const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const show = (v: unknown) => (v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v));

function listText(runs: RunSummary[]): string {
  if (runs.length === 0) return 'no runs';
  const rows = runs.map((r) => [
    r.id.slice(0, 8),
    cut(r.name, 32),
    r.status,
    when(r.createdAt),
    String(r.epochs),
    pct(r.accuracy),
    pct(r.macroF1),
    r.tags.join(','),
  ]);
  const body = table(
    ['ID', 'NAME', 'STATUS', 'CREATED', 'EPOCHS', 'ACC', 'MACRO-F1', 'TAGS'],
    rows,
    new Set([4, 5, 6]),
  );
  return `${body}\n${runs.length} run${runs.length === 1 ? '' : 's'}`;
}

function epochRows(r: RunRecord, all: boolean): string[][] {
  const rows = r.metrics.map((m) => [
    String(m.epoch),
    fix(m.trainLoss),
    pct(m.trainAccuracy),
    fix(m.valLoss),
    pct(m.valAccuracy),
    m.seconds.toFixed(1),
  ]);
  if (all || rows.length <= 10) return rows;
  return [...rows.slice(0, 5), ['…', '', '', '', '', ''], ...rows.slice(-5)];
}

/** Accuracy per test speaker, then each later evaluation (`ser evaluate`) on a line. */
function speakerText(evals: ClipEvaluation[]): string[] {
  const out: string[] = [];
  const own = speakerAccuracy(runTestClips(evals));
  if (own.length) {
    out.push('', 'accuracy per test speaker');
    const rows = own.map((s) => [s.speaker, `${s.correct}/${s.n}`, pct(s.accuracy)]);
    out.push(indent(table(['SPEAKER', 'CORRECT', 'ACC'], rows, new Set([1, 2]))));
  }
  for (const e of evals.filter((x) => x.kind === 'evaluate')) {
    const correct = e.clips.filter((c) => c.predicted === c.label).length;
    const who = speakerRanges(e.clips.map((c) => c.speaker ?? '(none)'));
    out.push(
      `evaluated ${when(e.createdAt)} on ${e.dataRoot ?? '?'} (speakers ${who}): ` +
        `${correct}/${e.clips.length} = ${pct(e.clips.length ? correct / e.clips.length : null)}`,
    );
  }
  return out;
}

function showText(r: RunRecord, evals: ClipEvaluation[], allEpochs: boolean): string {
  const protocol = describeProtocol(r.config.split, r.evaluation?.folds);
  const out: string[] = [
    protocol.sentence,
    '',
    `run      ${r.id}`,
    `name     ${r.name}`,
    `status   ${r.status}${r.error ? ` (${r.error})` : ''}`,
    `created  ${when(r.createdAt)}   finished ${when(r.finishedAt)}`,
    `backend  ${r.backend}   app ${r.appVersion}   tags ${r.tags.join(', ') || '-'}`,
    `labels   ${r.labels.join(', ')}`,
    `dataset  ${r.dataset.root} (${r.dataset.hash.slice(0, 12)}, ${Object.values(r.dataset.countsByLabel).reduce((a, b) => a + b, 0)} clips used${r.dataset.skipped?.length ? `, ${r.dataset.skipped.length} skipped` : ''})`,
  ];
  for (const s of r.dataset.skipped ?? []) out.push(`  skipped ${printable(s.reason)}`);
  if (r.notes) out.push(`notes    ${r.notes}`);
  out.push('', 'config');
  for (const [k, v] of flatten(r.config)) out.push(`  ${k} = ${show(v)}`);
  const e = r.evaluation;
  if (e) {
    out.push(
      '',
      `evaluation (n=${e.n}): accuracy ${pct(e.accuracy)}, macro-F1 ${pct(e.macroF1)}, UAR ${pct(e.uar)}`,
    );
    const pc = e.perClass.map((c) => [
      c.label,
      pct(c.precision),
      pct(c.recall),
      pct(c.f1),
      String(c.support),
    ]);
    out.push(indent(table(['LABEL', 'PRECISION', 'RECALL', 'F1', 'SUPPORT'], pc, new Set([1, 2, 3, 4]))));
    out.push('', 'confusion (rows: true, columns: predicted)');
    const cm = e.confusion.map((row, i) => [e.labels[i] ?? '?', ...row.map(String)]);
    out.push(
      indent(table(['', ...e.labels.map((l) => l.slice(0, 7))], cm, new Set(e.labels.map((_, i) => i + 1)))),
    );
  }
  out.push(...speakerText(evals));
  if (e && evals.length === 0) out.push('', '(no clip-level results: recorded before they were stored)');
  if (r.metrics.length) {
    out.push('', `epochs (${r.metrics.length})`);
    out.push(
      indent(
        table(
          ['EPOCH', 'LOSS', 'ACC', 'VAL LOSS', 'VAL ACC', 'SEC'],
          epochRows(r, allEpochs),
          new Set([0, 1, 2, 3, 4, 5]),
        ),
      ),
    );
  }
  if (r.artifacts.length) {
    out.push('', 'artifacts');
    for (const a of r.artifacts)
      out.push(
        `  ${a.kind}  ${a.path}  sha256 ${a.sha256.slice(0, 12)}${existsSync(a.path) ? '' : '  (missing)'}`,
      );
  }
  return out.join('\n');
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

function compareText(c: RunComparison): { text: string; json: unknown } {
  const head = c.runs.map((r) => `${r.id.slice(0, 8)} ${cut(r.name, 20)}`);
  const out: string[] = [];
  const diff = (title: string, entries: typeof c.configDiff) => {
    out.push(title);
    if (entries.length === 0) out.push('  (identical)');
    else
      out.push(
        indent(
          table(
            ['', ...head],
            entries.map((d) => [d.path, ...d.values.map((v) => cut(show(v), 40))]),
          ),
        ),
      );
  };
  diff('config (only what differs)', c.configDiff);
  out.push('');
  diff('context (only what differs)', c.contextDiff);
  out.push('', 'metrics');
  const cell = (k: string, v: number | null) =>
    k === 'epochs' ? fix(v, 0) : k === 'seconds' ? fix(v, 1) : k === 'bestValLoss' ? fix(v) : pct(v);
  const mrows = Object.entries(c.metrics).map(([k, vs]) => [k, ...vs.map((v) => cell(k, v))]);
  out.push(indent(table(['', ...head], mrows, new Set(head.map((_, i) => i + 1)))));
  out.push('', `curves: ${c.curves.epochs.length} epochs aligned (values with --json)`);
  return { text: out.join('\n'), json: c };
}

// ---- commands ----------------------------------------------------------------------------

function need(args: string[], n: number, what: string): void {
  if (args.length < n) throw new UsageError(`${what} (see ser runs --help)`);
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      db: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      status: { type: 'string' },
      tag: { type: 'string' },
      labels: { type: 'string' },
      search: { type: 'string' },
      metric: { type: 'string' },
      min: { type: 'string' },
      max: { type: 'string' },
      sort: { type: 'string' },
      asc: { type: 'boolean', default: false },
      desc: { type: 'boolean', default: false },
      limit: { type: 'string' },
      epochs: { type: 'boolean', default: false },
      remove: { type: 'boolean', default: false },
      'keep-files': { type: 'boolean', default: false },
    },
    USAGE,
    true,
  );
  const [cmd = 'list', ...args] = positionals;
  if (values.help || cmd === 'help') {
    console.log(USAGE);
    return 0;
  }
  const file = values.db ?? defaultDbPath();
  const emit = (text: string, json: unknown) => console.log(values.json ? JSON.stringify(json) : text);

  const known = ['list', 'show', 'compare', 'rename', 'tag', 'note', 'delete', 'export', 'import'];
  if (!known.includes(cmd)) {
    console.error(`ser runs: unknown command '${cmd}'\n\n${USAGE}`);
    return 2;
  }
  // Flags are checked before anything else, so a bad one is a usage error (exit 2) with or without
  // a database.
  const listFilter = cmd === 'list' ? flagsOrThrow(listFlags, values) : null;
  // Only an import may create the database; other commands on a missing file would leave an empty one.
  if (cmd !== 'import' && !existsSync(file)) {
    if (cmd !== 'list')
      throw new SerError('StoreError', `no database at ${file} (no runs recorded yet)`, file);
    emit(`no runs yet (no database at ${file})`, { db: file, runs: [] });
    return 0;
  }

  // The store's notes on opening (read-only, upgraded, cleaned, recovered) go to stderr first.
  let dbFile = resolve(file);
  const onStoreOpen = (store: RunStore) => {
    dbFile = store.file;
    if (store.readonly)
      console.error(`note: ${store.file} is read-only (${store.readonlyReason}); changes are disabled`);
    if (store.backupPath)
      console.error(`note: upgraded the database; the previous version is kept at ${store.backupPath}`);
    for (const o of store.cleaned) console.error(`note: removed ${o.path} (${o.why})`);
    for (const id of store.recovered)
      console.error(
        `note: run ${id.slice(0, 8)} was left running by a process that is gone; marked interrupted`,
      );
  };
  return withService({ db: file, onStoreOpen }, async (service) => {
    // Open the store now, so its notes come before any output.
    if (cmd !== 'import') await service.call('runs.list', { limit: 1 });
    switch (cmd) {
      case 'list': {
        const f = listFilter!;
        const filter: RunFilter = { ...f, order: values.asc ? 'asc' : values.desc ? 'desc' : undefined };
        const runs = await service.call('runs.list', filter);
        emit(listText(runs), { db: dbFile, runs });
        return 0;
      }
      case 'show': {
        need(args, 1, 'show needs a run id');
        const r = await service.call('runs.get', { id: args[0]! });
        const evals = await service.call('runs.clips', { id: r.id });
        emit(showText(r, evals, values.epochs), {
          run: r,
          protocol: describeProtocol(r.config.split, r.evaluation?.folds),
          speakers: speakerAccuracy(runTestClips(evals)),
          clipEvaluations: evals,
        });
        return 0;
      }
      case 'compare': {
        need(args, 2, 'compare needs at least two run ids');
        const c = compareText(await service.call('runs.compare', { ids: args }));
        emit(c.text, c.json);
        return 0;
      }
      case 'rename': {
        need(args, 2, 'rename needs a run id and a name');
        const r = await service.call('runs.update', { id: args[0]!, name: args.slice(1).join(' ') });
        emit(`renamed run ${r.id.slice(0, 8)} to '${r.name}'`, { run: r });
        return 0;
      }
      case 'tag': {
        need(args, 2, 'tag needs a run id and at least one tag');
        const current = await service.call('runs.get', { id: args[0]! });
        const given = args.slice(1).map((t) => t.trim());
        const tags = values.remove
          ? current.tags.filter((t) => !given.includes(t))
          : [...new Set([...current.tags, ...given])];
        const r = await service.call('runs.update', { id: current.id, tags });
        emit(`run ${r.id.slice(0, 8)} tags: ${r.tags.join(', ') || '(none)'}`, { run: r });
        return 0;
      }
      case 'note': {
        need(args, 2, 'note needs a run id and the text');
        const r = await service.call('runs.update', { id: args[0]!, notes: args.slice(1).join(' ') });
        emit(`run ${r.id.slice(0, 8)} notes updated`, { run: r });
        return 0;
      }
      case 'delete': {
        need(args, 1, 'delete needs a run id');
        const { deleted: _, ...res } = await service.call('runs.delete', {
          id: args[0]!,
          keepFiles: values['keep-files'],
        });
        const lines = [`deleted run ${res.id}`];
        for (const p of res.removed) lines.push(`  removed ${p}`);
        for (const k of res.kept) lines.push(`  kept ${k.path} (${k.reason})`);
        emit(lines.join('\n'), res);
        return 0;
      }
      case 'export': {
        need(args, 1, 'export needs a run id');
        const a = await service.call('runs.export', { id: args[0]! });
        // A path ending in .tar.gz names the file; otherwise it is the folder to put it in.
        const to = args[1] ?? '.';
        const out = resolve(to.endsWith('.tar.gz') ? to : join(to, a.fileName));
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, a.bytes);
        const warnings = a.warnings ?? [];
        for (const w of warnings) console.error(`warning: ${w}`);
        emit(`exported run to ${out}`, { file: out, bytes: a.bytes.byteLength, warnings });
        return 0;
      }
      case 'import': {
        need(args, 1, 'import needs an exported .ser-run.tar.gz (or the folder it unpacks to)');
        const { id: imported } = await service.call('runs.import', { path: args[0]! });
        const r = await service.call('runs.get', { id: imported });
        emit(`imported run ${r.id.slice(0, 8)} '${r.name}' (${r.status}) into ${dbFile}`, { run: r });
        return 0;
      }
    }
    return 2;
  });
}
