/**
 * Flag parsing and printing shared by `ser train`, `ser evaluate` and `ser infer`: lists, actor
 * ranges, one-line usage errors, and a plain-text confusion table.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { SerError } from '../../shared/errors.js';
import type { Evaluation } from '../../shared/training.js';

/** Thrown for bad flags; the command prints it as one line and exits 2. */
export class UsageError extends SerError {
  constructor(message: string) {
    super('ValidationError', message);
  }
}

export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (err) {
    // node's messages are long ("Unknown option '--x'. To specify a positional argument starting..."): keep the first sentence.
    const msg = err instanceof Error ? (err.message.split('. ')[0] ?? err.message) : String(err);
    throw new UsageError(msg.replace(/\.$/, ''));
  }
}

export function flagsOrThrow<T>(schema: z.ZodType<T>, values: unknown): T {
  const r = schema.safeParse(values);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const flag = issue && issue.path.length ? `--${String(issue.path[0])}: ` : '';
  throw new UsageError(`${flag}${issue?.message ?? 'invalid value'}`);
}

export const listOf = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** "1,2,5-8" -> ["1","2","5","6","7","8"]. */
export function parseActors(s: string): string[] {
  const out: string[] = [];
  for (const part of listOf(s)) {
    const m = /^(\d+)-(\d+)$/.exec(part);
    if (m) {
      const a = Number(m[1]);
      const b = Number(m[2]);
      if (b < a || b - a > 1000) throw new UsageError(`bad actor range '${part}'`);
      for (let i = a; i <= b; i++) out.push(String(i));
    } else out.push(part);
  }
  return out;
}

export const intFlag = (name: string, min: number, max: number) =>
  z
    .string()
    .refine((s) => /^-?\d+$/.test(s.trim()), `--${name} must be a whole number`)
    .transform(Number)
    .pipe(
      z.number().min(min, `--${name} must be at least ${min}`).max(max, `--${name} must be at most ${max}`),
    );

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
    lines.push('', `folds: mean accuracy ${pct(e.foldAccuracy.mean)} ± ${pct(e.foldAccuracy.std)}`);
    for (const f of e.folds) {
      lines.push(
        `  fold ${f.fold + 1} (speakers ${f.testSpeakers.join(',')}): ${pct(f.evaluation.accuracy)}, ${f.epochs} epochs`,
      );
    }
  }
  return lines.join('\n');
}
