/**
 * What the benchmarks share: where the repo and the shared RAVDESS folder are, what to do where
 * the data is absent, the list of its clips, the progress log and the --model default.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_RECIPE } from '../src/main/recipe/recipe.js';
import type { ModelChoice } from '../src/main/training/config.js';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
export const DATA = resolve(ROOT, '..', 'shared', 'data', 'ravdess-16k');

/** Without ../shared/data (a fresh clone), say so in one line and exit 0. */
export function skipWithoutData(bench: string): void {
  if (existsSync(DATA)) return;
  console.log(`bench:${bench} skipped: ${DATA} not found (put the shared data beside the repo)`);
  process.exit(0);
}

/** Progress lines: to stderr under --json, so stdout holds only the JSON. */
export function benchLog(json: boolean): (line: string) => void {
  return (line) => (json ? process.stderr : process.stdout).write(`${line}\n`);
}

/** --model as given, or the default recipe's (one default for `ser train` and every benchmark). */
export function modelChoice(value: string | undefined): ModelChoice {
  const m = value ?? DEFAULT_RECIPE.model;
  if (!['ensemble', 'cnn-lstm', 'mlp'].includes(m)) {
    throw new Error(`--model takes mlp, ensemble or cnn-lstm (got ${value})`);
  }
  return m as ModelChoice;
}

/** Every RAVDESS clip, actor by actor, each folder sorted. */
export function ravdessFiles(): string[] {
  return readdirSync(DATA)
    .filter((d) => d.startsWith('Actor_'))
    .sort()
    .flatMap((d) =>
      readdirSync(join(DATA, d))
        .filter((f) => f.endsWith('.wav'))
        .sort()
        .map((f) => join(DATA, d, f)),
    );
}
