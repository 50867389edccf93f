/** Flag parsing shared by the `ser` subcommands. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { SerError } from '../../shared/errors.js';
import { formatZodError } from '../../shared/zod-issues.js';
import { defaultDbPath } from '../store/paths.js';

/** Options every command takes: --json and --help / -h. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `--db FILE` and `--json` of the commands that use the run store: options, flag schema, usage. */
export const STORE_OPTIONS = { db: { type: 'string' }, ...COMMON_OPTIONS } as const;
export const STORE_FLAGS = { db: z.string().optional(), json: z.boolean().optional() };
export const storeUsage = (what = 'run store for run ids'): string =>
  `  --db FILE          ${what} (default: $SER_DB, else ${defaultDbPath()})
  --json             print one JSON object as the last stdout line`;

/** A flag the command cannot run without: its value, or a UsageError followed by the usage. */
export function requiredFlag(value: string | undefined, name: string, usage: string): string {
  if (!value) throw new UsageError(`--${name} is required\n\n${usage}`);
  return value;
}

/** Thrown for bad flags; `ser train`, `evaluate` and `infer` print it as one line and exit 2. */
export class UsageError extends SerError {
  constructor(message: string) {
    super('ValidationError', message);
  }
}

/**
 * The one exit-code rule of `ser`: 2 for a usage error (a bad or missing flag or argument: the
 * command never started), 1 for anything that failed while running, 0 for success.
 */
export function exitCodeOf(err: unknown): 1 | 2 {
  return err instanceof UsageError ? 2 : 1;
}

/**
 * A usage error as every command prints it (`ser <command>: <problem>` and where to find the
 * options), returning exit code 2; anything else is rethrown for the command's error line.
 */
export function reportUsageError(command: string, err: unknown): 2 {
  if (!(err instanceof UsageError)) throw err;
  console.error(`ser ${command}: ${err.message}\n(ser ${command} --help for the options)`);
  return 2;
}

/**
 * node:util parseArgs (strict), with its errors (unknown flag, missing value) turned into a
 * UsageError (a ValidationError) followed by the command's usage when given, so they reach the
 * user as a message, not as an internal error.
 */
export function parseCommandArgs<
  T extends NonNullable<ParseArgsConfig['options']>,
  P extends boolean = false,
>(argv: string[], options: T, usage: string | null, allowPositionals?: P) {
  try {
    return parseArgs({
      args: argv,
      options,
      strict: true,
      allowPositionals: (allowPositionals ?? false) as P,
    });
  } catch (err) {
    // node's messages run on ("Unknown option '--x'. To specify a positional..."): keep the first sentence.
    const message = err instanceof Error ? err.message : String(err);
    const first = message.split('. ')[0]!.replace(/\.$/, '');
    throw new UsageError(usage ? `${first}\n\n${usage}` : first);
  }
}

/**
 * A command's flags, parsed and checked against `schema` (`input` maps the parsed values and
 * positionals to what it checks; `check` adds checks of its own). A number is the exit code
 * when there is nothing to run: 0 after --help printed the usage, 2 after a usage error.
 */
export function commandFlags<T>(
  command: string,
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
  schema: z.ZodType<T>,
  usage: string,
  more: {
    positionals?: boolean;
    input?: (values: Record<string, unknown>, positionals: string[]) => unknown;
    check?: (flags: T) => void;
  } = {},
): T | number {
  try {
    const { values, positionals } = parseCommandArgs(argv, options, null, more.positionals ?? false);
    if (values.help) {
      console.log(usage);
      return 0;
    }
    const f = flagsOrThrow(schema, more.input ? more.input(values, positionals) : values);
    more.check?.(f);
    return f;
  } catch (err) {
    return reportUsageError(command, err);
  }
}

/** Parsed flag values checked against `schema`, or a UsageError naming the first bad flag. */
export function flagsOrThrow<T>(schema: z.ZodType<T>, values: unknown): T {
  const r = schema.safeParse(values);
  if (r.success) return r.data;
  throw new UsageError(formatZodError(r.error, { fieldName: (path) => `--${String(path[0])}` }));
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
