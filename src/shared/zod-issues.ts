/**
 * The one way a zod failure becomes a message: `field.path: what is wrong`, the first few issues
 * joined by `; `. Every boundary (the service, config files, CLI flags, the store, model folders)
 * uses it, so a bad value reads the same wherever it enters.
 *
 * Plain data and zod only: the renderer bundles this file.
 */
import type { z } from 'zod';

export interface ZodIssueFormat {
  /** Issues named before "(and N more)"; default 3. */
  max?: number;
  /** Field name of an issue at the root (no path); default none (the message alone). */
  rootField?: string;
  /** How a path is named; default `a.b.c` (the CLI names flags: `--limit`). */
  fieldName?: (path: readonly PropertyKey[]) => string;
}

const dotted = (path: readonly PropertyKey[]): string => path.map(String).join('.');

/** One issue as `path.to.field: message` (unknown keys are named as such). */
export function formatZodIssue(issue: z.core.$ZodIssue, opts: ZodIssueFormat = {}): string {
  const field = issue.path.length > 0 ? (opts.fieldName ?? dotted)(issue.path) : opts.rootField;
  const message =
    issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message;
  return field ? `${field}: ${message}` : message;
}

/** The first `max` issues of a zod error, one line. */
export function formatZodError(err: z.ZodError, opts: ZodIssueFormat = {}): string {
  const max = opts.max ?? 3;
  const parts = err.issues.slice(0, max).map((i) => formatZodIssue(i, opts));
  const more = err.issues.length > max ? ` (and ${err.issues.length - max} more)` : '';
  return `${parts.join('; ') || 'invalid'}${more}`;
}

/** A failed API call's arguments: `dataset.scan: root: expected string, received number`. */
export function describeZodError(method: string, err: z.ZodError): string {
  return `${method}: ${formatZodError(err, { rootField: '(arguments)' })}`;
}

/**
 * One issue's problem in words for a form field, without its path (the field shows it): "enter a
 * number", "must be at least 1", "must be a whole number". Messages a schema wrote itself are kept.
 */
export function fieldProblem(issue: z.core.$ZodIssue): string {
  const generic = /^(Invalid input|Too small|Too big|Invalid)\b/.test(issue.message);
  if (!generic) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'int') return 'must be a whole number';
      if (issue.expected === 'number') return 'enter a number';
      return `expected ${issue.expected}`;
    case 'too_small': {
      const m = String(issue.minimum);
      if (issue.origin === 'array') return `choose at least ${m}`;
      if (issue.origin === 'string') return Number(m) <= 1 ? 'must not be empty' : `at least ${m} characters`;
      return issue.inclusive ? `must be at least ${m}` : `must be more than ${m}`;
    }
    case 'too_big': {
      const m = String(issue.maximum);
      if (issue.origin === 'array') return `choose at most ${m}`;
      if (issue.origin === 'string') return `at most ${m} characters`;
      return issue.inclusive ? `must be at most ${m}` : `must be less than ${m}`;
    }
    default:
      return issue.message;
  }
}
