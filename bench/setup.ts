/**
 * What the benchmarks share: where the repo and the shared RAVDESS folder are, what to do where
 * the data is absent, and the list of its clips.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
export const DATA = resolve(ROOT, '..', 'shared', 'data', 'ravdess-16k');

/** Without ../shared/data (a fresh clone), say so in one line and exit 0. */
export function skipWithoutData(bench: string): void {
  if (existsSync(DATA)) return;
  console.log(`bench:${bench} skipped: ${DATA} not found (put the shared data beside the repo)`);
  process.exit(0);
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
