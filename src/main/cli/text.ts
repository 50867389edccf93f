/**
 * Terminal output shared by the `ser` subcommands: aligned tables, an evaluation report, and a
 * quiet end on a closed pipe.
 */
import type { Evaluation } from '../../shared/training.js';

/**
 * Rows as columns padded to their widest cell, two spaces apart; columns for which `right` is
 * true are right-aligned (numbers), the others left-aligned. Trailing spaces are trimmed.
 */
export function textTable(rows: string[][], right: (column: number) => boolean): string {
  const width: number[] = [];
  for (const r of rows) r.forEach((c, i) => (width[i] = Math.max(width[i] ?? 0, c.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (right(i) ? c.padStart(width[i]!) : c.padEnd(width[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

let pipeGuarded = false;

/**
 * `ser … --json | head` closes the pipe early; that is not an error, so exit quietly instead of
 * crashing on EPIPE. Installed once per process however many commands run in it.
 */
export function exitQuietlyOnClosedPipe(): void {
  if (pipeGuarded) return;
  pipeGuarded = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Accuracy line, per-class table and confusion matrix, for a terminal. */
export function formatEvaluation(e: Evaluation): string {
  const w = Math.max(8, ...e.labels.map((l) => l.length)) + 1;
  const lines = [
    `accuracy ${pct(e.accuracy)}  macro-F1 ${pct(e.macroF1)}  UAR ${pct(e.uar)}  (${e.n} clips)`,
    '',
    `${'label'.padEnd(w)} precision  recall      F1  support`,
    ...e.perClass.map(
      (c) =>
        `${c.label.padEnd(w)} ${pct(c.precision).padStart(9)} ${pct(c.recall).padStart(7)} ${pct(c.f1).padStart(7)} ${String(c.support).padStart(8)}`,
    ),
    '',
    `confusion (rows: true, columns: predicted)`,
    `${''.padEnd(w)}${e.labels.map((l) => l.slice(0, 7).padStart(8)).join('')}`,
    ...e.confusion.map(
      (row, i) => `${e.labels[i]!.padEnd(w)}${row.map((v) => String(v).padStart(8)).join('')}`,
    ),
  ];
  if (e.folds && e.foldAccuracy) {
    const uar = e.foldUar ? `, mean UAR ${pct(e.foldUar.mean)} ± ${pct(e.foldUar.std)}` : '';
    lines.push('', `folds: mean accuracy ${pct(e.foldAccuracy.mean)} ± ${pct(e.foldAccuracy.std)}${uar}`);
    for (const f of e.folds) {
      lines.push(
        `  fold ${f.fold + 1} (speakers ${f.testSpeakers.join(',')}): accuracy ${pct(f.evaluation.accuracy)}, UAR ${pct(f.evaluation.uar)}, ${f.epochs} epochs`,
      );
    }
  }
  return lines.join('\n');
}

/**
 * A name or message safe for one line of output: control characters (a newline in a file name
 * would split infer's one-line-per-file output) are shown as escapes, e.g. `a\nb.wav`.
 */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) =>
    c === '\n'
      ? '\\n'
      : c === '\r'
        ? '\\r'
        : c === '\t'
          ? '\\t'
          : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}
