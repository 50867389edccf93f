/**
 * The bad-input corpus (tests/fixtures/bad-input.ts, generated at run time) through `ser infer`'s
 * path (decode, speech check, features, the bundled model), one fresh process per file so each
 * file's peak memory is its own. Writes the table of docs/BAD-INPUT.md.
 *
 *   npm run bench:bad-input                 markdown table on stdout
 *   npm run bench:bad-input -- --json       then one JSON line
 *
 * Per file: outcome (refused with its code and reason / classified, with any warning), the time
 * of the classify call alone (model already loaded), and the child's peak RSS (process.resourceUsage
 * maxRSS: Node + the loaded model + this file). Targets (issue #10): every refusal under 2 s and
 * 300 MB, no InternalError, no confident prediction on non-speech, no warning dropped.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeBadInputCorpus } from '../tests/fixtures/bad-input.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const { values } = parseArgs({ options: { json: { type: 'boolean' }, one: { type: 'string' } } });

interface One {
  outcome: 'refuse' | 'warn' | 'ok';
  text: string;
  ms: number;
  baseMb: number;
  peakMb: number;
}

if (values.one) {
  // Child: load the model, then classify the one file and report.
  const { classify, loadClassifier } = await import('../src/main/inference/predict.js');
  const { toErrorData } = await import('../src/shared/errors.js');
  const c = await loadClassifier('default');
  const baseMb = process.resourceUsage().maxRSS / 1024;
  const t0 = performance.now();
  let out: Omit<One, 'ms' | 'baseMb' | 'peakMb'>;
  try {
    const p = await classify(c, values.one);
    const conf = Math.max(...Object.values(p.probabilities));
    out = p.warnings?.length
      ? { outcome: 'warn', text: `${p.label} ${(100 * conf).toFixed(0)}%; warning: ${p.warnings.join('; ')}` }
      : { outcome: 'ok', text: `${p.label} ${(100 * conf).toFixed(0)}%` };
  } catch (err) {
    const e = toErrorData(err);
    out = { outcome: 'refuse', text: `${e.code}: ${e.message}` };
  }
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ ...out, ms, baseMb, peakMb: process.resourceUsage().maxRSS / 1024 }));
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'ser-bench-bad-'));
try {
  const corpus = makeBadInputCorpus(join(dir, 'corpus'));
  const rows: (One & { name: string; what: string; expect: string })[] = [];
  for (const item of corpus.items) {
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bin', 'run-ts.mjs'),
        join(ROOT, 'bench', 'bad-input.ts'),
        '--one',
        join(corpus.dir, item.name),
      ],
      { encoding: 'utf8' },
    );
    const last = r.stdout.trim().split('\n').pop() ?? '';
    let one: One;
    try {
      one = JSON.parse(last) as One;
    } catch {
      one = {
        outcome: 'refuse',
        text: `CRASH (exit ${r.status}): ${r.stderr.trim().split('\n').pop()}`,
        ms: NaN,
        baseMb: NaN,
        peakMb: NaN,
      };
    }
    rows.push({ ...one, name: item.name, what: item.what, expect: item.expect });
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    `| input | expected | outcome | time (ms) | peak RSS (MB) | of which this file |`,
    `| --- | --- | --- | ---: | ---: | ---: |`,
    ...rows.map(
      (r) =>
        `| ${cell(r.what)} (\`${cell(r.name)}\`) | ${r.expect} | ${r.outcome === r.expect ? '' : '**MISMATCH** '}${cell(r.text.replace(` ${r.name}`, ''))} | ${r.ms.toFixed(1)} | ${r.peakMb.toFixed(0)} | ${(r.peakMb - r.baseMb).toFixed(0)} |`,
    ),
  ];
  const refusals = rows.filter((r) => r.outcome === 'refuse');
  const summary = {
    kinds: rows.length,
    mismatches: rows.filter((r) => r.outcome !== r.expect).map((r) => r.name),
    internalErrors: rows.filter((r) => r.text.startsWith('InternalError') || r.text.startsWith('CRASH'))
      .length,
    confidentOnNonSpeech: rows.filter((r) => r.expect === 'refuse' && r.outcome !== 'refuse').length,
    droppedWarnings: rows.filter((r) => r.expect === 'warn' && r.outcome !== 'warn').length,
    slowestRefusalMs: Math.max(...refusals.map((r) => r.ms)),
    largestRefusalPeakMb: Math.max(...refusals.map((r) => r.peakMb)),
    missing: corpus.missing,
    load: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    cores: cpus().length,
    date: new Date().toISOString(),
  };
  console.log(lines.join('\n'));
  console.log(
    `\n${summary.kinds} inputs; mismatches ${summary.mismatches.length}; InternalErrors ${summary.internalErrors}; ` +
      `predictions on non-speech ${summary.confidentOnNonSpeech}; dropped warnings ${summary.droppedWarnings}; ` +
      `slowest refusal ${summary.slowestRefusalMs.toFixed(0)} ms; largest peak RSS of a refusal ${summary.largestRefusalPeakMb.toFixed(0)} MB; ` +
      `load ${summary.load} on ${summary.cores} cores, ${summary.date}`,
  );
  if (values.json) console.log(JSON.stringify({ rows, summary }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
