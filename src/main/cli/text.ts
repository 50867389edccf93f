/** Terminal output shared by the `ser` subcommands: aligned tables, and a quiet end on a closed pipe. */

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
