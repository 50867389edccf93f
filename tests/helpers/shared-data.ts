/**
 * Paths to the shared data beside the repo (../shared). Tests that need it call
 * `describe.skipIf(!HAVE_RAVDESS)` and say why in the name, so a machine without the data
 * skips with a clear message instead of failing.
 */
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED = resolve(REPO_ROOT, '..', 'shared');
export const RAVDESS_16K = resolve(SHARED, 'data', 'ravdess-16k');
export const RAVDESS_48K = resolve(SHARED, 'data', 'ravdess-48k-samples');
export const LIBROSA_REFERENCE = resolve(SHARED, 'reference', 'librosa-features.json');

export const HAVE_RAVDESS = existsSync(resolve(RAVDESS_16K, 'Actor_01'));
export const HAVE_RAVDESS_48K = existsSync(RAVDESS_48K);
export const HAVE_REFERENCE = existsSync(LIBROSA_REFERENCE);

export const MISSING_DATA = `(skipped: ${RAVDESS_16K} not found; put the shared data beside the repo)`;

/** A RAVDESS clip path by actor and file name. */
export function ravdessClip(actor: number, name: string): string {
  return resolve(RAVDESS_16K, `Actor_${String(actor).padStart(2, '0')}`, name);
}

/**
 * Fill `dir` with a RAVDESS-layout folder of symlinks to the shared clips: for each actor, the
 * clips of each emotion code (the first `perActor` in name order, if given). Nothing is copied.
 */
export function linkRavdessSubset(
  dir: string,
  actors: number[],
  emotions: string[],
  perActor = Infinity,
): string {
  for (const a of actors) {
    const name = `Actor_${String(a).padStart(2, '0')}`;
    mkdirSync(join(dir, name), { recursive: true });
    const files = readdirSync(join(RAVDESS_16K, name)).sort();
    for (const code of emotions) {
      const picks = files.filter((f) => f.split('-')[2] === code).slice(0, perActor);
      for (const f of picks) symlinkSync(join(RAVDESS_16K, name, f), join(dir, name, f));
    }
  }
  return dir;
}
